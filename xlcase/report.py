r"""Views of results for people: text tables and JSON (validation reports add HTML and Markdown).

Every piece of text from a workbook or a file name is shown through `xlcase.text.visible` (and
clipped where it is free text), in every format: a name holding escape codes or a newline shows
them as ``\x1b`` and ``\n`` rather than clearing a terminal or starting a report line of its own.
JSON keeps the data exact and escapes the same characters as ``\u`` escapes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from xlcase.formats import percent, pounds, ratio
from xlcase.text import clip, shown_id, visible, visible_json

if TYPE_CHECKING:
    from xlcase.api import Recalculation

TITLE_LIMIT = 200  # characters of a case's title or organisation in a report
_MONEY_KEYS = ("pv_costs", "pv_benefits", "npv", "npv_vs_do_nothing")
# The text view shortens the Results headers that do not fit a terminal's width; the others are the template's.
_SHORT_HEADERS = {"npv_vs_do_nothing": "NPV vs DN", "discounted_payback_year": "Payback",
                  "cost_switching_value": "Cost SV", "benefit_switching_value": "Benefit SV"}
_RECALC_FIGURES = ("id", *_MONEY_KEYS[:3], "npv_vs_do_nothing", "bcr", "discounted_payback_year",
                   "cost_switching_value", "benefit_switching_value")
_AFFORDABILITY_FIGURES = ("total_costs", "funding", "cash_releasing_benefits", "net_impact", "net_impact_vs_do_nothing",
                          "cumulative_vs_do_nothing")


def render_recalc(result: Recalculation, fmt: str = "text") -> str:
    """`xlcase recalc` output: the DESIGN.md JSON shape, or a readable table."""
    data = result.appraisal.to_dict()
    findings = [f.to_dict() for f in result.findings]
    if fmt == "json":
        payload = {"assumptions": data["assumptions"], "options": data["options"],
                   "sensitivity": data["sensitivity"], "affordability": result.affordability.to_dict(),
                   "findings": findings}
        return _json(payload)
    a = data["assumptions"]
    title = result.submission.case.title
    lines = [
        f"{clip(title, TITLE_LIMIT) if title else '(untitled case)'} - {result.submission.path.name}",
        f"Base year {a['base_year']}, {a['appraisal_years']} years, discount rate {a['discount_rate']:.2%}, "
        f"optimism bias {a['optimism_bias']:.1%}; present values in pounds, real prices.",
        "",
    ]
    template = result.submission.template
    rows = [tuple(_SHORT_HEADERS.get(k) or template.results.header(k) for k in _RECALC_FIGURES)]
    for o in data["options"]:
        rows.append((
            f"{shown_id(o['id']) if o['id'] else '?'} {clip(o['name'] or '')}".strip(),
            *(pounds(o[k]) for k in _MONEY_KEYS),
            ratio(o["bcr"]),
            o["discounted_payback_financial_year"] or "",
            percent(o["cost_switching_value"]),
            percent(o["benefit_switching_value"]),
        ))
    lines += _table(rows)
    preferred = result.appraisal.preferred
    financial = result.affordability.option(preferred.id) if preferred and preferred.id else None
    if financial is not None:
        lines += ["", f"Financial case of the preferred option {shown_id(preferred.id)}, cash terms (pay award "
                  f"{result.affordability.pay_award:.1%}, non-pay inflation {result.affordability.non_pay_inflation:.1%} "
                  f"a year from {result.affordability.price_base_year}):", ""]
        data_years = financial.to_dict(result.affordability.base_year)["years"]
        words = template.affordability
        lines += _table([(words.header("financial_year"), *(words.header(k) for k in _AFFORDABILITY_FIGURES))] + [
            (y["financial_year"], *(pounds(y[k]) for k in _AFFORDABILITY_FIGURES)) for y in data_years])
    if result.findings:
        lines += ["", f"{len(result.findings)} finding(s): values that could not be read, or saved results that "
                  "disagree with the engine:"]
        lines += [f"  {f.rule} {f.where}: {f.message}" for f in result.findings]
    return "".join(visible(line) + "\n" for line in lines)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    """Text table lines: the first column left-aligned, the others right-aligned, a rule under the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _json(payload: object) -> str:
    """JSON for a file or a terminal: UTF-8 as it is, but nothing that acts on a terminal."""
    return visible_json(json.dumps(payload, indent=2, ensure_ascii=False, default=str)) + "\n"


