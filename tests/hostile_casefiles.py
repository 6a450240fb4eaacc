"""Hostile and damaged case files (YAML and JSON), built by code so that no binary is committed.

`HOSTILE_CASE_FILES` names each file, how to make its content (some are megabytes, made on
demand) and words the one-line XC102 error must contain, so the command-line tests, the benchmark
(benchmarks/bench_casefile.py) and the fuzz corpus (fuzz/make_casefile_corpus.py) use the same set.
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

    file_name: str
    content: Callable[[], str | bytes]
    words: tuple[str, ...]

    def build(self, folder: Path) -> Path:
        """Write the file into `folder` and return its path."""
        data = self.content()
        path = folder / self.file_name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path


def alias_bomb() -> str:
    """Billion laughs in YAML: nine levels of nine aliases, 387 million strings from a few hundred bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


def many_errors() -> str:
    """Ten thousand cost lines with words in their money cells: 20,000 type errors for one message line."""
    costs = [{"option": "O1", "amounts": ["lots", "lots"]} for _ in range(10_000)]
    return json.dumps({"title": "Draft", "costs": costs})


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE_CASE_FILES: dict[str, HostileCaseFile] = {
    "alias_bomb": HostileCaseFile("alias_bomb.yaml", alias_bomb, ("aliases",)),
    # an alias inside the value it names: a list that contains itself
    "alias_cycle": HostileCaseFile("alias_cycle.yaml", lambda: "title: &loop [1, *loop]\n", ("alias", "contain itself")),
    "deep_flow": HostileCaseFile("deep_flow.yaml", lambda: f"title: {_nested(DEEP)}\n", ("nest",)),
    # block sequences nested by `- - - ...`: no flow level for libyaml to limit
    "deep_block": HostileCaseFile("deep_block.yaml", lambda: "title:\n" + "- " * DEEP + "x\n", ("nest",)),
    "deep_json": HostileCaseFile("deep.json", lambda: f'{{"title": {_nested(DEEP)}}}', ("nest",)),
    "big_int": HostileCaseFile("big_int.yaml", lambda: f"assumptions:\n  base_year: {'7' * BIG_NUMBER_DIGITS}\n",
                               ("digits",)),
    "big_int_json": HostileCaseFile("big_int.json", lambda: f'{{"assumptions": {{"base_year": {"7" * BIG_NUMBER_DIGITS}}}}}',
                                    ("digits",)),
    # a YAML 1.1 base-60 integer of a million parts (quadratic big-number arithmetic, were it converted): xlcase
    # reads base-60 as text, here too long for a cell
    "sexagesimal": HostileCaseFile("sexagesimal.yaml", lambda: "assumptions:\n  base_year: 1" + ":59" * 1_000_000,
                                   ("characters",)),
    "sexagesimal_short": HostileCaseFile("sexagesimal_short.yaml",
                                         lambda: "assumptions:\n  base_year: 1" + ":59" * 8_000,
                                         ("base_year: expected a whole number",)),
    "hour_25": HostileCaseFile("hour_25.yaml", lambda: "title: Draft\nprepared: 2027-04-01 25:00:00\n",
                               ("2027-04-01 25:00:00", "hour")),
    "huge_float": HostileCaseFile("huge_float.yaml", lambda: "assumptions:\n  discount_rate: 1.0e+999\n", ("finite",)),
    "huge_float_json": HostileCaseFile("huge_float.json", lambda: '{"assumptions": {"discount_rate": 1e999}}',
                                       ("finite",)),
    # NaN is not JSON, though Python's parser reads it by default
    "nan_json": HostileCaseFile("nan.json", lambda: '{"assumptions": {"discount_rate": NaN}}', ("nan",)),
    "long_text": HostileCaseFile("long_text.yaml", lambda: "title: " + "x" * LONG_TEXT + "\n", ("title", "characters")),
    # random bytes, as a misnamed download gives
    "binary_junk": HostileCaseFile("junk.yaml", lambda: random.Random(9).randbytes(65_536), ("utf-8",)),
    # the example saved by Notepad as "Unicode": UTF-16 with a byte-order mark
    "utf16": HostileCaseFile("utf16.yaml", lambda: EXAMPLE.read_text(encoding="utf-8").encode("utf-16"),
                             ("utf-16", "utf-8")),
    # a pound sign saved in the Windows code page, not UTF-8
    "windows_1252": HostileCaseFile("cp1252.yaml", lambda: "title: Agency spend of £933,000\n".encode("cp1252"),
                                    ("utf-8", "cp1252.yaml:1", "0xa3")),
    "empty": HostileCaseFile("empty.yaml", lambda: b"", ("empty",)),
    "only_comments": HostileCaseFile("comments.yaml", lambda: "# title: to be written\n\n", ("empty",)),
    # YAML would silently keep the second title
    "duplicate_key": HostileCaseFile("duplicate.yaml", lambda: "title: First\norganisation: Trust\ntitle: Second\n",
                                     ('"title"', "twice")),
    "duplicate_key_json": HostileCaseFile("duplicate.json", lambda: '{"costs": [{"amounts": [1], "amounts": [2]}]}',
                                          ('"amounts"', "twice", "costs[0]")),
    # a tag that would run a command under yaml.load (safe loading refuses it)
    "python_tag": HostileCaseFile("python_tag.yaml", lambda: 'title: !!python/object/apply:os.system ["id"]\n',
                                  ("python/object/apply",)),
    # nine megabytes of one-digit amounts: 4.7 million values in a file under the size limit
    "many_values": HostileCaseFile("many_values.yaml", lambda: "title: [" + "0," * 4_700_000 + "0]\n", ("values",)),
    # eight megabytes of `---`: two million empty YAML documents
    "many_documents": HostileCaseFile("documents.yaml", lambda: "title: Draft\n" + "---\n" * 2_000_000,
                                      ("second yaml document",)),
    "many_errors": HostileCaseFile("many_errors.json", many_errors, ("costs[0].amounts[0]", "more")),
}
