"""The declarative workbook template (workbook_templates/*.yaml), validated into typed objects.

The template is the one source of every name in the workbook: sheet, table, column and
defined names, list labels, the row labels of the calculated sheets and the consistency
checks. The writer, the reader, the completeness scores and the rules walk these objects and
refer to columns by their case-model key (``options:do_nothing``), never by header text, so
renaming a header or adding a column is one change in the YAML file.

Formulas written in the template may use placeholders, expanded by :meth:`Template.formula`:

- ``{options:do_nothing}``: the data cells of a column of a table, ``Options[Do nothing]``
  (table by its case key, column by its key);
- ``{options:#started}``: 1 for each row of the table with anything typed in it, else 0;
- ``{costs:#years}``: the year columns of a table, ``Costs[[Year 0]:[Year 9]]``;
- ``{likelihood}`` (in a table's calculated column): this row's cell of that column;
- ``{yes}`` / ``{no}``: the text of a Yes/No cell, quoted;
- ``{label:benefit_class:health}``: the label the workbook shows for a code, quoted;
- ``{sensitivity:driver_attrition}``: the Inputs cell of the first sensitivity scenario of a kind.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field as ModelField, ValidationError, model_validator

from xlcase.errors import BadInputError, UnknownTemplateError
from xlcase.model import CODE_LISTS
from xlcase.shipped_data import ShippedYamlError, load_shipped_yaml

DEFAULT_TEMPLATE = "assistant-practitioner"
TEMPLATE_PROPERTY = "xlcase.template"  # custom document properties recording the template
VERSION_PROPERTY = "xlcase.template_version"
YES_NO_LIST = "yes_no"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")  # no nesting, so no backtracking

ColumnType = Literal["text", "longtext", "number", "integer", "money", "percent", "date", "year", "bool",
                     "choice", "choices", "option", "aim", "score", "years", "formula"]
CHOICES_SEPARATOR = ", "  # between the labels of a "choices" cell (several values of one list)
SheetKind = Literal["guide", "form", "inputs", "workforce_costs", "appraisal", "results", "affordability", "checks",
                    "lists"]
LAYOUT_KINDS = ("guide", "workforce_costs", "appraisal", "results", "affordability", "checks")
TEXT_TYPES = frozenset({"text", "longtext", "option", "aim"})


class TemplateError(BadInputError):
    """A workbook template that is not valid (its key path says where)."""

    code = "XC002"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(_Part):
    """One column of an Excel Table: a field of each row (``key``), or a calculated column (``formula``)."""

    header: str
    type: ColumnType
    key: str | None = None
    required: bool = False
    help: str | None = None
    width: float = 14
    list: str | None = None
    formula: str | None = None
    format: Literal["risk_score"] | None = None  # conditional colours of a calculated column

    @model_validator(mode="after")
    def _consistent(self) -> Column:
        if (self.type == "formula") != (self.formula is not None):
            raise ValueError("a column has a formula exactly when its type is formula")
        if not self.key:
            raise ValueError("a column needs a key: the field of the case it holds, or a name for a calculated column")
        if (self.type in ("choice", "choices")) != (self.list is not None):
            raise ValueError("a choice column names its list, and only a choice column does")
        return self

    @property
    def is_input(self) -> bool:
        return self.type != "formula"


class Field(_Part):
    """One labelled input cell of a form, reachable by its workbook-level defined name."""

    key: str
    name: str
    label: str
    type: ColumnType
    required: bool = False
    help: str | None = None
    list: str | None = None


class Table(_Part):
    """An Excel Table holding a list of the case (options, costs, risks, ...)."""

    name: str
    key: str
    columns: tuple[Column, ...]
    section: str | None = None
    rows: int = 10
    required: bool = False
    heading: str | None = None

    @property
    def inputs(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_input)

    @property
    def year_column(self) -> Column | None:
        return next((c for c in self.columns if c.type == "years"), None)

    @property
    def is_text_list(self) -> bool:
        """A table of plain strings (drivers, recommendations): one column keyed '.'."""
        return len(self.inputs) == 1 and self.inputs[0].key == "."

    @property
    def path(self) -> tuple[str, ...]:
        """The table's key as a path in the case: ('timeline', 'milestones')."""
        return tuple(self.key.split("."))

    def column(self, key: str) -> Column:
        """The column holding a field of the case, or a calculated column, by its key.

        Raises:
            KeyError: the table has no such column.
        """
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(f"the {self.name} table has no column for {key!r}")

    def header(self, key: str) -> str:
        """The header text of a column, by its key."""
        return self.column(key).header

    def year_header(self, year: int) -> str:
        """The header of one year column: 'Year 0', 'Year 1', ..."""
        column = self.year_column
        if column is None:
            raise KeyError(f"the {self.name} table has no year columns")
        return f"{column.header} {year}"

    def year_span(self, years: int) -> str:
        """A structured reference to the year columns, Costs[[Year 0]:[Year 9]]."""
        return f"{self.name}[[{self.year_header(0)}]:[{self.year_header(years - 1)}]]"

    def headers(self, years: int, *, inputs_only: bool = False) -> list[str]:
        """The header row as written, the year column expanded to one column per year."""
        out: list[str] = []
        for column in self.inputs if inputs_only else self.columns:
            if column.type == "years":
                out.extend(self.year_header(t) for t in range(years))
            else:
                out.append(column.header)
        return out


