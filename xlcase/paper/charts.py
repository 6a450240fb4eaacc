"""The paper's charts, drawn with matplotlib into PNG bytes: readable in print and in grey scale.

matplotlib is imported here only, when a chart is drawn (only `xlcase paper` draws one), and every
figure is drawn on its own Agg canvas (no pyplot, no display, no global state). Series are told apart by
line style, marker and hatching as well as by shade, so a black-and-white print keeps them apart; axes
are labelled in pounds and financial years; options are named, not numbered.

Text from the case (option names, milestone names) is shown as typed: a ``$`` is escaped so that
matplotlib's mathtext never interprets it, and labels are clipped and wrapped by the caller's rules.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlcase.formats import pounds
from xlcase.text import financial_year, shortened

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 150
WIDTH_INCHES = 6.3  # 16 cm, the text width of an A4 page with 2.5 cm margins
LABEL_LIMIT = 70  # characters of a name on a chart (a longer one ends in an ellipsis; tables give it whole)
WRAP = 30  # characters a line of a label
INK = ("#000000", "#404040", "#707070", "#9a9a9a")
LINE_STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
HATCHES = ("///", "...", "xxx", "\\\\\\", "+++", "ooo")
MONEY_AXIS = "£, present value (real prices)"
YEAR_AXIS = "Financial year"
MAX_YEAR_LABELS = 16  # financial-year tick labels on an axis; a longer period labels every n-th year
STYLE = {"font.family": "DejaVu Sans", "font.size": 8.5, "axes.titlesize": 9, "axes.labelsize": 8.5,
         "legend.fontsize": 8, "axes.spines.top": False, "axes.spines.right": False, "svg.fonttype": "none"}


def label(text: str, width: int = WRAP) -> str:
    """A name as a chart shows it: cut to LABEL_LIMIT characters, wrapped, ``$`` escaped so it is never mathtext."""
    return textwrap.fill(shortened(text, LABEL_LIMIT), width, break_long_words=True).replace("$", r"\$")


def _figure(height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})  # no version: the same bytes each run
    return out.getvalue()


def _draw(height: float, paint: Any) -> bytes:
    """A chart of ``height`` inches: ``paint(axes)`` draws on it in the paper's style."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        figure = _figure(height)
        paint(figure.add_subplot())
        return _png(figure)


def _money_axis(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=5))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: pounds(value)))


