"""Case files (YAML or JSON) to and from the typed Case, with errors that name the key path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from xlcase.errors import CaseFileError
from xlcase.model import Case

MAX_CASE_FILE_BYTES = 10 * 1024**2
REQUIRED_KEYS = ("title", "organisation")  # the case-file contract marks these required


def load_case(path: str | Path) -> Case:
    """Read a case file (YAML, or JSON which YAML also reads) into a Case.

    Args:
        path: the case file.

    Returns:
        The case. Incomplete cases are accepted; only unparseable files and wrong types are refused.

    Raises:
        CaseFileError: the file is missing, too large, does not parse, or a value has the wrong type;
            the message names the key path, e.g. ``costs[3].amounts[2]: expected a number, got "lots"``.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CaseFileError(f"cannot read the case file: {exc.strerror}", location=str(path)) from None
    if size > MAX_CASE_FILE_BYTES:
        raise CaseFileError(f"the case file is larger than {MAX_CASE_FILE_BYTES // 1024**2} MB", location=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise CaseFileError(f"cannot read the case file: {exc.strerror}", location=str(path)) from None
    return parse_case(text, source=str(path))


def parse_case(text: str, source: str = "<case>") -> Case:
    """Parse case-file text (YAML or JSON) into a Case; see load_case for the errors."""
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = getattr(exc, "problem", None) or "not valid YAML or JSON"
        raise CaseFileError(f"the file does not parse: {problem}", location=where) from None
    if not isinstance(data, dict):
        raise CaseFileError("expected a mapping of keys (title, organisation, options, ...)", location=source)
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseFileError(describe_validation_error(exc), location=source) from None


def describe_validation_error(exc: ValidationError) -> str:
    """Every problem pydantic found, one per line, as `key.path[3]: expected ..., got ...`."""
    lines = []
    for error in exc.errors(include_url=False):
        lines.append(f"{key_path(error['loc'])}: {expected_text(error)}, got {_shown(error.get('input'))}")
    return "; ".join(lines)


def key_path(loc: tuple[Any, ...]) -> str:
    """('costs', 3, 'amounts', 2) -> 'costs[3].amounts[2]'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
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


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def case_to_data(case: Case) -> dict[str, Any]:
    """The case as plain data for a case file: codes, ISO dates, empty parts left out."""
    return case.model_dump(mode="json", exclude_defaults=True)


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
