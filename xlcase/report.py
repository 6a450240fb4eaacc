"""Views of results for people: text tables and JSON (validation reports add HTML and Markdown)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xlcase.api import Recalculation

_MONEY_KEYS = ("pv_costs", "pv_benefits", "npv", "npv_vs_do_nothing")
_RECALC_HEADERS = ("Option", "PV costs", "PV benefits", "NPV", "NPV vs DN", "BCR", "Payback", "Cost SV", "Benefit SV")


def render_recalc(result: Recalculation, fmt: str = "text") -> str:
    """`xlcase recalc` output: the DESIGN.md JSON shape, or a readable table."""
    data = result.appraisal.to_dict()
    findings = [f.to_dict() for f in result.findings]
    if fmt == "json":
        payload = {"assumptions": data["assumptions"], "options": data["options"],
                   "sensitivity": data["sensitivity"], "findings": findings}
        return json.dumps(payload, indent=2) + "\n"
    a = data["assumptions"]
    lines = [
        f"{result.submission.case.title or '(untitled case)'} - {result.submission.path.name}",
        f"Base year {a['base_year']}, {a['appraisal_years']} years, discount rate {a['discount_rate']:.2%}, "
        f"optimism bias {a['optimism_bias']:.1%}; present values in pounds, real prices.",
        "",
    ]
    rows = [_RECALC_HEADERS]
    for o in data["options"]:
        rows.append((
            f"{o['id'] or '?'} {o['name'] or ''}".strip(),
            *(_money(o[k]) for k in _MONEY_KEYS),
            "" if o["bcr"] is None else f"{o['bcr']:.2f}",
            "" if o["discounted_payback_year"] is None else str(o["discounted_payback_year"]),
            _percent(o["cost_switching_value"]),
            _percent(o["benefit_switching_value"]),
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(_RECALC_HEADERS))]
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if result.findings:
        lines += ["", f"{len(result.findings)} saved result(s) disagree with the engine:"]
        lines += [f"  {f.rule} {f.where}: {f.message}" for f in result.findings]
    return "\n".join(lines) + "\n"


def _money(value: float | None) -> str:
    return "" if value is None else f"£{value:,.0f}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"