# --- validation reports -----------------------------------------------------------------------------------------

if TYPE_CHECKING:
    from xlcase.template import ResultColumn, Template
    from xlcase.validation import Report, SectionStatus

SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
STATUS_STYLES = {"valid": "bold green", "invalid": "bold red", "unreadable": "bold magenta"}
REPORT_FIGURES = ("id", "name", "pv_costs", "pv_benefits", "npv_vs_do_nothing", "bcr",
                  "discounted_payback_financial_year", "cost_switching_value", "benefit_switching_value")
FILE_SECTION_TITLE = "The workbook file"  # the one section no sheet is headed by (it is about the file itself)
WHERE_HEADER = "Where (type it into the Name Box)"


def render_validation(reports: list[Report], fmt: str = "text", *, batch: bool | None = None) -> str:
    """A validation report in one of the formats of `xlcase validate`.

    Args:
        reports: one report per file.
        fmt: text, json, html or markdown.
        batch: the several-files shape (DESIGN.md); by default when there is not exactly one report.

    Returns:
        The rendered report (text without colour; see `text_lines` for styled text).
    """
    from xlcase.validation import batch_dict

    batch = len(reports) != 1 if batch is None else batch
    if fmt == "json":
        return _json(batch_dict(reports) if batch else reports[0].to_dict())
    if fmt == "html":
        return render_html(reports, batch=batch)
    if fmt == "markdown":
        return render_markdown(reports, batch=batch)
    return "".join("".join(text for text, _ in line) + "\n" for line in text_lines(reports, batch=batch))


def template_of(report: Report) -> Template:
    """The template a report's workbook was made from, or the default one (an unknown or unreadable file)."""
    from xlcase.errors import XlcaseError
    from xlcase.template import load_template

    try:
        return load_template(report.template)
    except XlcaseError:
        return load_template()


def section_titles(template: Template) -> dict[str, str]:
    """What a report calls each section: the heading of the first sheet of that section, else of its first
    table with a heading (Aims sit on the Summary sheet); `FILE_SECTION_TITLE` for the file itself."""
    titles: dict[str, str] = {}
    for sheet in template.sheets:
        if sheet.section and sheet.heading:
            titles.setdefault(sheet.section, sheet.heading)
        for block in sheet.blocks:
            if block.table and block.table.section and block.table.heading:
                titles.setdefault(block.table.section, block.table.heading)
    titles["file"] = FILE_SECTION_TITLE
    return titles


def section_note(section: SectionStatus, template: Template) -> str:
    """What a reader should know beside a section's score: the inputs still at the blank workbook's values
    ("3 values are the blank workbook's (Base year (year 0) 2027; ...): check them"), or what an incomplete
    appraisal lacks; '' when there is nothing to say."""
    from xlcase.completeness import APPRAISAL_NEEDS
    from xlcase.model import Case, value_at

    if section.name == "appraisal" and section.score < 1:
        return f"the appraisal needs {APPRAISAL_NEEDS}"
    if not section.defaults:
        return ""
    blank = Case()
    shown_values = []
    for key in section.defaults:
        field = template.fields_by_key.get(key)
        shown_values.append(f"{field.label if field else key}: {_input_text(value_at(blank, key), field, template)}")
    count = len(section.defaults)
    return (f"{count} value{'s are' if count != 1 else ' is'} the blank workbook's ({'; '.join(shown_values)}): "
            "check them")


