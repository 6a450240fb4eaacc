"""The business case paper built from a case and its appraisal: the one place that decides what it says.

The sections follow the elements of the NHS guidance in its order (executive summary, service need,
aims, stakeholders, the checklist's evidence, options, cost and resource analysis, risks, timeline,
evaluation, benefits realisation, conclusions), then an appendix of assumptions and reference data and,
on request, the validation findings. Each section is one function of what the paper is made from;
a section with nothing entered says so in a sentence of its own and never disappears, so a reviewer
sees the gap.

Every figure is the engine's (xlcase.appraisal), formatted as the workbook formats it (xlcase.formats);
table headers and labels are the workbook template's. Text from the case is cleaned on the way in: one
line where a cell is one line, clipped (`xlcase.text.clip`, which says how much was left out) and made
visible (`xlcase.text.visible`), so the paper is bounded whatever the case holds. Long lists are cut to
MAX_ROWS rows with a sentence that says how many were left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from xlcase import reference
from xlcase.appraisal import Appraisal, OptionResult, option_key
from xlcase.financial import RECONCILIATION_KEYS, Affordability, OptionAffordability, affordability
from xlcase.findings import Finding
from xlcase.formats import day, decimal, figure, percent, pounds, rate, ratio, whole
from xlcase.model import Case, Option
from xlcase.paper import charts
from xlcase.paper.model import (
    Block,
    Bullets,
    Cover,
    Document,
    Figure,
    KeyFigures,
    Paragraph,
    Section,
    Table,
    labelled,
    missing,
    text,
)
from xlcase.template import Column, ResultsLayout, Template
from xlcase.text import NAME_LIMIT, clip, financial_year, id_key, listed, shortened, shown_id, visible

NARRATIVE_LIMIT = 5_000  # characters of one narrative field (service need, overview, a conclusion)
CELL_LIMIT = 500  # characters of text in a table cell or a list item
MAX_ROWS = 100  # rows of one table, items of one list
MAX_OPTIONS = 20  # options described one by one, and drawn on a chart
OPTIONS_PER_TABLE = 4  # option columns of one results or sensitivity table (a portrait page's width)
MAX_GANTT_ROWS = 30  # milestones on the Gantt chart
MAX_FINDINGS = 500  # validation findings listed
FOOTER_LIMIT = 80  # characters of the title in the page footer
NOT_ENTERED = "not entered"
NUMERIC_TYPES = frozenset({"number", "integer", "money", "percent", "year", "score"})
_WORD = re.compile(r"\w+")
_Item = TypeVar("_Item")


@dataclass(frozen=True)
class Inputs:
    """What a paper is made from: the case, the engine's appraisal of it, the template that names things,
    where it came from, and the validation findings when they are to be appended."""

    case: Case
    appraisal: Appraisal
    template: Template
    source: str
    template_version: str | None = None
    findings: tuple[Finding, ...] | None = None
    producer: str = "xlcase"

    def pairs(self) -> list[tuple[Option, OptionResult]]:
        """Each option with its result row (the engine gives one row per option, in case order)."""
        return list(zip(self.case.options, self.appraisal.options))


def build_paper(inputs: Inputs) -> Document:
    """The paper's document model, tables and figures numbered in reading order."""
    case = inputs.case
    sections = [
        executive_summary(inputs),
        service_need(inputs),
        aims(inputs),
        stakeholders(inputs),
        workforce_evidence(inputs),
        options_analysis(inputs),
        cost_and_resource_analysis(inputs),
        risks(inputs),
        timeline(inputs),
        evaluation(inputs),
        benefits_realisation(inputs),
        conclusions(inputs),
        assumptions_appendix(inputs),
    ]
    if inputs.findings is not None:
        sections.append(findings_appendix(inputs.findings))
    title = _line(case.title, NAME_LIMIT * 2) or "Untitled business case"
    return Document(title=title, author=_line(case.author, NAME_LIMIT), subject=inputs.template.title,
                    cover=_cover(inputs, title), sections=_numbered(sections), footer=shortened(title, FOOTER_LIMIT))


# --- text from the case -----------------------------------------------------------------------------------------

def _line(value: Any, limit: int = CELL_LIMIT) -> str:
    """Case text as one line: line breaks and tabs made spaces, clipped, nothing invisible left to act."""
    if value is None:
        return ""
    return visible(clip(" ".join(str(value).split()), limit))


def _narrative(value: str | None, limit: int = NARRATIVE_LIMIT) -> list[Paragraph]:
    """Case text of several paragraphs (a line break starts a new one), clipped as a whole."""
    if not value or not value.strip():
        return []
    return [text(visible(" ".join(line.split()))) for line in clip(value.strip(), limit).splitlines() if line.strip()]


