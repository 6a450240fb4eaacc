"""Case files that hurt, through the real command and the library: one XC102 line, bounded cost, nothing written."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from hostile_casefiles import EXAMPLE, HOSTILE_CASE_FILES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcase import safe_data
from xlcase.casefile import decode_case_file, load_case, parse_case
from xlcase.errors import CaseFileError
from xlcase.safe_data import (
    MAX_ALIAS_VALUES,
    MAX_DEPTH,
    MAX_NUMBER_CHARS,
    MAX_TEXT_CHARS,
    MAX_VALUES,
    DataError,
    parse_json,
    parse_yaml,
)

ROOT = Path(__file__).resolve().parent.parent
SECONDS_LIMIT = 10
MEMORY_LIMIT_MB = 300
LOADERS = [pytest.param(True, id="libyaml", marks=pytest.mark.skipif(not safe_data.HAS_LIBYAML, reason="no libyaml")),
           pytest.param(False, id="python")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_measured(tmp_path: Path, *args: str) -> tuple[int, str, float, float]:
    """`python -m xlcase ARGS` in a child capped at 2 GB: its exit status, stderr, seconds and own peak MB."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))

    err = tmp_path / "stderr.txt"
    start = time.perf_counter()
    with open(os.devnull, "wb") as out, err.open("wb") as handle:
        child = subprocess.Popen([sys.executable, "-m", "xlcase", *args], stdout=out, stderr=handle, cwd=ROOT,
                                 preexec_fn=cap)
        killer = threading.Timer(60, child.kill)
        killer.start()
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest child so far
        killer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, err.read_text(errors="replace"), time.perf_counter() - start, usage.ru_maxrss / 1024


@pytest.mark.parametrize("name", sorted(HOSTILE_CASE_FILES))
def test_hostile_case_file_is_one_error_line(tmp_path, name):
    case = HOSTILE_CASE_FILES[name]
    path = case.build(tmp_path)
    before = sha256(path)
    out = tmp_path / "out.xlsx"
    status, stderr, seconds, peak_mb = run_measured(tmp_path, "new", str(out), "--from", str(path))
    assert status == 2, stderr
    assert "Traceback" not in stderr
    assert stderr.startswith("error: XC102 ") and stderr.count("\n") == 1, stderr[:2000]
    message = stderr.lower()
    assert all(word.lower() in message for word in case.words), stderr
    assert len(stderr) < 2_000, len(stderr)
    assert seconds < SECONDS_LIMIT, seconds
    assert peak_mb < MEMORY_LIMIT_MB, peak_mb
    assert sha256(path) == before, "the case file must not change"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "stderr.txt"]), "nothing is written"


SMALL_YAML = ["alias_bomb", "alias_cycle", "deep_flow", "deep_block", "big_int", "hour_25", "duplicate_key", "python_tag"]
LARGE_YAML = ["sexagesimal", "long_text", "many_values"]  # megabytes: ~10-30 s in the pure-Python parser


@pytest.mark.parametrize(("name", "libyaml"), [*[(name, False) for name in SMALL_YAML],
                                               *[pytest.param(name, True, marks=LOADERS[0].marks)
                                                 for name in SMALL_YAML + LARGE_YAML]])
def test_both_yaml_parsers_keep_the_limits(name, libyaml):
    text = HOSTILE_CASE_FILES[name].content()
    with pytest.raises(DataError) as caught:
        parse_yaml(text, libyaml=libyaml)
    assert any(word.lower() in str(caught.value).lower() for word in HOSTILE_CASE_FILES[name].words)