def _input_text(value: object, field, template: Template) -> str:
    """An input value as the workbook shows it: 3.50% for a percent cell, the label of a coded value."""
    kind = field.type if field else None
    if kind == "percent" and isinstance(value, (int, float)):
        return f"{value:.2%}"
    if field is not None and field.list and isinstance(value, str):
        return template.label(field.list, value)
    return str(value)


def result_columns(template: Template) -> list[ResultColumn]:
    """The Results columns a report shows (`REPORT_FIGURES`), with the template's headers and formats."""
    by_figure = {c.figure: c for c in template.results.columns}
    return [by_figure[f] for f in REPORT_FIGURES if f in by_figure]


def _figure(option: dict, column: ResultColumn) -> str:
    """One figure of the engine's results as the Results sheet formats it; '' where it does not exist."""
    value = option.get(column.figure)
    if value is None:
        return ""
    if column.figure == "id":
        return shown_id(value)
    if column.format == "money":
        return pounds(value)
    if column.format == "ratio":
        return f"{value:.2f}"
    if column.format == "percent":
        return f"{value:.1%}"
    if column.format == "integer":
        return str(value)
    return clip(str(value))


Segment = tuple[str, str | None]


def text_lines(reports: list[Report], *, batch: bool = False) -> list[list[Segment]]:
    """The text report as lines of (text, rich style) segments: plain for files, coloured on a terminal.
    Every segment is `visible`, so no line can be cut in two or forged by what a file holds."""
    return [[(visible(text), style) for text, style in line] for line in _text_lines(reports, batch=batch)]


def _text_lines(reports: list[Report], *, batch: bool) -> list[list[Segment]]:
    from xlcase.rules import SECTIONS

    lines: list[list[Segment]] = []
    for report in reports:
        template = template_of(report)
        titles = section_titles(template)
        status = report.status
        counts = ", ".join(f"{report.count(s)} {s}{'s' if report.count(s) != 1 and s != 'info' else ''}"
                           for s in ("error", "warning", "info"))
        head: list[Segment] = [(f"{report.file}: ", "bold"), (status.upper(), STATUS_STYLES[status])]
        if report.readable:
            head.append((f"  completeness {report.completeness:.0%}  {counts}", None))
        lines.append(head)
        if report.title:
            lines.append([(f"  {clip(report.title, TITLE_LIMIT)}"
                           + (f" ({clip(report.organisation, TITLE_LIMIT)})" if report.organisation else ""), "dim")])
        for section in SECTIONS:
            mine = [f for f in report.findings if f.section == section]
            if not mine:
                continue
            lines.append([(f"  {titles.get(section, section)}", "bold")])
            for f in mine:
                where = f.where or "-"
                lines.append([("    ", None), (f.rule, "bold"), (" ", None), (f"{f.severity:<7}", SEVERITY_STYLES[f.severity]),
                              (f" {where}: ", "dim"), (f.message, None)])
        for section in report.sections:
            note = section_note(section, template)
            if note:
                lines.append([(f"  {titles.get(section.name, section.name)}: {note}", "dim")])
        preferred = report.preferred_result
        if preferred:
            lines.append([(f"  preferred option {_preferred_summary(preferred)}", None)])
        lines.append([])
    if batch:
        from xlcase.validation import batch_summary

        s = batch_summary(reports)
        lines.append([(f"{s['files']} files: ", "bold"), (f"{s['valid']} valid", STATUS_STYLES["valid"]), (", ", None),
                      (f"{s['invalid']} invalid", STATUS_STYLES["invalid"]), (", ", None),
                      (f"{s['unreadable']} unreadable", STATUS_STYLES["unreadable"])])
    return lines


