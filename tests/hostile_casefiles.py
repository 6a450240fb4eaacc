"""Hostile and damaged case files (YAML and JSON), built by code so that no binary is committed.

Each builder writes one file into a folder and returns its path. `HOSTILE_CASE_FILES` names them
with words the one-line XC102 error must contain, so the command-line tests and the fuzz corpus
(fuzz/make_corpus.py) use the same set.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
DEEP = 100_000  # levels of nesting: libyaml's composer overflows the C stack from about 30,000
BIG_NUMBER_DIGITS = 5_000  # over Python's 4,300-digit limit on int() of a string
LONG_TEXT = 5_000_000  # characters: under the 10 MB file limit, far over a workbook cell's 32,767


class HostileCaseFile(NamedTuple):
    """A case file to build and the lower-case words its error message must contain."""

    build: Callable[[Path], Path]
    words: tuple[str, ...]


def _write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def alias_bomb(folder: Path) -> Path:
    """Billion laughs in YAML: nine levels of nine aliases, 387 million strings from a few hundred bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    return _write(folder, "alias_bomb.yaml", "\n".join(lines) + "\n")


def alias_cycle(folder: Path) -> Path:
    """An alias inside the value it names: a list that contains itself."""
    return _write(folder, "alias_cycle.yaml", "title: &loop [1, *loop]\n")


def deep_flow(folder: Path) -> Path:
    return _write(folder, "deep_flow.yaml", "title: " + "[" * DEEP + "]" * DEEP + "\n")


def deep_block(folder: Path) -> Path:
    """Block sequences nested by `- - - ...`: no flow level for libyaml to limit."""
    return _write(folder, "deep_block.yaml", "title:\n" + "- " * DEEP + "x\n")


def deep_json(folder: Path) -> Path:
    return _write(folder, "deep.json", '{"title": ' + "[" * DEEP + "]" * DEEP + "}")


def big_int(folder: Path) -> Path:
    return _write(folder, "big_int.yaml", f"assumptions:\n  base_year: {'7' * BIG_NUMBER_DIGITS}\n")


def big_int_json(folder: Path) -> Path:
    return _write(folder, "big_int.json", '{"assumptions": {"base_year": ' + "7" * BIG_NUMBER_DIGITS + "}}")


def sexagesimal(folder: Path) -> Path:
    """A YAML 1.1 base-60 integer of a million parts: quadratic big-number arithmetic once converted."""
    return _write(folder, "sexagesimal.yaml", "assumptions:\n  base_year: 1" + ":59" * 1_000_000 + "\n")


def hour_25(folder: Path) -> Path:
    return _write(folder, "hour_25.yaml", "title: Draft\nprepared: 2027-04-01 25:00:00\n")


def huge_float(folder: Path) -> Path:
    return _write(folder, "huge_float.yaml", "assumptions:\n  discount_rate: 1.0e+999\n")


def huge_float_json(folder: Path) -> Path:
    return _write(folder, "huge_float.json", '{"assumptions": {"discount_rate": 1e999}}')


def nan_json(folder: Path) -> Path:
    """NaN is not JSON, though Python's parser reads it by default."""
    return _write(folder, "nan.json", '{"assumptions": {"discount_rate": NaN}}')


def long_text(folder: Path) -> Path:
    return _write(folder, "long_text.yaml", "title: " + "x" * LONG_TEXT + "\n")


def binary_junk(folder: Path) -> Path:
    """Random bytes, as a misnamed download gives."""
    return _write(folder, "junk.yaml", random.Random(9).randbytes(65_536))


def utf16(folder: Path) -> Path:
    """The example saved by Notepad as "Unicode": UTF-16 with a byte-order mark."""
    return _write(folder, "utf16.yaml", EXAMPLE.read_text(encoding="utf-8").encode("utf-16"))


def windows_1252(folder: Path) -> Path:
    """A pound sign saved in the Windows code page, not UTF-8."""
    return _write(folder, "cp1252.yaml", "title: Agency spend of £933,000\n".encode("cp1252"))


def empty(folder: Path) -> Path:
    return _write(folder, "empty.yaml", b"")


def only_comments(folder: Path) -> Path:
    return _write(folder, "comments.yaml", "# title: to be written\n\n")


def duplicate_key(folder: Path) -> Path:
    """YAML would silently keep the second title."""
    return _write(folder, "duplicate.yaml", "title: First title\norganisation: Example Trust\ntitle: Second title\n")


def duplicate_key_json(folder: Path) -> Path:
    return _write(folder, "duplicate.json", '{"title": "First", "costs": [{"amounts": [1], "amounts": [2]}]}')


def python_tag(folder: Path) -> Path:
    """A tag that would run a command under yaml.load (safe loading refuses it)."""
    return _write(folder, "python_tag.yaml", 'title: Draft\norganisation: !!python/object/apply:os.system ["id"]\n')


def many_values(folder: Path) -> Path:
    """Nine megabytes of one-digit amounts: 4.7 million values in a file under the size limit."""
    return _write(folder, "many_values.yaml", "title: [" + "0," * 4_700_000 + "0]\n")


def many_errors(folder: Path) -> Path:
    """Ten thousand cost lines with words in their money cells: 20,000 type errors for one message line."""
    costs = [{"option": "O1", "amounts": ["lots", "lots"]} for _ in range(10_000)]
    return _write(folder, "many_errors.json", json.dumps({"title": "Draft", "costs": costs}))


HOSTILE_CASE_FILES: dict[str, HostileCaseFile] = {
    "alias_bomb": HostileCaseFile(alias_bomb, ("aliases",)),
    "alias_cycle": HostileCaseFile(alias_cycle, ("alias", "contain itself")),
    "deep_flow": HostileCaseFile(deep_flow, ("nest",)),
    "deep_block": HostileCaseFile(deep_block, ("nest",)),
    "deep_json": HostileCaseFile(deep_json, ("nest",)),
    "big_int": HostileCaseFile(big_int, ("digits",)),
    "big_int_json": HostileCaseFile(big_int_json, ("digits",)),
    "sexagesimal": HostileCaseFile(sexagesimal, ("digits",)),
    "hour_25": HostileCaseFile(hour_25, ("2027-04-01 25:00:00", "hour")),
    "huge_float": HostileCaseFile(huge_float, ("finite",)),
    "huge_float_json": HostileCaseFile(huge_float_json, ("finite",)),
    "nan_json": HostileCaseFile(nan_json, ("nan",)),
    "long_text": HostileCaseFile(long_text, ("title", "characters")),
    "binary_junk": HostileCaseFile(binary_junk, ("utf-8",)),
    "utf16": HostileCaseFile(utf16, ("utf-16", "utf-8")),
    "windows_1252": HostileCaseFile(windows_1252, ("utf-8", "cp1252.yaml:1", "0xa3")),
    "empty": HostileCaseFile(empty, ("empty",)),
    "only_comments": HostileCaseFile(only_comments, ("empty",)),
    "duplicate_key": HostileCaseFile(duplicate_key, ('"title"', "twice")),
    "duplicate_key_json": HostileCaseFile(duplicate_key_json, ('"amounts"', "twice", "costs[0]")),
    "python_tag": HostileCaseFile(python_tag, ("python/object/apply",)),
    "many_values": HostileCaseFile(many_values, ("values",)),
    "many_errors": HostileCaseFile(many_errors, ("costs[0].amounts[0]", "more")),
}