class Block(_Part):
    """A vertical piece of a form sheet: a group of fields, one table, or the headline figures."""

    fields: tuple[Field, ...] = ()
    table: Table | None = None
    headline: bool = False  # the preferred option's headline figures (calculated)

    @model_validator(mode="after")
    def _one_thing(self) -> Block:
        if sum((bool(self.fields), self.table is not None, self.headline)) != 1:
            raise ValueError("a block is exactly one of: fields, table, headline")
        return self


class AxisRows(_Part):
    """Labels of the time-axis rows at the top of the Appraisal sheet, in sheet order."""

    year: str
    financial_year: str
    in_period: str
    rate: str
    factor: str
    health_rate: str
    health_factor: str
    scenario_rate: str  # "{scenario}" is replaced by the sensitivity scenario's name
    scenario_factor: str


class OptionRows(_Part):
    """Labels of the rows of each option's block on the Appraisal sheet, in sheet order."""

    option: str
    optimism_bias: str
    costs: str
    benefits: str
    health_benefits: str
    net: str
    delta_costs: str
    delta_benefits: str
    delta_health: str
    incremental_costs: str
    savings: str
    discounted: str
    cumulative: str
    lowest_ahead: str
    paid_back: str
    driven_net: str  # "{driver}" is replaced by the driver's label
    driven_health: str


class AppraisalLayout(_Part):
    """What the Appraisal sheet calls its rows (the formulas are the engine's, in xlcase.writer)."""

    intro: str
    axis: AxisRows
    do_nothing: str
    preferred: str
    do_nothing_optimism_bias: str
    do_nothing_costs: str
    do_nothing_benefits: str
    do_nothing_health: str
    do_nothing_driven_prefix: str  # before a driver row's label, for the do-nothing option's
    option_rows: OptionRows


class ResultColumn(_Part):
    """One column of a calculated table: which figure of the engine it shows, its header and number format."""

    figure: str
    header: str
    format: Literal["money", "ratio", "integer", "percent", "factor", "date", "text"] = "text"
    width: float = 16
    highlight: bool = False


def _headers(columns: tuple[ResultColumn, ...], table: str) -> dict[str, str]:
    """Figure -> header of a calculated table, refusing a figure given twice."""
    out: dict[str, str] = {}
    for column in columns:
        if column.figure in out:
            raise ValueError(f"the {table} table shows {column.figure!r} twice")
        out[column.figure] = column.header
    return out


class WorkforceCostsLayout(_Part):
    """The Workforce costs sheet: the table of lines the workforce plan generates, and its labels."""

    intro: str
    table: str
    year_header: str
    axis: dict[Literal["year", "financial_year", "first_day", "last_day"], str]
    sources: dict[Literal["post", "apprenticeship"], str]  # "{row}" is replaced by the row of the input table
    columns: tuple[ResultColumn, ...]

    def header(self, figure: str) -> str:
        return _headers(self.columns, self.table)[figure]

    def year(self, t: int) -> str:
        return f"{self.year_header} {t}"