def _preferred_summary(option: dict) -> str:
    """'O2: NPV vs do nothing £489,000, BCR 1.86, pays back in 2031/32 (year 4); its costs may rise 86.0% or its
    benefits fall 46.0% before it is no better than doing nothing'."""
    payback = option.get("discounted_payback_financial_year")
    parts = [f"{shown_id(option['id'])}: NPV vs do nothing {pounds(option['npv_vs_do_nothing'])}",
             f"BCR {ratio(option['bcr'])}" if option.get("bcr") is not None else "no BCR",
             f"pays back in {payback} (year {option['discounted_payback_year']})" if payback else "does not pay back"]
    text = ", ".join(parts)
    cost, benefit = option.get("cost_switching_value"), option.get("benefit_switching_value")
    if cost is not None and benefit is not None:
        text += (f"; its costs may rise {cost:.1%} or its benefits fall {benefit:.1%} before it is no better than "
                 "doing nothing")
    return text


def print_text(reports: list[Report], *, batch: bool = False, file=None) -> None:
    """Print the text report with colours (rich) to a terminal."""
    from rich.console import Console
    from rich.text import Text

    console = Console(file=file, highlight=False, soft_wrap=True)
    for line in text_lines(reports, batch=batch):
        text = Text()
        for part, style in line:
            text.append(part, style=style or "")
        console.print(text)


def _complete_text(section: SectionStatus) -> str:
    """yes, no, or 'yes, with defaults' for a section whose inputs are filled but some only by the blank workbook."""
    if not section.complete:
        return "no"
    return "yes, with defaults" if section.defaults else "yes"


# --- Markdown ---------------------------------------------------------------------------------------------------

def _md(text: object) -> str:
    """Untrusted text made safe inside a Markdown table cell (no pipes, line breaks or raw HTML)."""
    out = visible(str(text))
    for raw, safe in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;"), ("`", "\\`"), ("*", "\\*"),
                      ("_", "\\_"), ("[", "\\["), ("]", "\\]")):
        out = out.replace(raw, safe)
    return out


def render_markdown(reports: list[Report], *, batch: bool = False) -> str:
    """A Markdown report for board papers: summary, sections, findings and results per file."""
    from xlcase.validation import batch_summary

    out: list[str] = ["# Business case validation", ""]
    if batch:
        s = batch_summary(reports)
        out += ["| files | valid | invalid | unreadable |", "|---:|---:|---:|---:|",
                f"| {s['files']} | {s['valid']} | {s['invalid']} | {s['unreadable']} |", ""]
    for report in reports:
        template = template_of(report)
        titles = section_titles(template)
        out += [f"## {_md(report.file)}", ""]
        if report.title:
            out += [f"**{_md(clip(report.title, TITLE_LIMIT))}**"
                    + (f", {_md(clip(report.organisation, TITLE_LIMIT))}" if report.organisation else ""), ""]
        out += [f"Status: **{report.status}**. Completeness {report.completeness:.0%}. "
                f"{report.count('error')} errors, {report.count('warning')} warnings, {report.count('info')} info.", ""]
        if report.readable:
            out += ["| section | complete | score | findings | notes |", "|---|---|---:|---:|---|"]
            out += [f"| {_md(titles.get(s.name, s.name))} | {_complete_text(s)} | {s.score:.0%} | {s.findings} | "
                    f"{_md(section_note(s, template))} |" for s in report.sections]
            out.append("")
        if report.findings:
            out += [f"| rule | severity | section | {WHERE_HEADER[0].lower() + WHERE_HEADER[1:]} | finding |",
                    "|---|---|---|---|---|"]
            out += [f"| {f.rule} | {f.severity} | {_md(titles.get(f.section, f.section))} | {_md(f.where)} | "
                    f"{_md(f.message)} |" for f in report.findings]
            out.append("")
        if report.results and report.results.get("options"):
            columns = result_columns(template)
            out += ["| " + " | ".join(_md(c.header) for c in columns) + " |",
                    "|" + "".join("---|" if c.format == "text" else "---:|" for c in columns)]
            out += ["| " + " | ".join(_md(_figure(o, c)) for c in columns) + " |" for o in report.results["options"]]
            out += ["", _md(template.results.intro), ""]
    return "\n".join(out)