@pytest.mark.parametrize("libyaml", LOADERS)
def test_limits_are_exact(libyaml):
    def nested(depth: int) -> str:
        return "[" * depth + "]" * depth

    assert parse_yaml(f"a: {nested(MAX_DEPTH - 1)}", libyaml=libyaml)
    assert parse_json(f'{{"a": {nested(MAX_DEPTH - 1)}}}')
    for text, parse in ((f"a: {nested(MAX_DEPTH)}", lambda t: parse_yaml(t, libyaml=libyaml)),
                        (f'{{"a": {nested(MAX_DEPTH)}}}', parse_json)):
        with pytest.raises(DataError, match="nested more than"):
            parse(text)
    digits = "1" * MAX_NUMBER_CHARS
    assert parse_yaml(f"a: {digits}", libyaml=libyaml) == {"a": int(digits)}
    assert parse_json(f'{{"a": {digits}}}') == {"a": int(digits)}
    with pytest.raises(DataError, match="digits long"):
        parse_yaml(f"a: {digits}1", libyaml=libyaml)
    with pytest.raises(DataError, match="digits long"):
        parse_json(f'{{"a": 0.{digits}}}')
    text = "x" * MAX_TEXT_CHARS
    assert parse_yaml(f"a: {text}", libyaml=libyaml) == {"a": text}
    with pytest.raises(DataError, match="characters"):
        parse_json(f'{{"a": "{text}x"}}')