class AffordabilityLayout(_Part):
    """The Affordability sheet: the financial case by option and year, and its reconciliation with the economic case."""

    intro: str
    table: str
    columns: tuple[ResultColumn, ...]
    reconciliation_heading: str
    reconciliation_table: str
    reconciliation_columns: tuple[ResultColumn, ...]
    chart: str

    def header(self, figure: str) -> str:
        return _headers(self.columns, self.table)[figure]


class ResultsLayout(_Part):
    """The Results and Sensitivity tables and the charts on the Results sheet."""

    intro: str
    table: str
    columns: tuple[ResultColumn, ...]
    sensitivity_table: str
    sensitivity_heading: str
    sensitivity_option: str
    sensitivity_base: str
    cumulative_chart: str
    pv_chart: str
    tornado_heading: str
    tornado_scenario: str
    tornado_change: str
    tornado_chart: str

    def header(self, figure: str) -> str:
        """The Results header of an engine figure ('npv_vs_do_nothing' -> 'NPV vs do nothing')."""
        for column in self.columns:
            if column.figure == figure:
                return column.header
        raise KeyError(f"the {self.table} table has no column for {figure!r}")

    @property
    def figures(self) -> dict[str, str]:
        """Engine figure -> Results header, for every figure column (not the option's ID and name)."""
        return {c.figure: c.header for c in self.columns if c.figure not in ("id", "name")}


class Check(_Part):
    """One consistency check on the Checks sheet: a formula TRUE when the rule it mirrors finds nothing."""

    rule: str | None = None  # the rule code whose logic the formula repeats (a test proves they agree)
    section: str
    text: str
    formula: str


class ChecksLayout(_Part):
    intro: str
    table: str
    headers: tuple[str, str, str, str]  # section, check, result, OK
    completeness_text: str  # "{section}" is replaced by the section's name
    checks: tuple[Check, ...]


class GuideLayout(_Part):
    """The Guide sheet's text: how to fill the workbook in, and what each calculated sheet is for."""

    steps: tuple[str, ...]
    figures_heading: str = ""
    figures: tuple[str, ...] = ()  # how the appraisal is worked out, in plain words for a finance user
    purposes: dict[str, str]  # sheet kind -> what a sheet of that kind holds (form sheets show their heading)
    colour_key: dict[Literal["input", "calculation", "output"], str]


class Sheet(_Part):
    name: str
    kind: SheetKind
    section: str | None = None
    heading: str | None = None
    intro: str | None = None
    blocks: tuple[Block, ...] = ()
    appraisal: AppraisalLayout | None = None
    results: ResultsLayout | None = None
    checks: ChecksLayout | None = None
    guide: GuideLayout | None = None
    workforce_costs: WorkforceCostsLayout | None = None
    affordability: AffordabilityLayout | None = None

    @model_validator(mode="before")
    @classmethod
    def _tables_inherit_section(cls, data: Any) -> Any:
        """A table belongs to its sheet's section unless it names its own."""
        if isinstance(data, dict) and data.get("section"):
            blocks = []
            for block in data.get("blocks") or []:
                if isinstance(block, dict) and isinstance(block.get("table"), dict):
                    block = {**block, "table": {"section": data["section"], **block["table"]}}
                blocks.append(block)
            data = {**data, "blocks": blocks}
        return data

    @model_validator(mode="after")
    def _layout_for_kind(self) -> Sheet:
        for kind in LAYOUT_KINDS:
            if (self.kind == kind) != (getattr(self, kind) is not None):
                raise ValueError(f"a sheet of kind {kind} has an `{kind}:` layout, and no other sheet does")
        return self