def _filled(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _capped(items: Sequence[_Item], what: str, limit: int = MAX_ROWS,
            done: str = "shown here") -> tuple[Sequence[_Item], str | None]:
    """The first ``limit`` items, and the sentence that says how many the case holds (None when all are kept)."""
    if len(items) <= limit:
        return items, None
    return items[:limit], f"The case holds {len(items):,} {what}; the first {limit:,} are {done}."


def _bullets(items: Sequence[str], what: str, *, numbered: bool = False) -> list[Block]:
    shown, note = _capped([i for i in items if _filled(i)], what)
    blocks: list[Block] = [Bullets(tuple(_line(i) for i in shown), numbered)]
    return blocks + ([text(note, "note")] if note else [])


def _cell(template: Template, value: Any, column: Column) -> str:
    """A value of a table's column as the workbook shows it."""
    if value is None:
        return ""
    kind = column.type
    if kind == "money":
        return pounds(value)
    if kind == "number":
        return decimal(value)
    if kind in ("integer", "year", "score"):
        return whole(value)
    if kind == "percent":
        return percent(value)
    if kind == "date":
        return day(value)
    if kind == "bool":
        return template.yes if value else template.no
    if kind == "choice" and column.list:
        return template.label(column.list, value)
    if kind == "aim" or column.key == "id":
        return shown_id(str(value))
    return _line(value)


def _rows_table(inputs: Inputs, table_key: str, items: Sequence[Any], keys: Sequence[str], caption: str, what: str,
                widths: Sequence[float] = (), *, extra: Callable[[Any], Sequence[str]] | None = None,
                extra_header: Sequence[str] = (), extra_numeric: Sequence[bool] = (),
                total: Sequence[str] | None = None) -> Table:
    """A table of some of a template table's columns (headers as the workbook's), then any ``extra`` columns
    worked out from each item, then an optional total row; at most MAX_ROWS rows."""
    table = inputs.template.table(table_key)
    columns = [table.column(key) for key in keys]
    shown, note = _capped(items, what)
    rows = [tuple(_cell(inputs.template, getattr(item, c.key), c) for c in columns)
            + tuple(extra(item) if extra else ()) for item in shown]
    if total is not None:
        rows.append(tuple(total))
    numeric = tuple(c.type in NUMERIC_TYPES for c in columns) + tuple(extra_numeric or [False] * len(extra_header))
    return Table(caption, tuple(c.header for c in columns) + tuple(extra_header), tuple(rows), numeric,
                 tuple(widths), note, total_row=total is not None)


def _option_name(option_id: str | None, name: str | None) -> str:
    """An option as the paper names it: its ID and name ('O2 Train 10 trainee assistant practitioners')."""
    parts = [shown_id(option_id) if option_id else "", _line(name, NAME_LIMIT)]
    return " ".join(p for p in parts if p) or "(an option with no ID or name)"


def _result_of(inputs: Inputs, option: Option) -> OptionResult | None:
    return next((r for o, r in inputs.pairs() if o is option), None)


def _basis(inputs: Inputs) -> str:
    """The sentence that says what the figures are measured on."""
    a = inputs.case.assumptions
    prices = f" at {a.price_base_year} prices" if a.price_base_year else " in real prices"
    return (f"Figures are the Green Book appraisal over {a.appraisal_years} years from {financial_year(a.base_year)}"
            f" (year 0), discounted at {rate(a.discount_rate)} a year{prices}, with {percent(a.optimism_bias)} "
            "optimism bias on costs unless an option sets its own, and measured against doing nothing.")


# --- cover and executive summary ---------------------------------------------------------------------------------

def _cover(inputs: Inputs, title: str) -> Cover:
    case, template = inputs.case, inputs.template
    label = {key: template.field(key).label for key in ("organisation", "department", "author", "prepared")}
    details = (
        (label["organisation"], _line(case.organisation, NAME_LIMIT) or NOT_ENTERED),
        (label["department"], _line(case.department, NAME_LIMIT) or NOT_ENTERED),
        (label["author"], _line(case.author, NAME_LIMIT) or NOT_ENTERED),
        (label["prepared"], day(case.prepared) or NOT_ENTERED),
        ("Template", f"{template.title} ({template.name}), version {inputs.template_version or template.version}"),
        ("Made from", _line(inputs.source, NAME_LIMIT)),
        ("Produced by", f"{inputs.producer}; every figure is the engine's appraisal of the case's own inputs"),
    )
    return Cover(title, template.title, KeyFigures(details))


def _preferred(inputs: Inputs) -> tuple[Option | None, list[Option]]:
    """The one option marked preferred (None unless exactly one is), and every option marked."""
    marked = inputs.case.preferred_options()
    return (marked[0] if len(marked) == 1 else None), marked


def _headline(inputs: Inputs, result: OptionResult) -> KeyFigures:
    """The preferred option's decision figures, labelled with the Results table's headers."""
    words = inputs.template.results
    formats = {c.figure: c.format for c in words.columns}

    def shown(key: str, none: str) -> str:
        value = getattr(result, key)
        return none if value is None else figure(value, formats[key])

    return KeyFigures((
        ("Preferred option", _option_name(result.id, result.name)),
        (words.header("npv_vs_do_nothing"), shown("npv_vs_do_nothing", "none")),
        (words.header("bcr"), shown("bcr", "none: no additional costs against doing nothing")),
        (words.header("discounted_payback_year"),
         shown("discounted_payback_year", "none: it does not pay back within the appraisal period")),
        (words.header("discounted_payback_financial_year"), shown("discounted_payback_financial_year", "none")),
        (words.header("cost_switching_value"), shown("cost_switching_value", "none")),
        (words.header("benefit_switching_value"), shown("benefit_switching_value", "none")),
    ))


def _no_preferred_sentence(marked: Sequence[Option], what: str) -> Paragraph:
    if not marked:
        return missing(f"No option is marked as preferred, so {what}.")
    names = listed([_option_name(o.id, o.name) for o in marked], 5)
    return missing(f"{len(marked)} options are marked as preferred ({names}); a case marks exactly one, so {what}.")


def executive_summary(inputs: Inputs) -> Section:
    """The decision required, the headline figures and the overview."""
    case = inputs.case
    option, marked = _preferred(inputs)
    result = _result_of(inputs, option) if option else None
    decision: list[Block] = []
    figures: list[Block] = []
    if option is None or result is None:
        decision.append(_no_preferred_sentence(marked, "the decision required cannot be stated"))
        figures.append(_no_preferred_sentence(marked, "there are no headline figures"))
    elif option.do_nothing:
        decision.append(text(f"The option marked as preferred is to do nothing ({_option_name(option.id, option.name)})."))
        figures.append(missing("The preferred option is doing nothing, so there are no figures against it."))
    else:
        decision.append(text(f"The board is asked to approve option {_option_name(option.id, option.name)}."))
        figures += [_headline(inputs, result), text(_basis(inputs), "note")]
    if any(map(_filled, case.conclusions.recommendations)):
        decision.append(text("The recommendations are:"))
        decision += _bullets(case.conclusions.recommendations, "recommendations", numbered=True)
    else:
        decision.append(missing("No recommendations have been entered."))
    overview = _narrative(case.summary.overview) or [missing("No overview has been entered.")]
    return Section("Executive summary", (), (
        Section("Decision required", tuple(decision)),
        Section("Headline figures", tuple(figures)),
        Section("Overview", tuple(overview)),
    ))


def service_need(inputs: Inputs) -> Section:
    """The service need and the drivers that lead to the role."""
    summary = inputs.case.summary
    need = _narrative(summary.service_need) or [missing("No service need has been entered.")]
    table = inputs.template.table("summary.drivers")
    drivers = (_bullets(summary.drivers, "drivers") if any(map(_filled, summary.drivers))
               else [missing("No drivers have been entered.")])
    return Section("Service need and drivers", tuple(need), (Section(table.heading or table.name, tuple(drivers)),))


def aims(inputs: Inputs) -> Section:
    """The aims, each with its expected benefit and measure."""
    case = inputs.case
    if not case.aims:
        return Section("Aims and expected benefits", (missing("No aims have been entered."),))
    return Section("Aims and expected benefits", (_rows_table(
        inputs, "aims", case.aims, ("id", "text", "benefit", "measure"), "Aims, expected benefits and measures",
        "aims", (0.5, 2, 2, 2)),))


def stakeholders(inputs: Inputs) -> Section:
    """Who delivers the project, their roles, and who each is accountable to (the governance)."""
    people = inputs.case.stakeholders
    title = "Stakeholders and governance"
    if not people:
        return Section(title, (missing("No stakeholders have been entered."),))
    blocks: list[Block] = [text("Each stakeholder's role and who they are accountable to, which is how the "
                                "project is governed:")]
    blocks.append(_rows_table(inputs, "stakeholders", people, ("name", "role", "organisation", "accountable_to"),
                              "Stakeholders and lines of accountability", "stakeholders", (1.4, 1.8, 1.3, 1.4)))
    unaccountable = [_line(p.name or p.role, 60) or "(unnamed)" for p in people if not _filled(p.accountable_to)]
    if unaccountable:
        blocks.append(missing(f"{len(unaccountable):,} stakeholder(s) have no one they are accountable to entered: "
                              f"{listed(unaccountable, 5, '; ')}."))
    blocks.append(_rows_table(inputs, "stakeholders", people, ("name", "engagement", "expectations"),
                              "How stakeholders are engaged and what they expect", "stakeholders", (1.2, 2, 2)))
    return Section(title, tuple(blocks))


def _total(items: Sequence[Any], columns: Sequence[Column], template: Template, first: str = "Total") -> list[str]:
    """A total row: the sum of each numeric column (blank where a sum means nothing, such as a median)."""
    row = [first]
    for column in columns[1:]:
        values = [getattr(item, column.key) for item in items if getattr(item, column.key) is not None]
        summable = column.type in ("number", "integer", "money") and "median" not in column.key
        row.append(_cell(template, sum(values), column) if summable and values else "")
    return row


def workforce_evidence(inputs: Inputs) -> Section:
    """The guidance's checklist evidence: skill mix, candidates, education provider, other sources."""
    case, template = inputs.case, inputs.template
    subsections = []

    skill = template.table("skill_mix")
    keys = [c.key for c in skill.inputs]
    if case.skill_mix:
        blocks = [_rows_table(inputs, "skill_mix", case.skill_mix, keys, "Skill-mix profile of the areas", "areas",
                              (2.2, *([1] * (len(keys) - 1))),
                              total=_total(case.skill_mix, [skill.column(k) for k in keys], template))]
    else:
        blocks = [missing("No skill-mix profile has been entered.")]
    subsections.append(Section(skill.heading or "Skill-mix profile", tuple(blocks)))

    survey = template.table("candidates")
    if case.candidates:
        counts = [c.key for c in survey.inputs if c.type in NUMERIC_TYPES]
        words = [c.key for c in survey.inputs if c.type not in NUMERIC_TYPES and c.key != "area"]
        blocks = [
            _rows_table(inputs, "candidates", case.candidates, ["area", *counts],
                        "Support workers surveyed, interested and eligible, by area", "areas",
                        (2.2, *([1] * len(counts))),
                        total=_total(case.candidates, [survey.column(k) for k in ["area", *counts]], template)),
            _rows_table(inputs, "candidates", case.candidates, ["area", *words],
                        "Previous access to training and current competencies, by area", "areas",
                        (1.2, *([2] * len(words)))),
        ]
    else:
        blocks = [missing("No candidate survey has been entered.")]
    subsections.append(Section(survey.heading or "Candidate evidence", tuple(blocks)))

    provider = case.education_provider
    keys = ("name", "programme", "level", "duration_months", "coordinator")
    if any(_filled(getattr(provider, k)) for k in keys):
        items = []
        for key in keys:
            field = template.field(f"education_provider.{key}")
            value = getattr(provider, key)
            items.append((field.label, (whole(value) if isinstance(value, int) else _line(value)) or NOT_ENTERED))
        blocks = [KeyFigures(tuple(items))]
    else:
        blocks = [missing("No education provider or programme has been entered.")]
    subsections.append(Section("Education provider and programme", tuple(blocks)))

    sources = template.table("alternative_sources")
    blocks = (_bullets(case.alternative_sources, "other sources") if any(map(_filled, case.alternative_sources))
              else [missing("No other sources of candidates have been entered.")])
    subsections.append(Section(sources.heading or "Other sources of candidates", tuple(blocks)))
    return Section("Workforce evidence", (text(
        "The evidence the guidance asks for before a case is written: which areas would benefit from the role, "
        "whether there are candidates within the trust who want and are able to progress, the education "
        "provider and programme, and where else candidates could come from."),), tuple(subsections))


# --- options -------------------------------------------------------------------------------------------------------

def _kind(option: Option) -> str:
    kinds = [word for word, flag in (("do nothing", option.do_nothing), ("do minimum", option.do_minimum),
                                     ("preferred", option.preferred)) if flag]
    return ", ".join(kinds)


def options_analysis(inputs: Inputs) -> Section:
    """Each option; why the preferred one meets the aims best; why each other was ruled out."""
    case, template = inputs.case, inputs.template
    title = "Options analysis"
    if not case.options:
        return Section(title, (missing("No options have been entered."),))
    words = template.results
    opts = template.table("options")
    count = len(case.options)
    intro = f"{count:,} option{'s were' if count != 1 else ' was'} considered"
    intro += (", including doing nothing." if case.do_nothing_option() else
              "; none of them is marked as doing nothing, which the guidance asks every case to include.")
    shown, note = _capped(inputs.pairs(), "options")
    rows = tuple((shown_id(o.id) if o.id else "", _line(o.name, NAME_LIMIT), _kind(o), whole(o.trainees),
                  pounds(r.npv_vs_do_nothing), ratio(r.bcr)) for o, r in shown)
    blocks: list[Block] = [text(intro), Table(
        "Options considered", (opts.header("id"), opts.header("name"), "Type", opts.header("trainees"),
                               words.header("npv_vs_do_nothing"), words.header("bcr")), rows,
        (False, False, False, True, True, True), (0.5, 3, 1.1, 0.8, 1.3, 0.6), note)]
    subsections = [_why_preferred(inputs)]
    described, more = _capped(case.options, "options", MAX_OPTIONS, "described one by one")
    for option in described:
        subsections.append(_option_section(inputs, option))
    if more:
        blocks.append(text(more, "note"))
    return Section(title, tuple(blocks), tuple(subsections))


def _why_preferred(inputs: Inputs) -> Section:
    option, marked = _preferred(inputs)
    title = "Why the preferred option meets the aims best"
    if option is None:
        return Section(title, (_no_preferred_sentence(marked, "no option is put forward"),))
    blocks: list[Block] = (_narrative(option.justification)
                           or [missing("No justification for the preferred option has been entered.")])
    mine = _result_of(inputs, option)
    others = [(o, r) for o, r in inputs.pairs() if o is not option and not o.do_nothing]
    if mine is not None and others and not option.do_nothing:
        best_other, best = max(others, key=lambda pair: pair[1].npv_vs_do_nothing)
        if mine.npv_vs_do_nothing >= best.npv_vs_do_nothing:
            blocks.append(text(f"Its NPV against doing nothing ({pounds(mine.npv_vs_do_nothing)}) is the highest "
                               f"of the options appraised; the next is {_option_name(best_other.id, best_other.name)} "
                               f"at {pounds(best.npv_vs_do_nothing)}."))
        else:
            blocks.append(text(f"Option {_option_name(best_other.id, best_other.name)} has a higher NPV against "
                               f"doing nothing ({pounds(best.npv_vs_do_nothing)}) than the preferred option "
                               f"({pounds(mine.npv_vs_do_nothing)}); the justification above says why it is "
                               "preferred all the same."))
    return Section(title, tuple(blocks))


def _option_section(inputs: Inputs, option: Option) -> Section:
    opts = inputs.template.table("options")
    name = _option_name(option.id, option.name)
    kind = _kind(option)
    blocks: list[Block] = _narrative(option.description) or [missing("No description has been entered.")]
    viability = _narrative(option.viability)
    label = opts.header("viability")
    blocks += ([labelled(label, viability[0].text), *viability[1:]] if viability
               else [missing(f"No {label.lower()} has been entered.")])
    if option.preferred:
        reason, header = _narrative(option.justification), opts.header("justification")
        absent = "No justification for preferring it has been entered."
    else:
        reason, header = _narrative(option.reason_rejected), opts.header("reason_rejected")
        absent = "No reason for ruling it out has been entered."
    blocks += [labelled(header, reason[0].text), *reason[1:]] if reason else [missing(absent)]
    return Section(f"{name} ({kind})" if kind else name, tuple(blocks))


# --- cost and resource analysis --------------------------------------------------------------------------------

def _chunks(items: Sequence[_Item], size: int = OPTIONS_PER_TABLE) -> list[Sequence[_Item]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def cost_and_resource_analysis(inputs: Inputs) -> Section:
    """The economic case (value for money) and the financial case (affordability)."""
    return Section("Cost and resource analysis", (text(
        "The investment in training, mentoring, backfill, management and the education provider, set against "
        "the benefits to the trust, its departments, patients, service users and staff."),),
        (economic_case(inputs), financial_case(inputs)))


def economic_case(inputs: Inputs) -> Section:
    """The Results table, the charts, the preferred option's costs and benefits, sensitivity and switching values."""
    title = "Economic case"
    pairs = inputs.pairs()
    if not pairs:
        return Section(title, (missing("No options have been appraised, so there are no results."),))
    words = inputs.template.results
    blocks: list[Block] = [text(_basis(inputs))]
    shown, note = _capped(pairs, "options", MAX_OPTIONS)
    columns = [c for c in words.columns if c.figure not in ("id", "name")]
    chunks = _chunks(shown)
    for n, chunk in enumerate(chunks):
        rows = tuple((c.header, *(figure(r.figure(c.figure), c.format) for _, r in chunk)) for c in columns)
        caption = words.table + (f" (options {n + 1} of {len(chunks)})" if len(chunks) > 1 else "")
        caption = f"{caption}: the appraisal of each option"
        blocks.append(Table(caption, ("Figure", *(_option_name(r.id, r.name) for _, r in chunk)), rows,
                            (False, *([True] * len(chunk))), (1.25, *([1.2] * len(chunk))),
                            " ".join(filter(None, [words.intro, note]))))
    movers = [(o, r) for o, r in shown if not o.do_nothing]
    if movers:
        blocks.append(_pv_figure(movers, words))
        blocks.append(_cumulative_figure(inputs, movers, words.cumulative_chart))
    return Section(title, tuple(blocks), (_preferred_lines(inputs), _sensitivity(inputs)))


def _pv_figure(pairs: Sequence[tuple[Option, OptionResult]], words: ResultsLayout) -> Figure:
    names = [_option_name(r.id, r.name) for _, r in pairs]
    costs = [r.incremental_pv_costs or 0.0 for _, r in pairs]
    benefits = [r.incremental_pv_benefits or 0.0 for _, r in pairs]
    legend = words.header("incremental_pv_costs"), words.header("incremental_pv_benefits")
    png = charts.present_values(names, costs, benefits, legend)
    description = "; ".join(f"{n}: {legend[0]} {pounds(c)}, {legend[1]} {pounds(b)}"
                            for n, c, b in zip(names, costs, benefits))
    return Figure(f"{words.pv_chart} (present values, real prices)", png, f"Bar chart. {description}.")


def _cumulative_figure(inputs: Inputs, pairs: Sequence[tuple[Option, OptionResult]], caption: str) -> Figure:
    a = inputs.case.assumptions
    years = [financial_year(a.base_year + t) for t in range(a.appraisal_years)]
    series = [(_option_name(r.id, r.name), [float(v) for v in r.cumulative_discounted_delta]) for _, r in pairs]
    png = charts.cumulative(series, years)
    description = "; ".join(f"{name} ends at {pounds(values[-1]) if values else pounds(0)}" for name, values in series)
    return Figure(f"{caption}, by financial year", png,
                  f"Line chart from {years[0]} to {years[-1]}, one line per option. {description}.")


def _totals(amounts: Sequence[float], years: int) -> float:
    return float(sum(amounts[:years]))


def _preferred_lines(inputs: Inputs) -> Section:
    """The preferred option's cost lines by category and benefit lines by beneficiary, as entered."""
    case, template = inputs.case, inputs.template
    title = "Costs and benefits of the preferred option"
    option, marked = _preferred(inputs)
    if option is None:
        return Section(title, (_no_preferred_sentence(marked, "its costs and benefits are not itemised"),))
    key = option_key(option.id)
    years = case.assumptions.appraisal_years
    costs = [line for line in case.costs if key and option_key(line.option) == key]
    benefits = [line for line in case.benefits if key and option_key(line.option) == key]
    blocks: list[Block] = [text(f"The lines entered for option {_option_name(option.id, option.name)}, totalled "
                                f"over the {years}-year appraisal period in real prices, before optimism bias "
                                "and discounting (the appraisal above applies both).")]
    cost_table = template.table("costs")
    if costs:
        by_category: dict[str, float] = {}
        for line in costs:
            name = template.label("cost_category", line.category) if line.category else NOT_ENTERED
            by_category[name] = by_category.get(name, 0.0) + _totals(line.amounts, years)
        rows = [(name, pounds(total)) for name, total in by_category.items()]
        rows.append(("Total", pounds(sum(by_category.values()))))
        blocks.append(Table("Costs of the preferred option by category", (cost_table.header("category"), "Total"),
                            tuple(rows), (False, True), (3, 1), total_row=True))
        blocks.append(_rows_table(inputs, "costs", costs, ("category", "description"),
                                  "Cost lines of the preferred option", "cost lines", (1.2, 4, 1.1),
                                  extra=lambda line: (pounds(_totals(line.amounts, years)),), extra_header=("Total",),
                                  extra_numeric=(True,)))
    else:
        blocks.append(missing("No cost lines have been entered for the preferred option."))
    if benefits:
        order = list(template.lists["beneficiary"])
        ranked = sorted(benefits, key=lambda line: order.index(line.beneficiary) if line.beneficiary else len(order))
        blocks.append(_rows_table(inputs, "benefits", ranked, ("beneficiary", "category", "description"),
                                  "Benefits of the preferred option, by who benefits", "benefit lines",
                                  (1, 1.1, 3.4, 1.1), extra=lambda line: (pounds(_totals(line.amounts, years)),),
                                  extra_header=("Total",), extra_numeric=(True,)))
    else:
        blocks.append(missing("No benefit lines have been entered for the preferred option."))
    return Section(title, tuple(blocks))


def _sensitivity(inputs: Inputs) -> Section:
    """NPV vs do nothing under each scenario, the preferred option's switching values and its tornado."""
    words = inputs.template.results
    title = "Sensitivity and switching values"
    movers = [(o, r) for o, r in inputs.pairs() if not o.do_nothing][:MAX_OPTIONS]
    if not movers:
        return Section(title, (missing("No option other than doing nothing has been appraised, so there is no "
                                       "sensitivity analysis."),))
    scenarios = [s.name for s in reference.sensitivity_scenarios()]
    blocks: list[Block] = [text("The NPV against doing nothing when what the option adds to doing nothing "
                                "changes: its additional costs rise, its additional benefits and savings fall or "
                                "arrive a year late; under the Green Book's lower discount rate test; and when a "
                                "driver (agency rate, nurse time released, attrition, qualification, retention) "
                                "moves.")]
    chunks = _chunks(movers)
    for n, chunk in enumerate(chunks):
        rows = [(words.sensitivity_base, *(pounds(r.npv_vs_do_nothing) for _, r in chunk))]
        rows += [(s, *(pounds(r.sensitivity.get(s)) for _, r in chunk)) for s in scenarios]
        caption = words.sensitivity_heading + (f" (options {n + 1} of {len(chunks)})" if len(chunks) > 1 else "")
        blocks.append(Table(caption, (words.tornado_scenario, *(_option_name(r.id, r.name) for _, r in chunk)),
                            tuple(rows), (False, *([True] * len(chunk))), (1.25, *([1.2] * len(chunk)))))
    option, marked = _preferred(inputs)
    result = _result_of(inputs, option) if option and not option.do_nothing else None
    if result is None:
        blocks.append(_no_preferred_sentence(marked, "no switching values are reported") if option is None
                      else missing("The preferred option is doing nothing, so it has no switching values."))
        return Section(title, tuple(blocks))
    name = _option_name(result.id, result.name)
    if result.cost_switching_value is not None and result.benefit_switching_value is not None \
            and result.npv_vs_do_nothing > 0:
        blocks.append(text(f"Switching values: the costs of option {name} could rise by "
                           f"{percent(result.cost_switching_value)}, or its benefits and savings fall by "
                           f"{percent(result.benefit_switching_value)}, before it is no better than doing nothing."))
    else:
        blocks.append(text(f"Option {name} has an NPV against doing nothing of {pounds(result.npv_vs_do_nothing)}, "
                           "so it has no positive switching values: it is no better than doing nothing as it stands."))
    failing = [s for s in scenarios if (result.sensitivity.get(s) or 0.0) < 0]
    if failing and result.npv_vs_do_nothing > 0:
        blocks.append(text(f"Under {listed(failing, 6)} its NPV against doing nothing becomes negative."))
    elif result.npv_vs_do_nothing > 0:
        blocks.append(text("Its NPV against doing nothing stays positive in every scenario."))
    changes = [(s, result.sensitivity[s] - result.npv_vs_do_nothing) for s in scenarios if s in result.sensitivity]
    if changes:
        png = charts.tornado(changes)
        description = "; ".join(f"{s} {pounds(c)}" for s, c in changes)
        blocks.append(Figure(words.tornado_chart, png, f"Bar chart of the change in NPV vs do nothing: {description}."))
    return Section(title, tuple(blocks))


def financial_case(inputs: Inputs) -> Section:
    """The financial case: what the preferred option costs the trust in cash by financial year, how it is funded,
    the options' net impact on income and expenditure, and the reconciliation with the economic case."""
    title = "Financial case"
    case = inputs.case
    if not (case.costs or case.posts or case.apprenticeships or case.funding):
        return Section(title, (missing(
            "No financial case has been entered: the paper has no affordability by financial year (costs, funding, "
            "cash-releasing savings and the net effect on the trust's income and expenditure) and no statement "
            "of how the costs are funded."),))
    result = affordability(case)
    a = case.assumptions
    words = inputs.template.affordability
    blocks: list[Block] = [text(
        f"Cash terms: pay uplifted by {rate(a.pay_award)} a year and other costs by {rate(a.non_pay_inflation)} from "
        f"{result.price_base_year} prices; the pension the trust pays (not the part NHS England pays centrally); no "
        "optimism bias. Net impact is funding and cash-releasing benefits less costs; against doing nothing it is "
        "the change to the trust's income and expenditure the decision makes.")]
    preferred, _ = _preferred(inputs)
    chosen = result.option(preferred.id) if preferred is not None and preferred.id else None
    if chosen is None:
        blocks.append(_no_preferred_sentence([o for o in case.options if o.preferred], "affordability"))
    else:
        blocks.append(_affordability_table(inputs, chosen, words))
    blocks.append(_net_impact_table(inputs, result, words))
    if chosen is not None:
        blocks.append(_reconciliation_table(chosen, words))
    funding = [f for f in case.funding if f.option and any(f.amounts)]
    levy = [x for x in case.apprenticeships if x.option]
    if funding or levy:
        items = [f"{_line(f.source) or 'funding'} for option {shown_id(f.option)}: {pounds(sum(f.amounts))} in all"
                 + (f" ({_line(f.description)})" if f.description else "") for f in funding]
        items += [f"{_line(x.standard) or 'apprenticeship'} for option {shown_id(x.option)}: "
                  + ("fees funded by the apprenticeship levy up to the funding band" if x.levy_funded else
                     "co-invested: the trust pays its share of the fees") for x in levy]
        blocks += [text("How the costs are funded:"), Bullets(tuple(items[:MAX_ROWS]))]
    return Section(title, tuple(blocks))


def _affordability_table(inputs: Inputs, option: OptionAffordability, words) -> Table:
    """The preferred option by financial year, in cash."""
    keys = ("total_costs", "recurrent_costs", "non_recurrent_costs", "funding", "cash_releasing_benefits",
            "net_impact_vs_do_nothing", "cumulative_vs_do_nothing")
    data = option.to_dict(inputs.case.assumptions.base_year)["years"]
    rows = tuple((y["financial_year"], *(pounds(y[k]) for k in keys)) for y in data)
    header = (words.header("financial_year"), *(words.header(k) for k in keys))
    return Table(f"Affordability of the preferred option {_option_name(option.id, option.name)}, cash", header, rows,
                 (False, *([True] * len(keys))), (1.0, *([1.15] * len(keys))))


def _net_impact_table(inputs: Inputs, result: Affordability, words) -> Table:
    """Each option's net impact against doing nothing over the period, and its lowest running total (the most the
    trust is down before the option pays its way)."""
    rows = []
    for option in result.options[:MAX_OPTIONS]:
        impact = option.years["net_impact_vs_do_nothing"]
        running = option.years["cumulative_vs_do_nothing"]
        lowest = float(running.min()) if len(running) else 0.0
        rows.append((_option_name(option.id, option.name), pounds(float(impact.sum())), pounds(min(lowest, 0.0))))
    return Table("Net impact on income and expenditure against doing nothing, cash, over the appraisal period",
                 (words.header("id"), words.header("net_impact_vs_do_nothing"), "Lowest cumulative position"), tuple(rows),
                 (False, True, True), (2.2, 1.2, 1.2))


def _reconciliation_table(option: OptionAffordability, words) -> Table:
    """From the economic case's net benefit to the financial case's net impact, step by step."""
    headers = {c.figure: c.header for c in words.reconciliation_columns}
    rows = tuple((headers[k], pounds(option.reconciliation[k])) for k in RECONCILIATION_KEYS)
    return Table(f"Reconciliation of the economic and financial cases, option {_option_name(option.id, option.name)}",
                 ("Step", "Total over the period"), rows, (False, True), (3.0, 1.2), total_row=True)


# --- risks, timeline, evaluation, benefits ------------------------------------------------------------------------

def risks(inputs: Inputs) -> Section:
    """The risk register, each risk linked to the aim it threatens, and the risks grouped by aim."""
    case, template = inputs.case, inputs.template
    title = "Risks of not going ahead"
    if not case.risks:
        return Section(title, (missing("No risks have been entered."),))
    aims_by_key = {id_key(a.id): a for a in case.aims if a.id}
    table = template.table("risks")

    def link(risk: Any) -> str:
        if not risk.linked_aim:
            return "not linked"
        return shown_id(risk.linked_aim) + ("" if id_key(risk.linked_aim) in aims_by_key else " (no such aim)")

    def scores(risk: Any) -> tuple[str, str, str]:
        both = risk.likelihood is not None and risk.impact is not None
        return whole(risk.likelihood), whole(risk.impact), whole(risk.likelihood * risk.impact) if both else ""

    blocks: list[Block] = [text("The risks of not going ahead, and of going ahead, each linked to the aim it "
                                "threatens and scored for likelihood and impact from 1 (low) to 5 (high); the "
                                "score is likelihood times impact."),
        _rows_table(inputs, "risks", case.risks, ("id", "description"), "Risk register", "risks",
                    (0.5, 3.3, 0.9, 0.9, 0.7, 0.6), extra=lambda r: (link(r), *scores(r)),
                    extra_header=tuple(table.header(k) for k in ("linked_aim", "likelihood", "impact", "score")),
                    extra_numeric=(False, True, True, True)),
        _rows_table(inputs, "risks", case.risks, ("id", "owner", "mitigation"), "Owners and mitigations", "risks",
                    (0.5, 1.5, 4))]
    by_aim: dict[str, list[str]] = {}
    for risk in case.risks:
        aim = aims_by_key.get(id_key(risk.linked_aim)) if risk.linked_aim else None
        by_aim.setdefault(id_key(aim.id) if aim else "", []).append(shown_id(risk.id) if risk.id else "(no ID)")
    lines = list(dict.fromkeys(  # two aims with one ID make one line
        f"{shown_id(a.id)} {_line(a.text, 90)}: {listed(by_aim[id_key(a.id)], 12)}"
        for a in case.aims if a.id and id_key(a.id) in by_aim))
    if "" in by_aim:
        lines.append(f"Not linked to an aim that exists: {listed(by_aim[''], 12)}")
    return Section(title, tuple(blocks), (Section("Risks by aim", tuple(_bullets(lines, "aims"))),))


def timeline(inputs: Inputs) -> Section:
    """Start and finish, the milestones with a Gantt chart, and how slippage is detected and corrected."""
    case, template = inputs.case, inputs.template
    plan = case.timeline
    blocks: list[Block] = []
    if plan.start or plan.finish:
        blocks.append(KeyFigures(((template.field("timeline.start").label, day(plan.start) or NOT_ENTERED),
                                  (template.field("timeline.finish").label, day(plan.finish) or NOT_ENTERED))))
    else:
        blocks.append(missing("No start or finish date has been entered."))
    table = template.table("timeline.milestones")
    if plan.milestones:
        milestones: list[Block] = [_rows_table(inputs, "timeline.milestones", plan.milestones,
                                               ("name", "owner", "due", "measure", "status"), table.heading or table.name,
                                               "milestones", (2.4, 1.5, 0.9, 2.4, 0.9))]
        gantt = _gantt(inputs)
        milestones += [gantt] if gantt else [missing("No milestone has a due date, so there is no chart.")]
    else:
        milestones = [missing("No milestones have been entered.")]
    slippage = template.table("timeline.slippage_measures")
    measures = (_bullets(plan.slippage_measures, "measures") if any(map(_filled, plan.slippage_measures))
                else [missing("No slippage measures have been entered.")])
    return Section("Timeline and milestones", tuple(blocks), (
        Section(table.heading or table.name, tuple(milestones)),
        Section(slippage.heading or "Slippage", tuple(measures))))


def _gantt(inputs: Inputs) -> Figure | None:
    plan = inputs.case.timeline
    dated = sorted((m for m in plan.milestones if m.due), key=lambda m: m.due)  # type: ignore[arg-type,return-value]
    if not dated:
        return None
    shown = dated[:MAX_GANTT_ROWS]
    bars, begins = [], plan.start or shown[0].due
    for milestone in shown:
        begins = min(begins, milestone.due)  # type: ignore[type-var]
        bars.append(charts.Bar(_line(milestone.name, NAME_LIMIT) or "(unnamed milestone)", begins, milestone.due,
                               milestone.status))  # type: ignore[arg-type]
        begins = milestone.due  # type: ignore[assignment]
    labels = inputs.template.lists["milestone_status"]
    png = charts.gantt(bars, plan.start, plan.finish, labels,
                      tuple(inputs.template.field(f"timeline.{end}").label for end in ("start", "finish")))
    more = (f" The first {MAX_GANTT_ROWS} of {len(dated):,} milestones by due date are drawn."
            if len(dated) > MAX_GANTT_ROWS else "")
    description = "; ".join(f"{b.name} due {day(b.due)}" for b in bars[:12])
    return Figure("Milestones by financial year: each bar runs from the milestone before it (or the start) to its "
                  "due date; the marker shows its status" + ("." if not more else "." + more), png,
                  f"Gantt chart. {description}{'; ...' if len(bars) > 12 else ''}.")


def evaluation(inputs: Inputs) -> Section:
    """What will be evaluated, how, when, with what resources and by whom."""
    items = inputs.case.evaluation
    title = inputs.template.sheet_of(inputs.template.table("evaluation").name).heading or "Evaluation plan"
    if not items:
        return Section(title, (missing("No evaluation plan has been entered."),))
    blocks: list[Block] = [text("What will be evaluated, when and how, the resources it needs and who owns it; "
                                "staged assessments during the project as well as the final evaluation.")]
    blocks += [_rows_table(inputs, "evaluation", items, ("what", "measure", "when"),
                           "Evaluation plan: what is measured and when", "evaluation lines", (2, 2, 1.5)),
               _rows_table(inputs, "evaluation", items, ("what", "method", "resources", "owner"),
                           "Evaluation plan: method, resources and owner", "evaluation lines", (1.6, 1.8, 1.6, 1.1))]
    return Section(title, tuple(blocks))


def _evaluation_by_aim(case: Case) -> dict[str, Any]:
    """For each aim's ID (as `id_key` folds it), the first evaluation line whose What or Measure names it as a word."""
    found: dict[str, Any] = {}
    for item in case.evaluation:
        for word in _WORD.findall(id_key(f"{item.what or ''} {item.measure or ''}")):
            found.setdefault(word, item)
    return found


def benefits_realisation(inputs: Inputs) -> Section:
    """For each aim: its benefit, measure, owner and when; then how each benefit of the preferred option is measured."""
    case, template = inputs.case, inputs.template
    title = "Benefits realisation"
    if not case.aims:
        return Section(title, (missing("No aims have been entered, so there is no benefits realisation plan."),))
    by_aim = _evaluation_by_aim(case)
    blocks: list[Block] = [
        text("For each aim: the benefit expected, how it is measured and, from the evaluation line that names the "
             "aim's ID, who measures it and when."),
        missing("Baselines and targets are not recorded separately in the case: where they are known, they are "
                "part of the measure below."),
    ]
    evaluation_table = template.table("evaluation")
    unowned = []

    def owner_when(aim: Any) -> Sequence[str]:
        item = by_aim.get(id_key(aim.id)) if aim.id else None
        if item is None:
            unowned.append(shown_id(aim.id) if aim.id else "(no ID)")
            return ("not recorded", "not recorded")
        return (_line(item.owner) or NOT_ENTERED, _line(item.when) or NOT_ENTERED)

    blocks.append(_rows_table(inputs, "aims", case.aims, ("id", "benefit", "measure"), "Benefits realisation by aim",
                              "aims", (0.5, 2, 2, 1.2, 1.5), extra=owner_when,
                              extra_header=(evaluation_table.header("owner"), evaluation_table.header("when"))))
    if unowned:
        blocks.append(missing(f"No evaluation line names {listed(unowned, 10)}, so no owner or timing is recorded "
                              f"for {'it' if len(unowned) == 1 else 'them'}."))
    option, marked = _preferred(inputs)
    lines = []
    if option is not None and option_key(option.id):
        lines = [b for b in case.benefits if option_key(b.option) == option_key(option.id)]
    if lines:
        sub: list[Block] = [_rows_table(inputs, "benefits", lines, ("description", "beneficiary", "category", "measure"),
                                        "How each benefit of the preferred option is measured", "benefit lines",
                                        (2.4, 1, 1.1, 2.4))]
    elif option is None:
        sub = [_no_preferred_sentence(marked, "no benefit lines are listed")]
    else:
        sub = [missing("No benefit lines have been entered for the preferred option.")]
    return Section(title, tuple(blocks), (Section("Benefits of the preferred option", tuple(sub)),))


# --- conclusions and appendices -----------------------------------------------------------------------------------

def conclusions(inputs: Inputs) -> Section:
    """Where the trust starts from, where it needs to get to and how; the recommendations, cohort and roll-out."""
    case, template = inputs.case, inputs.template
    c = case.conclusions
    blocks: list[Block] = []
    for key in ("starting_point", "target", "approach"):
        label = template.field(f"conclusions.{key}").label
        paragraphs = _narrative(getattr(c, key))
        blocks += ([labelled(label, paragraphs[0].text), *paragraphs[1:]] if paragraphs
                   else [missing(f"{label}: nothing has been entered.")])
    recommendations = template.table("conclusions.recommendations")
    rollout = template.table("conclusions.rollout")
    ordered = sorted(c.rollout, key=lambda step: (step.priority is None, step.priority or 0))
    subsections = (
        Section(recommendations.heading or recommendations.name, tuple(
            _bullets(c.recommendations, "recommendations", numbered=True) if any(map(_filled, c.recommendations))
            else [missing("No recommendations have been entered.")])),
        Section(template.field("conclusions.cohort_source").label, tuple(
            _narrative(c.cohort_source) or [missing("No source of the student cohort has been entered.")])),
        Section(rollout.heading or "Roll-out plan", tuple(
            [_rows_table(inputs, "conclusions.rollout", ordered, ("priority", "area", "start"),
                         "Roll-out plan, greatest need first", "areas", (0.7, 3, 1.2))] if ordered
            else [missing("No roll-out plan has been entered.")])),
        Section(template.field("conclusions.evidence_elsewhere").label, tuple(
            _narrative(c.evidence_elsewhere) or [missing("No evidence from elsewhere has been entered.")])),
    )
    return Section("Conclusions and recommendations", tuple(blocks), subsections)


def _verified(flag: bool) -> str:
    return "yes" if flag else "no"


def assumptions_appendix(inputs: Inputs) -> Section:
    """The case's appraisal assumptions, and the dated reference data with its sources."""
    case, template = inputs.case, inputs.template
    a = case.assumptions
    label = {key: template.field(f"assumptions.{key}").label for key in
             ("base_year", "appraisal_years", "discount_rate", "optimism_bias", "optimism_bias_project_type",
              "price_base_year")}
    assumptions = Table("Appraisal assumptions of the case", ("Assumption", "Value"), (
        (label["base_year"], f"{a.base_year} ({financial_year(a.base_year)})"),
        (label["appraisal_years"], whole(a.appraisal_years)),
        (label["discount_rate"], rate(a.discount_rate)),
        (label["optimism_bias"], percent(a.optimism_bias)),
        (label["optimism_bias_project_type"], template.label("optimism_bias_project_type", a.optimism_bias_project_type)),
        (label["price_base_year"], whole(a.price_base_year) or NOT_ENTERED),
    ), (False, False), (2.5, 2))
    book = reference.green_book()
    schedules = book.discount_schedules
    names = list(schedules)
    bands = schedules[names[0]].bands
    rates = Table("Green Book discount rates by year of the appraisal",
                  ("Years", *(schedules[n].description.split(" (")[0].split(",")[0] for n in names)),
                  tuple((f"{b.first_year} to {b.last_year}" if b.last_year is not None else f"{b.first_year} on",
                         *(rate(schedules[n].bands[i].rate) for n in names)) for i, b in enumerate(bands)),
                  (False, *([True] * len(names))), (1, *([1.4] * len(names))),
                  f"Source: {schedules[names[0]].source} (verified: {_verified(schedules[names[0]].verified)}).")
    guidance = book.optimism_bias
    labels = template.lists["optimism_bias_project_type"]
    bias = Table("Optimism bias bounds by project type (Green Book supplementary guidance)",
                 ("Project type", "Measured on", "Upper bound", "Lower bound"),
                 tuple((labels.get(code, code) + (" (this case)" if code == a.optimism_bias_project_type else ""),
                        b.measure, percent(b.upper), percent(b.lower)) for code, b in guidance.project_types.items()),
                 (False, False, True, True), (2.4, 1.6, 1, 1),
                 f"Source: {guidance.source} (verified: {_verified(guidance.verified)}).")
    pay_rows = []
    band_header = template.table("posts").header("band")
    for scales in reference.agenda_for_change().pay_scales:
        for band, points in scales.bands.items():
            pay_rows.append((scales.period, f"{band_header} {band}", pounds(points.entry), pounds(points.intermediate),
                             pounds(points.top)))
    pay = Table("Agenda for Change annual pay points, England", ("Pay year", band_header, "Entry", "Intermediate", "Top"),
                tuple(pay_rows), (False, False, True, True, True), (1, 1, 1, 1, 1),
                "Full-time (37.5 hours a week), before high cost area supplements. A blank cell: the band has no "
                "such point.")
    return Section("Appendix A. Assumptions and reference data", (
        text("The assumptions the appraisal used, and the dated reference data xlcase holds, each with its source "
             "and whether it was checked against the publisher's text."),
        assumptions, rates, bias, pay, _sources_table()))


def _sources_table() -> Table:
    """Every reference figure's source, date and whether it was verified."""
    book = reference.green_book()
    pay = reference.agenda_for_change()
    levy = reference.apprenticeships().levy
    cap = reference.agency().price_cap
    rows: list[tuple[str, ...]] = [
        ("Green Book edition", f"{book.edition.title}, {book.edition.publisher}, published "
                               f"{day(book.edition.published)}", book.edition.url, _verified(book.edition.verified)),
        ("Discount rate review", book.discount_rate_review.status, book.discount_rate_review.url,
         _verified(book.discount_rate_review.verified)),
    ]
    rows += [(f"Discount rates: {name.replace('_', ' ')}", s.source, s.url or "", _verified(s.verified))
             for name, s in book.discount_schedules.items()]
    rows.append(("Optimism bias bounds", book.optimism_bias.source, book.optimism_bias.url or "",
                 _verified(book.optimism_bias.verified)))
    rows += [(f"Pay scales {s.period}", " ".join(s.source.split()), s.url or "", _verified(s.verified))
             for s in pay.pay_scales]
    rows += [(f"Employer National Insurance {n.period}: {rate(n.rate)} above {pounds(n.secondary_threshold)} a year",
              " ".join(n.source.split()), n.url or "", _verified(n.verified)) for n in pay.employer_national_insurance]
    rows += [(f"NHS Pension employer contribution {p.period}: {rate(p.total_rate)} in all, {rate(p.local_rate)} "
              "paid by the trust", " ".join(p.source.split()), p.url or "", _verified(p.verified))
             for p in pay.nhs_pension_employer]
    rows.append((f"Apprenticeship levy: {rate(levy.rate)} of the pay bill above a {pounds(levy.allowance)} allowance",
                 " ".join(levy.source.split()), levy.url or "", _verified(levy.verified)))
    rows.append((f"Agency price cap: national pay rate plus {percent(cap.uplift_over_national_rate)}",
                 " ".join(cap.source.split()), cap.url or "", _verified(cap.verified)))
    return Table("Reference data and its sources", ("Figure", "Source document", "Where published", "Verified"), tuple(rows),
                 (), (1.6, 2.4, 1.6, 0.6))


def findings_appendix(findings: Iterable[Finding]) -> Section:
    """The validation findings: rule, severity, where, message."""
    found = list(findings)
    title = "Appendix B. Validation findings"
    if not found:
        return Section(title, (text("The validation found nothing to report."),))
    counts = {s: sum(f.severity == s for f in found) for s in ("error", "warning", "info")}
    summary = ", ".join(f"{n:,} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts.items())
    shown, note = _capped(found, "findings", MAX_FINDINGS)
    rows = tuple((f.rule, f.severity, f.where or f.section, _line(f.message)) for f in shown)
    return Section(title, (text(f"xlcase validate found {summary}."), Table(
        "Validation findings", ("Rule", "Severity", "Where", "Finding"), rows, (), (0.7, 0.8, 1.3, 4.2), note)))


# --- numbering -------------------------------------------------------------------------------------------------------

def _numbered(sections: Sequence[Section]) -> tuple[Section, ...]:
    """The sections with their tables and figures numbered in reading order."""
    counts = {"table": 0, "figure": 0}

    def number(block: Block) -> Block:
        if isinstance(block, (Table, Figure)):
            kind = "table" if isinstance(block, Table) else "figure"
            counts[kind] += 1
            return replace(block, number=counts[kind])
        return block

    def visit(section: Section) -> Section:
        blocks = tuple(number(b) for b in section.blocks)
        return replace(section, blocks=blocks, subsections=tuple(visit(s) for s in section.subsections))

    return tuple(visit(s) for s in sections)