@pytest.mark.parametrize("libyaml", LOADERS)
def test_aliases_within_the_budget_still_work(libyaml):
    profile = ", ".join(["1000"] * 10)
    lines = [f"profile: &profile [{profile}]"]  # each alias of it adds ten values to what is written
    lines += [f"line{n}: *profile" for n in range(MAX_ALIAS_VALUES // 10)]
    data = parse_yaml("\n".join(lines), libyaml=libyaml)
    assert data["line0"] == [1000] * 10
    with pytest.raises(DataError, match="alias bomb"):
        parse_yaml("\n".join([*lines, "one_more: *profile"]), libyaml=libyaml)
    merged = parse_yaml("base: &base {option: O1, category: pay}\nline: {<<: *base, amounts: [1]}", libyaml=libyaml)
    assert merged["line"] == {"option": "O1", "category": "pay", "amounts": [1]}


def test_too_many_values_is_refused_in_json():
    with pytest.raises(DataError, match="more than"):
        parse_json("[" + ",".join(["0"] * MAX_VALUES) + "]")


def test_a_case_with_aliases_builds_a_workbook(tmp_path):
    """Anchors are a YAML convenience a finance officer may use: a shared profile of amounts."""
    case = tmp_path / "case.yaml"
    case.write_text("title: Draft\norganisation: Trust\ncosts:\n"
                    "  - {option: O1, category: pay, amounts: &pay [0, 30000, 30000]}\n"
                    "  - {option: O2, category: pay, amounts: *pay}\n", encoding="utf-8")
    loaded = load_case(case)
    assert [line.amounts for line in loaded.costs] == [[0, 30_000, 30_000]] * 2


@pytest.mark.parametrize(("fmt", "text", "where", "message"), [
    ("yaml", "costs:\n  - {amounts: [1, 2, lots]}\n", "", 'costs[0].amounts[2]: expected a number, got "lots"'),
    ("yaml", "title: A\ntitle: B\n", ":2", 'the key "title" appears twice (first on line 1)'),
    ("yaml", "costs:\n  - {option: O1, option: O2}\n", ":2", 'costs[0]: the key "option" appears twice'),
    ("yaml", "title: &t [*t]\n", ":1", "title[0]: the alias *t is inside the value it names"),
    ("yaml", "title: *nowhere\n", ":1", "title: the alias *nowhere names no anchor"),
    ("yaml", "prepared: 2027-13-01\n", ":1", '"2027-13-01" is not a valid date or time (month must be in 1..12)'),
    ("yaml", "assumptions:\n  base_year: !!int twenty\n", ":2", '"twenty" is not a valid whole number'),
    ("yaml", "organisation: !!timestamp Example Trust\n", ":1", '"Example Trust" is not a valid date or time'),
    ("yaml", "assumptions: {discount_rate: !!float ''}\n", ":1", '"" is not a valid number'),
    ("yaml", "options: [{preferred: !!bool maybe}]\n", ":1", '"maybe" is not a valid true or false'),
    ("yaml", 'title: "tab\\there, bell\\a"\n', "", "title: the text holds U+0007"),
    ("yaml", "title: !!binary aGVsbG8=\n", "", "title: binary data"),
    ("yaml", '"odd\\nkey": 1\n', "", '["odd\\nkey"]: unknown key'),
    ("yaml", "title: a\n---\ntitle: b\n", ":2", "a second YAML document starts here"),
    ("yaml", "- a list\n", "", "expected a mapping of keys"),
    ("yaml", "~\n", "", "the case file is empty"),
    ("json", '{"title": "A",\n "costs": [}', ":2", "does not parse as JSON: Expecting value"),
    ("json", '{"costs": [{"amounts": [1, "lots"]}]}', "", 'costs[0].amounts[1]: expected a number, got "lots"'),
    ("json", '{"title": "\\ud800"}', "", "title: the text holds U+D800"),
    ("json", '{"assumptions": {"discount_rate": -Infinity}}', "", "assumptions.discount_rate: -Infinity is not"),
    ("json", "title: YAML in a .json file", ":1", "does not parse as JSON"),
    ("json", "null", "", "the case file is empty"),
    ("json", "  \n", "", "the case file is empty"),
])
def test_problems_name_their_line_or_key_path(fmt, text, where, message):
    with pytest.raises(CaseFileError) as caught:
        parse_case(text, source=f"case.{fmt}", fmt=fmt)
    assert caught.value.location == f"case.{fmt}{where}"
    assert message in caught.value.message
    assert "\n" not in str(caught.value)


def test_json_case_files_are_read_as_json(tmp_path):
    """`1e5` is a number in JSON but text in YAML 1.1: a .json file gets JSON's reading."""
    data = {"title": "Draft", "costs": [{"option": "O1", "amounts": [1e5, 2.5e4]}]}
    path = tmp_path / "case.JSON"
    path.write_text(json.dumps(data).replace("100000.0", "1e5"), encoding="utf-8")
    assert load_case(path).costs[0].amounts == [100_000, 25_000]
    assert yaml.safe_load("a: 1e5") == {"a": "1e5"}


def test_unknown_suffix_is_yaml_and_the_example_loads_both_ways(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    (tmp_path / "case.txt").write_text(text, encoding="utf-8")
    (tmp_path / "case.json").write_text(json.dumps(yaml.safe_load(text), default=str), encoding="utf-8")
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + text.encode())
    example = load_case(EXAMPLE)
    assert load_case(tmp_path / "case.txt") == example
    assert load_case(tmp_path / "case.json") == example
    assert load_case(tmp_path / "bom.yaml") == example
    assert parse_case("{}") == parse_case("{}", fmt="json")  # an empty mapping is a blank case, not an empty file


def test_an_endless_device_is_refused_at_the_size_limit():
    with pytest.raises(CaseFileError, match="larger than 10 MB"):
        load_case("/dev/zero")


def test_many_type_errors_make_one_short_line():
    text = json.dumps({"costs": [{"amounts": ["lots"]} for _ in range(1_000)]})
    with pytest.raises(CaseFileError) as caught:
        parse_case(text, fmt="json")
    message = caught.value.message
    assert message.count("expected a number") == 10 and message.endswith("and 990 more")


def test_a_message_never_renders_an_expanded_value():
    """Within the alias budget a value can still be large; the message quotes 60 characters of it."""
    text = "a: &a [" + ", ".join(["lol"] * 900) + "]\ntitle: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    with pytest.raises(CaseFileError) as caught:
        parse_case(text)
    assert len(str(caught.value)) < 300 and '[["lol", "lol"' in str(caught.value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000), st.sampled_from(["yaml", "json"]))
def test_any_bytes_give_a_case_or_a_case_file_error(data, fmt):
    seed = EXAMPLE.read_bytes()[:3_000]
    for sample in (data, seed[: len(data)] + data + seed[len(data):]):
        try:
            parse_case(decode_case_file(sample, "<fuzz>"), fmt=fmt)
        except CaseFileError:
            pass
