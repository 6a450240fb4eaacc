"""Case files (YAML or JSON) to and from the typed Case, with errors that name the line or key path.

A case file is untrusted input: it is read within the limits of xlcase.safe_data (aliases, nesting,
numbers, texts, values), as strict UTF-8, and every problem becomes one CaseFileError (XC102).
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from xlcase.errors import CaseFileError
from xlcase.model import Case
from xlcase.safe_data import DataError, parse_json, parse_yaml, shown

MAX_CASE_FILE_BYTES = 10 * 1024**2
MAX_SHOWN_PROBLEMS = 10  # type errors listed in one message; the rest are counted
REQUIRED_KEYS = ("title", "organisation")  # the case-file contract marks these required
EMPTY = "the case file is empty: it needs at least a title and an organisation (see `xlcase schema`)"
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
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseFileError(describe_validation_error(exc), location=source) from None


def describe_validation_error(exc: ValidationError) -> str:
    """The problems pydantic found (the first ten, then a count) on one line: `key.path[3]: expected ..., got ...`."""
    errors = exc.errors(include_url=False)
    lines = [f"{key_path(error['loc'])}: {expected_text(error)}, got {shown(error.get('input'))}"
             for error in errors[:MAX_SHOWN_PROBLEMS]]
    if len(errors) > MAX_SHOWN_PROBLEMS:
        lines.append(f"and {len(errors) - MAX_SHOWN_PROBLEMS:,} more")
    return "; ".join(lines)


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