class Template(_Part):
    """A workbook template: its identity, closed lists and sheets."""

    name: str
    version: str
    title: str
    description: str = ""
    lists: dict[str, dict[str, str]]
    sheets: tuple[Sheet, ...]
    path: Annotated[Path, ModelField(exclude=True)] = Path()

    @model_validator(mode="after")
    def _references(self) -> Template:
        if YES_NO_LIST not in self.lists or set(self.lists[YES_NO_LIST]) != {"yes", "no"}:
            raise ValueError(f"lists.{YES_NO_LIST} must give the labels of yes and no")
        for list_name, codes in {**CODE_LISTS, **reference_code_lists()}.items():  # the contract's codes
            if list_name in self.lists and set(self.lists[list_name]) != set(codes):
                raise ValueError(f"lists.{list_name} must label exactly the case file's codes: {', '.join(codes)}")
        for f in self.fields.values():
            if f.list and f.list not in self.lists:
                raise ValueError(f"the field {f.name} names an unknown list {f.list!r}")
        for table in self.tables.values():
            for column in table.columns:
                if column.list and column.list not in self.lists:
                    raise ValueError(f"the {table.name} table's {column.header!r} column names an unknown list "
                                     f"{column.list!r}")
        kinds = [s.kind for s in self.sheets]
        for kind in (*LAYOUT_KINDS, "lists"):
            if kinds.count(kind) != 1:
                raise ValueError(f"a template has exactly one sheet of kind {kind}")
        return self

    @functools.cached_property
    def tables(self) -> dict[str, Table]:
        """Every data table, by its name in the workbook."""
        return {b.table.name: b.table for s in self.sheets for b in s.blocks if b.table}

    @functools.cached_property
    def tables_by_key(self) -> dict[str, Table]:
        """Every data table, by its case key ('options', 'timeline.milestones')."""
        return {t.key: t for t in self.tables.values()}

    @functools.cached_property
    def fields(self) -> dict[str, Field]:
        return {f.name: f for s in self.sheets for b in s.blocks for f in b.fields}

    @functools.cached_property
    def fields_by_key(self) -> dict[str, Field]:
        """Every input cell, by its case key ('assumptions.discount_rate')."""
        return {f.key: f for f in self.fields.values()}

    def table(self, key: str) -> Table:
        """The data table holding a list of the case, by the list's key ('options').

        Raises:
            KeyError: no table holds that list.
        """
        try:
            return self.tables_by_key[key]
        except KeyError:
            raise KeyError(f"the template has no table for {key!r}") from None

    def field(self, key: str) -> Field:
        """The input cell holding a value of the case, by its key ('timeline.start')."""
        try:
            return self.fields_by_key[key]
        except KeyError:
            raise KeyError(f"the template has no input cell for {key!r}") from None

    def sheet(self, kind: SheetKind) -> Sheet:
        """The (first) sheet of a kind."""
        return next(s for s in self.sheets if s.kind == kind)

    @property
    def results(self) -> ResultsLayout:
        return self.sheet("results").results  # type: ignore[return-value]

    @property
    def appraisal(self) -> AppraisalLayout:
        return self.sheet("appraisal").appraisal  # type: ignore[return-value]

    @property
    def checks(self) -> ChecksLayout:
        return self.sheet("checks").checks  # type: ignore[return-value]

    @property
    def guide(self) -> GuideLayout:
        return self.sheet("guide").guide  # type: ignore[return-value]

    @property
    def workforce_costs(self) -> WorkforceCostsLayout:
        return self.sheet("workforce_costs").workforce_costs  # type: ignore[return-value]

    @property
    def affordability(self) -> AffordabilityLayout:
        return self.sheet("affordability").affordability  # type: ignore[return-value]

    def sheet_of(self, table_or_field: str) -> Sheet:
        """The sheet a table or field (by name) is written on."""
        for sheet in self.sheets:
            for block in sheet.blocks:
                if (block.table and block.table.name == table_or_field) or any(
                    f.name == table_or_field for f in block.fields
                ):
                    return sheet
        raise KeyError(table_or_field)

    def section_of_field(self, name: str) -> str:
        return self.sheet_of(name).section or "file"

    def label(self, list_name: str, code: str) -> str:
        return self.lists[list_name].get(code, code)

    def code(self, list_name: str, label: str) -> str | None:
        """The code for a label typed or picked in the workbook (codes are accepted too)."""
        wanted = label.strip().casefold()
        for code, shown in self.lists[list_name].items():
            if wanted in (shown.casefold(), code.casefold()):
                return code
        return None

    @property
    def yes(self) -> str:
        return self.lists[YES_NO_LIST]["yes"]

    @property
    def no(self) -> str:
        return self.lists[YES_NO_LIST]["no"]

    def ref(self, table_key: str, column_key: str) -> str:
        """A structured reference to the data cells of a column: Options[Do nothing]."""
        table = self.table(table_key)
        return f"{table.name}[{table.header(column_key)}]"

    def formula(self, text: str, *, this_table: Table | None = None, years: int = 1) -> str:
        """A template formula with its placeholders expanded (see the module docstring).

        Raises:
            TemplateError: a placeholder names no table, column, list or code.
        """
        def expand(match: re.Match[str]) -> str:
            token = match.group(1).strip()
            try:
                return self._expand(token, this_table, years)
            except KeyError as error:
                raise TemplateError(f"the formula {text!r} has a placeholder {{{token}}} that names nothing: "
                                    f"{error.args[0]}") from None

        return _PLACEHOLDER.sub(expand, text)

    def _expand(self, token: str, this_table: Table | None, years: int) -> str:
        if token in ("yes", "no"):
            return _quoted(getattr(self, token))
        kind, _, rest = token.partition(":")
        if kind == "sensitivity":
            return scenario_value_name(rest)
        if kind == "label":
            list_name, _, code = rest.partition(":")
            if code not in self.lists.get(list_name, {}):
                raise KeyError(f"no code {code!r} in list {list_name!r}")
            return _quoted(self.lists[list_name][code])
        if rest == "#started":
            return started_rows(self.table(kind), years)
        if rest == "#years":
            return self.table(kind).year_span(years)
        if rest:
            return self.ref(kind, rest)
        if this_table is None:
            raise KeyError(f"{token!r} is not a table:column reference")
        return f"{this_table.name}[[#This Row],[{this_table.header(token)}]]"


