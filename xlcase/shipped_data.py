"""The YAML files xlcase ships (workbook templates, reference data), read from a JSON copy made from them.

PyYAML builds its objects in Python even with libyaml's parser: the template took about 27 ms
a run where `json.loads` of the same data takes half a millisecond. Each shipped YAML file has a
copy beside it, `NAME.cache.json`, holding the data and the SHA-256 of the YAML bytes it was
made from; the copy is used only when that digest matches the file as it is now, so an edited
YAML file is read as YAML until the copy is remade (`python -m xlcase.shipped_data`, which a test
asks for). These are xlcase's own trusted files, never user input: case files go through
xlcase.safe_data. Dates, which JSON lacks, are written as {"$date": "2026-04-01"}.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

COPY_SUFFIX = ".cache.json"
DATE_KEY = "$date"


class ShippedYamlError(ValueError):
    """A shipped YAML file that does not parse: the problem, and its line (1-based) where known."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


def copy_path(path: Path) -> Path:
    """Where the JSON copy of a shipped YAML file lives."""
    return path.with_name(path.stem + COPY_SUFFIX)


def load_shipped_yaml(path: Path) -> Any:
    """The data of a shipped YAML file: its JSON copy when current, else the YAML parsed (CSafeLoader).

    Raises:
        OSError: the file cannot be read.
        ShippedYamlError: the YAML does not parse (only when there is no current copy).
    """
    source = path.read_bytes()
    copy = _current_copy(path, _digest(source))
    if copy is not None:
        return copy
    return _parse(source)


def write_copy(path: Path) -> Path:
    """(Re)make the JSON copy of a shipped YAML file; its data must survive the trip through JSON."""
    source = path.read_bytes()
    data = _parse(source)
    text = json.dumps({"sha256": _digest(source), "data": data}, default=_encode, ensure_ascii=False,
                      separators=(",", ":"))
    if json.loads(text, object_hook=_decode)["data"] != data:
        raise ValueError(f"{path}: its data does not survive JSON (keys that are not text?)")
    target = copy_path(path)
    target.write_text(text + "\n", encoding="utf-8")
    return target


def is_current(path: Path) -> bool:
    """The JSON copy exists and was made from the YAML file as it is now."""
    return _current_copy(path, _digest(path.read_bytes())) is not None


def _current_copy(path: Path, digest: str) -> Any | None:
    try:
        stored = json.loads(copy_path(path).read_text(encoding="utf-8"), object_hook=_decode)
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("sha256") != digest:
        return None
    return stored.get("data")


def _parse(source: bytes) -> Any:
    import yaml  # only when a copy is missing or stale: importing PyYAML costs start-up time

    try:
        return yaml.load(source.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ShippedYamlError(str(getattr(exc, "problem", None) or exc), mark.line + 1 if mark else None) from None


def _digest(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {DATE_KEY: value.isoformat()}
    raise TypeError(f"{type(value).__name__} cannot be written to the JSON copy")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and DATE_KEY in obj:
        return dt.date.fromisoformat(obj[DATE_KEY])
    return obj


def shipped_files() -> list[Path]:
    """Every YAML file xlcase ships: the workbook templates and the reference data."""
    from xlcase.reference import REFERENCE_DIR
    from xlcase.template import templates_dir

    return sorted([*templates_dir().glob("*.yaml"), *REFERENCE_DIR.glob("*.yaml")])


if __name__ == "__main__":
    for shipped in shipped_files():
        print(f"wrote {write_copy(shipped)}", file=sys.stdout)
