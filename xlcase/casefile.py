"""Case files (YAML or JSON) to and from the typed Case, with errors that name the line or key path.

A case file is untrusted input: it is read within the limits of xlcase.safe_data (aliases, nesting,
numbers, texts, values), as strict UTF-8, and every problem becomes one CaseFileError (XC102).
A case file is also typed by people: the messages say what to write instead where the mistake is a
common one (money as "£35,000", a percentage for a fraction, a misspelt key, a date with a time), and
an amounts list longer than the appraisal period is refused, as it is most often numbers split by
thousands separators (a workbook's extra year columns are a different matter: XC603 warns of those).
"""

from __future__ import annotations

import codecs
import difflib
import json
import re
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ValidationError

from xlcase.errors import CaseFileError
from xlcase.model import Case
from xlcase.safe_data import DataError, parse_json, parse_yaml, shown

MAX_CASE_FILE_BYTES = 10 * 1024**2
MAX_SHOWN_PROBLEMS = 10  # type errors listed in one message; the rest are counted
SHOWN_KEY_CHARS = 60  # of an unknown key, compared with the keys allowed
REQUIRED_KEYS = ("title", "organisation")  # the case-file contract marks these required
EMPTY = ("the case file is empty (nothing but blanks or comments): write at least a title and an organisation "
         "(see examples/ward-assistant-practitioners.yaml and `xlcase schema`)")
_WIDE_ENCODINGS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                   (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))  # UTF-32 LE starts as UTF-16 LE
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CaseFormat = Literal["yaml", "json"]


def load_case(path: str | Path) -> Case:
    """Read a case file into a Case: JSON for a `.json` name, YAML for any other (as `export` writes them).

    Args:
        path: the case file.

    Returns:
        The case. Incomplete cases are accepted; only unparseable files and wrong types are refused.

    Raises:
        CaseFileError: the file is missing, empty, too large, not UTF-8, does not parse, breaks a limit
            (aliases, nesting, long numbers or texts) or a value has the wrong type; the message names the
            line or key path, e.g. ``costs[3].amounts[2]: expected a number, got "lots"``.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:  # read, not stat: a pipe or a device has no size to trust
            data = handle.read(MAX_CASE_FILE_BYTES + 1)
    except OSError as exc:
        raise CaseFileError(f"cannot read the case file: {exc.strerror}", location=str(path)) from None
    if len(data) > MAX_CASE_FILE_BYTES:
        raise CaseFileError(f"the case file is larger than {MAX_CASE_FILE_BYTES // 1024**2} MB", location=str(path))
    fmt: CaseFormat = "json" if path.suffix.lower() == ".json" else "yaml"
    return parse_case(decode_case_file(data, str(path)), source=str(path), fmt=fmt)


def decode_case_file(data: bytes, source: str) -> str:
    """The text of a case file: UTF-8 (a byte-order mark allowed), never guessed or repaired.

    Raises:
        CaseFileError: UTF-16 or UTF-32 text, NUL bytes (binary data), or bytes that are not UTF-8.
    """
    for bom, name in _WIDE_ENCODINGS:
        if data.startswith(bom):
            raise CaseFileError(f"the case file is {name} text; save it as UTF-8", location=source)
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise CaseFileError("the case file holds NUL bytes: it is binary, or UTF-16 text; save it as UTF-8 text",
                            location=f"{source}:{line}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CaseFileError(f"byte 0x{data[exc.start]:02X} is not UTF-8: save the case file as UTF-8"
                            " (it may be in a Windows code page)", location=f"{source}:{line}") from None


def parse_case(text: str, source: str = "<case>", fmt: CaseFormat = "yaml") -> Case:
    """Parse case-file text (YAML, or JSON with ``fmt="json"``) into a Case; see load_case for the errors."""
    if not text.strip():
        raise CaseFileError(EMPTY, location=source)
    try:
        data = parse_json(text) if fmt == "json" else parse_yaml(text)
    except DataError as exc:
        where = f"{source}:{exc.line}" if exc.line else source
        message = f"{key_path(exc.path)}: {exc.message}" if exc.path else exc.message
        raise CaseFileError(message, location=where) from None
    if data is None:
        raise CaseFileError(EMPTY, location=source)
    if not isinstance(data, dict):
        raise CaseFileError("expected a mapping of keys (title, organisation, options, ...)", location=source)
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise CaseFileError(describe_validation_error(exc), location=source) from None
    beyond = amounts_beyond_period(case)
    if beyond:
        raise CaseFileError(_listed(beyond[:MAX_SHOWN_PROBLEMS], len(beyond)), location=source)
    return case


def amounts_beyond_period(case: Case) -> list[str]:
    """Each amounts list longer than the appraisal period, as `costs[3].amounts: 13 amounts for ...`.

    A case file gives one amount per appraisal year, so more amounts than years is a mistake, most often
    `[35,000, 60,000]`, which YAML reads as four numbers. (Exactly as many amounts as years is right.)
    """
    years = case.assumptions.appraisal_years
    problems = []
    for key, items in case:
        for index, item in enumerate(items if isinstance(items, list) else ()):
            count = len(getattr(item, "amounts", ()))
            if count > years:
                problems.append(f"{key}[{index}].amounts: {count} amounts for a {years}-year appraisal (years 0 to "
                                f"{years - 1}): are there thousands separators in the list? YAML splits "
                                "[35,000, 60,000] at every comma, so write 35000, not 35,000; or set "
                                "assumptions.appraisal_years")
    return problems


def describe_validation_error(exc: ValidationError) -> str:
    """The problems pydantic found (the first ten, then a count) on one line: `key.path[3]: expected ..., got ...`."""
    errors = exc.errors(include_url=False)
    return _listed([_problem(error) for error in errors[:MAX_SHOWN_PROBLEMS]], len(errors))


def _problem(error: dict[str, Any]) -> str:
    """One problem: `key.path: expected ..., got ...`, with advice where the mistake is a common one."""
    where = key_path(error["loc"])
    if error["type"] == "extra_forbidden":  # the value under a misspelt key says nothing
        close = _close_key(error["loc"])
        return f"{where}: unknown key: did you mean {close}?" if close else f"{where}: {expected_text(error)}"
    return f"{where}: {expected_text(error)}, got {shown(error.get('input'))}{_advice(error)}"


def _listed(problems: list[str], total: int) -> str:
    """The problems shown (the first ten) on one line, then a count of the rest of `total`."""
    more = [f"and {total - len(problems):,} more"] if total > len(problems) else []
    return "; ".join([*problems, *more])


_SCALED = re.compile(r"^\s*+(-)?\s*+£?\s*+([0-9][0-9,]*+(?:\.[0-9]++)?)\s*+([kKmM])\s*+$")  # 35k, £1.2m
_SCALES = {"k": 1e3, "m": 1e6}
_NUMBERS = re.compile(r"^\s*+-?[0-9][0-9.]*+(?:\s++-?[0-9][0-9.]*+)++\s*+$")  # 35000 60000


def _advice(error: dict[str, Any]) -> str:
    """What to write instead of a number typed as people write it on paper ("£35,000", "35k", "10%"), or ''."""
    value, kind = error.get("input"), error["type"]
    if kind in ("float_parsing", "int_parsing") and isinstance(value, str):
        from xlcase.reader import parse_number_text  # reads "£1,234", "(500)" and "12%" as a workbook cell does

        number = parse_number_text(value)
        scaled = _SCALED.match(value)
        if number is None and scaled:
            number = float(scaled.group(2).replace(",", "")) * _SCALES[scaled.group(3).lower()]
            number = -number if scaled.group(1) else number
        if number is not None:
            return f" (did you mean {number:.10g}? write numbers without £, commas, % or k)"
        if _NUMBERS.match(value):
            return " (separate the numbers with commas: [35000, 60000])"
    return ""


def _close_key(loc: tuple[Any, ...]) -> str | None:
    """The allowed key nearest to the unknown one at the end of `loc` ("titel" -> "title"), if one is close."""
    if not loc or not isinstance(loc[-1], str):
        return None
    close = difflib.get_close_matches(loc[-1][:SHOWN_KEY_CHARS].casefold(), _known_keys(loc[:-1]), n=1)
    return close[0] if close else None


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the case file allows at `loc` (('costs', 3) -> the keys of a cost line)."""
    model: type[BaseModel] | None = Case
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        model = _model_in(field.annotation) if field else None
    return list(model.model_fields) if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, itself or in a list or an optional (list[CostLine] -> CostLine)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((found for arg in get_args(annotation) if (found := _model_in(arg))), None)