def _year_ticks(axes: Axes, years: Sequence[str]) -> None:
    step = max(1, -(-len(years) // MAX_YEAR_LABELS))
    positions = list(range(0, len(years), step))
    axes.set_xticks(positions, labels=[years[i] for i in positions], rotation=45 if len(positions) > 6 else 0,
                    ha="right" if len(positions) > 6 else "center")
    axes.set_xlabel(YEAR_AXIS)


def cumulative(series: Sequence[tuple[str, Sequence[float]]], years: Sequence[str]) -> bytes:
    """Lines of each option's cumulative discounted net benefit against doing nothing, by financial year."""
    def paint(axes: Axes) -> None:
        x = range(len(years))
        for n, (name, values) in enumerate(series):
            axes.plot(x, values, color=INK[n % len(INK)], linestyle=LINE_STYLES[n % len(LINE_STYLES)],
                      marker=MARKERS[n % len(MARKERS)], markersize=4, linewidth=1.6, label=label(name, 60),
                      markerfacecolor="white" if n % 2 else INK[n % len(INK)])
        axes.axhline(0, color="black", linewidth=0.8)
        axes.grid(axis="y", color="#d0d0d0", linewidth=0.5)
        _year_ticks(axes, years)
        axes.set_ylabel(MONEY_AXIS)
        _money_axis(axes.yaxis)
        axes.figure.legend(loc="outside lower left", ncols=1, frameon=False)

    return _draw(3.4 + 0.22 * len(series), paint)


def present_values(names: Sequence[str], costs: Sequence[float], benefits: Sequence[float],
                   legend: tuple[str, str]) -> bytes:
    """Paired horizontal bars of each option's incremental PV costs (hatched) and benefits (grey) against doing
    nothing, named in the legend: an option's own totals would show mostly what it shares with doing nothing."""
    def paint(axes: Axes) -> None:
        rows = range(len(names))
        axes.barh([r - 0.2 for r in rows], costs, height=0.38, color="white", edgecolor="black", hatch="///",
                  label=legend[0])
        axes.barh([r + 0.2 for r in rows], benefits, height=0.38, color="#8c8c8c", edgecolor="black",
                  label=legend[1])
        axes.set_yticks(list(rows), labels=[label(n) for n in names])
        axes.invert_yaxis()
        axes.axvline(0, color="black", linewidth=0.8)
        axes.grid(axis="x", color="#d0d0d0", linewidth=0.5)
        axes.set_xlabel(MONEY_AXIS)
        _money_axis(axes.xaxis)
        axes.legend(loc="lower right", frameon=True, framealpha=1)

    return _draw(1.4 + 0.62 * len(names), paint)


def tornado(changes: Sequence[tuple[str, float]]) -> bytes:
    """Horizontal bars of the change in NPV vs do nothing under each scenario, the largest on top."""
    ordered = sorted(changes, key=lambda item: abs(item[1]), reverse=True)

    def paint(axes: Axes) -> None:
        rows = range(len(ordered))
        values = [value for _, value in ordered]
        axes.barh(list(rows), values, height=0.6, color=["#5a5a5a" if v < 0 else "#d9d9d9" for v in values],
                  edgecolor="black", hatch=["" if v < 0 else "..." for v in values])
        axes.set_yticks(list(rows), labels=[label(name) for name, _ in ordered])
        axes.invert_yaxis()
        axes.axvline(0, color="black", linewidth=0.8)
        span = max((abs(v) for v in values), default=0.0) or 1.0
        for row, value in zip(rows, values):
            axes.text(value + (span * 0.02 if value >= 0 else -span * 0.02), row, pounds(value), va="center",
                      ha="left" if value >= 0 else "right", fontsize=7.5)
        axes.set_xlim(-span * 1.45 if min(values, default=0) < 0 else 0, span * 1.45 if max(values, default=0) > 0 else 0)
        axes.set_xlabel("Change in NPV vs do nothing (£, present value)")
        _money_axis(axes.xaxis)

    return _draw(1.2 + 0.4 * len(ordered), paint)


@dataclass(frozen=True)
class Bar:
    """One row of the Gantt chart: a milestone, the date its work starts (the one before it), its due date."""

    name: str
    begins: dt.date
    due: dt.date
    status: str | None


_STATUS_MARKS = {  # marker, fill: told apart by shape and fill, not colour
    "complete": ("o", "black"),
    "on_track": ("D", "#8c8c8c"),
    "not_started": ("D", "white"),
    "at_risk": ("^", "white"),
    "late": ("v", "black"),
}


def gantt(bars: Sequence[Bar], start: dt.date | None, finish: dt.date | None, status_labels: dict[str, str],
          ends: tuple[str, str]) -> bytes:
    """A Gantt chart of the milestones against financial years, the project's start and finish marked."""
    first = min([b.begins for b in bars] + ([start] if start else []))
    last = max([b.due for b in bars] + ([finish] if finish else []))

    def paint(axes: Axes) -> None:
        rows = range(len(bars))
        axes.barh(list(rows), [(b.due - b.begins).days or 1 for b in bars], left=[b.begins.toordinal() for b in bars],
                  height=0.5, color="#e0e0e0", edgecolor="#505050", linewidth=0.6)
        shown: set[str] = set()
        for row, bar in zip(rows, bars):
            marker, fill = _STATUS_MARKS.get(bar.status or "", ("D", "white"))
            key = bar.status or ""
            axes.plot([bar.due.toordinal()], [row], marker=marker, markersize=7, markerfacecolor=fill,
                      markeredgecolor="black", linestyle="none",
                      label=None if key in shown else label(status_labels.get(key, "Status not entered")))
            shown.add(key)
        for day, word, side in ((start, ends[0], "left"), (finish, ends[1], "right")):
            if day:
                axes.axvline(day.toordinal(), color="black", linestyle="--", linewidth=0.9)
                axes.text(day.toordinal() + (6 if side == "left" else -6), -0.95, f"{word} {day:%d %b %Y}", ha=side,
                          va="bottom", fontsize=7.5, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        axes.set_yticks(list(rows), labels=[label(b.name) for b in bars])
        axes.set_ylim(len(bars) - 0.4, -1.3)
        _financial_years(axes, first, last)
        axes.figure.legend(loc="outside lower center", ncols=5, frameon=False)

    return _draw(1.6 + 0.42 * len(bars), paint)


def _financial_years(axes: Axes, first: dt.date, last: dt.date) -> None:
    """Grid lines at each 1 April and the financial year's name between them."""
    from matplotlib.ticker import FixedLocator, NullFormatter

    begin = first.year - (1 if first.month < 4 else 0)
    end = last.year + (0 if last.month < 4 else 1)
    aprils = [dt.date(year, 4, 1).toordinal() for year in range(begin, end + 1)]
    axes.set_xlim(min(aprils[0], first.toordinal() - 30), max(aprils[-1], last.toordinal() + 30))
    axes.xaxis.set_major_locator(FixedLocator(aprils))
    axes.xaxis.set_major_formatter(NullFormatter())
    axes.grid(axis="x", color="#c0c0c0", linewidth=0.6)
    step = max(1, -(-(end - begin) // MAX_YEAR_LABELS))
    middles = [(aprils[i] + aprils[i + 1]) / 2 for i in range(0, len(aprils) - 1, step)]
    axes.set_xticks(middles, labels=[financial_year(begin + i) for i in range(0, len(aprils) - 1, step)],
                    minor=True)
    axes.tick_params(axis="x", which="minor", length=0)
    axes.set_xlabel(YEAR_AXIS)