def sensitivity_name(index: int) -> str:
    """The defined name of the i-th sensitivity scenario's value cell on the Inputs sheet."""
    return f"Sensitivity{index + 1}"


def scenario_value_name(kind: str) -> str:
    """The defined name of the value of the first sensitivity scenario of a kind ('driver_attrition').

    Raises:
        KeyError: no scenario of that kind in the reference data.
    """
    from xlcase.reference import sensitivity_scenarios

    for index, scenario in enumerate(sensitivity_scenarios()):
        if scenario.kind == kind:
            return sensitivity_name(index)
    raise KeyError(f"no sensitivity scenario of kind {kind!r}")


def reference_code_lists() -> dict[str, tuple[str, ...]]:
    """Closed lists whose codes are keys of the reference data (the optimism bias project types)."""
    from xlcase.reference import green_book, pay_scales

    return {"optimism_bias_project_type": tuple(green_book().optimism_bias.project_types),
            "pay_band": tuple(pay_scales().bands)}


def started_rows(table: Table, years: int) -> str:
    """An array formula: 1 for each row of the table with anything typed in any input cell, else 0."""
    columns = table.headers(years, inputs_only=True)
    return "((" + "+".join(f"LEN(TRIM({table.name}[{c}]))" for c in columns) + ")>0)"


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def templates_dir() -> Path:
    """Where the templates live: inside the installed package, or beside it in a source checkout."""
    packaged = Path(__file__).parent / "workbook_templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "workbook_templates"


def _installed() -> dict[str, Path]:
    return {p.stem: p for p in sorted(templates_dir().glob("*.yaml"))}


def available_templates() -> list[Template]:
    """Every template installed, by name."""
    return [load_template(name) for name in _installed()]


def load_template(name: str | None = None) -> Template:
    """Load a workbook template by name (the default template when None), once per process.

    Raises:
        UnknownTemplateError: no template of that name is installed.
        TemplateError: the template file is not valid; the message gives the key path.
    """
    return _load_template(name or DEFAULT_TEMPLATE)


@functools.cache
def _load_template(name: str) -> Template:
    known_paths = _installed()
    path = known_paths.get(name)  # only installed templates: a name from a workbook is never a file path
    if path is None:
        known = ", ".join(known_paths)
        raise UnknownTemplateError(f"no workbook template named {name!r} (available: {known})")
    try:
        data: Any = load_shipped_yaml(path)
    except ShippedYamlError as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise TemplateError(f"the template does not parse: {exc.problem}", location=where) from None
    try:
        return Template.model_validate({**data, "path": path})
    except ValidationError as exc:
        raise TemplateError(_describe(exc), location=str(path)) from None


def _describe(exc: ValidationError) -> str:
    """Every problem in a template file, as `sheets[3].blocks[0].table.columns[2]: message`."""
    parts = []
    for error in exc.errors(include_url=False):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".")
        parts.append(f"{path or '(top level)'}: {error['msg']}")
    return "; ".join(parts)