def key_path(loc: tuple[Any, ...]) -> str:
    """('costs', 3, 'amounts', 2) -> 'costs[3].amounts[2]'; a key from the input that is not a name is quoted."""
    text = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        elif isinstance(part, str) and _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{shown(part if isinstance(part, str) else str(part))}]"
    return text or "(top level)"


_EXPECTED = {
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "date_parsing": "expected a date like 2027-04-01",
    "date_from_datetime_parsing": "expected a date like 2027-04-01",
    "date_from_datetime_inexact": "expected a date without a time, e.g. 2027-04-01",
    "date_type": "expected a date like 2027-04-01",
    "string_type": "expected text",
    "list_type": "expected a list",
    "model_type": "expected a mapping of keys",
    "extra_forbidden": "unknown key (check the spelling against `xlcase schema`)",
    "too_long": "too many entries (at most one per appraisal year, 125)",
    "finite_number": "expected a finite number",
}


_BOUNDS = {"less_than_equal": "at most {le}", "greater_than_equal": "at least {ge}", "less_than": "less than {lt}",
           "greater_than": "more than {gt}"}


def expected_text(error: dict[str, Any]) -> str:
    """What pydantic wanted, in words a finance officer uses ("expected at most 5")."""
    kind = error["type"]
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind in _BOUNDS:
        return "expected " + _BOUNDS[kind].format(**error.get("ctx", {}))
    if kind == "literal_error":
        allowed = error.get("ctx", {}).get("expected", "")
        return f"expected one of {allowed}"
    return error["msg"][0].lower() + error["msg"][1:]


def case_to_data(case: Case) -> dict[str, Any]:
    """The case as plain data for a case file: codes, ISO dates, empty parts left out, but every assumption
    given (a default rate included), so that an archived case file says which base year, period and rates
    its figures used even after the defaults change."""
    data = case.model_dump(mode="json", exclude_defaults=True)
    data["assumptions"] = case.assumptions.model_dump(mode="json", exclude_none=True)
    return {key: data[key] for key in Case.model_fields if key in data}


def dump_case(case: Case, fmt: str = "yaml") -> str:
    """The case as YAML or JSON text."""
    data = case_to_data(case)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def case_schema() -> dict[str, Any]:
    """JSON Schema of the case file, generated from the model so it cannot drift."""
    schema = Case.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "xlcase business case"
    schema["required"] = list(REQUIRED_KEYS)  # a complete case; drafts without them still load (XC101 reports)
    return schema