# --- HTML -------------------------------------------------------------------------------------------------------

_CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:2em;color:#1d1d1b;max-width:70em}
h1{color:#005eb8}h2{border-bottom:2px solid #005eb8;padding-bottom:.2em;word-break:break-all}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;
vertical-align:top}th{background:#e8edee}td.num,th.num{text-align:right}td.num{white-space:nowrap}
code{font-family:Consolas,"DejaVu Sans Mono",monospace;background:#f0f4f5;padding:0 .2em;white-space:nowrap}
.status{font-weight:bold;padding:.1em .5em;border-radius:3px;color:#fff}
.valid{background:#007f3b}.invalid{background:#d5281b}.unreadable{background:#7c2855}
.error{color:#d5281b;font-weight:bold}.warning{color:#8a5a00}.info{color:#005eb8}
.bar{background:#e8edee;width:8em;height:.9em;display:inline-block;vertical-align:middle}
.bar span{display:block;height:100%;background:#005eb8}.bar span.full{background:#007f3b}
.note{color:#425563;font-size:.9em;max-width:60em}
svg text{font-size:11px;font-family:Arial,Helvetica,sans-serif}
td.score{white-space:nowrap}
@page{size:A4;margin:1.5cm}
@media print{body{margin:0;max-width:none;font-size:9.5pt}th,td{padding:.15em .3em}
h2{page-break-before:always}h2:first-of-type{page-break-before:avoid}
table{page-break-inside:auto}tr{page-break-inside:avoid}.status{color:#000;border:1px solid #000;background:none}
.bar{border:1px solid #000;width:6em}}
"""


def _h(value: object) -> str:
    import html

    return html.escape("" if value is None else visible(str(value)), quote=True)


def render_html(reports: list[Report], *, batch: bool = False) -> str:
    """One self-contained HTML file (inline CSS, no scripts, nothing fetched); all workbook text escaped.

    A finding's place is text to type into the Name Box of Excel or LibreOffice Calc (Results!J7), not a
    link: a browser cannot open a workbook at a cell.
    """
    from xlcase.validation import batch_summary

    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>Business case validation</title>", f"<style>{_CSS}</style></head><body>",
             "<h1>Business case validation</h1>"]
    if batch:
        s = batch_summary(reports)
        parts.append("<table><tr><th>Files</th><th>Valid</th><th>Invalid</th><th>Unreadable</th></tr>"
                     f"<tr><td class=num>{s['files']}</td><td class=num>{s['valid']}</td><td class=num>{s['invalid']}"
                     f"</td><td class=num>{s['unreadable']}</td></tr></table>")
    for report in reports:
        parts.extend(_html_report(report))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _html_report(report: Report) -> list[str]:
    template = template_of(report)
    titles = section_titles(template)
    status = report.status
    parts = [f"<section><h2>{_h(report.file)}</h2>"]
    if report.title:
        parts.append(f"<p><strong>{_h(clip(report.title, TITLE_LIMIT))}</strong>"
                     + (f", {_h(clip(report.organisation, TITLE_LIMIT))}" if report.organisation else "") + "</p>")
    made_from = f" Made from the template {_h(report.template)} {_h(report.template_version)}." if report.template else ""
    parts.append(f'<p>Status: <span class="status {status}">{status.upper()}</span>. Completeness '
                 f"{report.completeness:.0%}; {report.count('error')} errors, {report.count('warning')} warnings, "
                 f"{report.count('info')} info.{made_from}</p>")
    if report.readable:
        parts.append("<h3>Sections</h3><table><tr><th>Section</th><th>Completeness</th><th>Complete</th>"
                     "<th class=num>Findings</th></tr>")
        notes = []
        for sec in report.sections:
            width = max(0.0, min(1.0, sec.score)) * 100
            full = ' class="full"' if sec.complete else ""
            parts.append(f"<tr><td>{_h(titles.get(sec.name, sec.name))}</td><td class=score><span class=bar><span{full} "
                         f'style="width:{width:.0f}%"></span></span> {sec.score:.0%}</td><td>{_complete_text(sec)}</td>'
                         f"<td class=num>{sec.findings}</td></tr>")
            if note := section_note(sec, template):
                notes.append(f"<li><strong>{_h(titles.get(sec.name, sec.name))}</strong>: {_h(note)}</li>")
        parts.append("</table>")
        if notes:
            parts.append("<ul class=note>" + "".join(notes) + "</ul>")
    if report.findings:
        parts.append(f"<h3>Findings</h3><table><tr><th>Rule</th><th>Severity</th><th>Section</th>"
                     f"<th>{_h(WHERE_HEADER)}</th><th>Finding</th></tr>")
        for f in report.findings:
            where = f"<code>{_h(f.where)}</code>" if f.where else ""
            parts.append(f'<tr><td>{_h(f.rule)}</td><td class="{_h(f.severity)}">{_h(f.severity)}</td>'
                         f"<td>{_h(titles.get(f.section, f.section))}</td><td>{where}</td><td>{_h(f.message)}</td></tr>")
        parts.append("</table>")
    if report.results and report.results.get("options"):
        options = report.results["options"]
        columns = result_columns(template)
        parts.append("<h3>Results</h3><table><tr>" + "".join(
            f"<th{'' if c.format == 'text' else ' class=num'}>{_h(c.header)}</th>" for c in columns) + "</tr>")
        for o in options:
            parts.append("<tr>" + "".join(f"<td{'' if c.format == 'text' else ' class=num'}>{_h(_figure(o, c))}</td>"
                                          for c in columns) + "</tr>")
        parts.append(f"</table><p class=note>{_h(template.results.intro)}</p>")
        parts.append(_npv_chart(options))
    parts.append("</section>")
    return parts


def _npv_chart(options: list[dict]) -> str:
    """A bar chart of NPV vs do nothing by option (bars right of zero positive, left negative), as an SVG image
    inside the file: a browser and LibreOffice draw it alike, and an image can run nothing."""
    import base64

    values = [(shown_id(o["id"]) if o.get("id") else clip(o.get("name") or "?", 12), o.get("npv_vs_do_nothing") or 0.0)
              for o in options]
    if not values:
        return ""
    label_w, chart_w, value_w, bar_h, gap = 70, 420, 110, 18, 6
    low = min(0.0, *(v for _, v in values))
    high = max(0.0, *(v for _, v in values))
    span = (high - low) or 1.0
    zero = label_w + chart_w * (0 - low) / span
    width, height = label_w + chart_w + value_w, len(values) * (bar_h + gap) + gap
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="Arial,Helvetica,sans-serif" font-size="11">']
    for n, (label, value) in enumerate(values):
        y = gap + n * (bar_h + gap)
        x = label_w + chart_w * (min(value, 0) - low) / span
        w = chart_w * abs(value) / span
        colour = "#007f3b" if value >= 0 else "#d5281b"
        out.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{_h(label)}</text>')
        out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
        out.append(f'<text x="{max(x + w, zero) + 4:.1f}" y="{y + 13}">{_h(pounds(value))}</text>')
    out.append(f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" stroke="#425563"/></svg>')
    image = base64.b64encode("".join(out).encode("utf-8")).decode("ascii")
    alt = "NPV vs do nothing: " + "; ".join(f"{label} {pounds(value)}" for label, value in values)
    return (f'<h3>NPV vs do nothing by option</h3><img src="data:image/svg+xml;base64,{image}" width="{width}" '
            f'height="{height}" alt="{_h(alt)}">')
