"""Coverage-guided fuzzing of case-file reading (YAML and JSON) with atheris (optional, not run by CI).

    pip install atheris
    python fuzz/make_casefile_corpus.py fuzz/casefile_corpus
    python fuzz/fuzz_casefile.py fuzz/casefile_corpus -max_len=8192 -timeout=10 -rss_limit_mb=2048 -max_total_time=600

Each input is decoded as load_case decodes a file, then read three ways: as YAML with libyaml (what
`xlcase new` uses), as YAML with PyYAML's pure-Python parser (instrumented, so the fuzzer sees the
YAML grammar it reaches), and as JSON. Any exception but CaseFileError is a crash, and so is an
input that takes more than INPUT_SECONDS or brings the peak memory above PEAK_MB. Half of the
mutations insert a YAML or JSON token (an anchor, an alias, brackets, a tag, a long number, a bad
timestamp), sometimes repeated, so that nesting and alias budgets are reached quickly.
"""

from __future__ import annotations

import random
import resource
import sys
import time

import atheris

with atheris.instrument_imports(include=["xlcase", "yaml"]):
    from xlcase.casefile import decode_case_file, parse_case
    from xlcase.errors import CaseFileError
    from xlcase.safe_data import HAS_LIBYAML, DataError, parse_yaml

INPUT_SECONDS = 2.0
PEAK_MB = 1024
TOKENS = [b"&a ", b"*a", b"&b ", b"*b, ", b"[", b"]", b"{", b"}", b"- ", b": ", b", ", b"\n", b"\n  ", b"\n- ",
          b"? ", b"<<: ", b"---\n", b"...\n", b"%YAML 1.1\n", b"%TAG !e! tag:e.com,2000:\n", b"!e!x ", b"!!int ",
          b"!!float ", b"!!str ", b"!!timestamp ", b"!!binary ", b"!!set ", b"!!omap ", b"!!pairs ", b"!!python/none ",
          b'"', b"'", b"\\", b"|\n", b">-\n", b"#", b"\t", b"~", b"null", b"true", b"yes", b".inf", b".nan", b"NaN",
          b"-Infinity", b"1e999", b"1.0e+999", b"0x1F", b"0o17", b"0b101", b"1_000", b"190:20:30",
          b"9" * 120, b"2027-04-01", b"2027-04-01 25:00:00", b"2027-02-30", b"2027-04-01T10:00:00+99:00",
          b'"\\u0000"', b'"\\ud800"', b'"\\x07"', b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\xc3\x28", b"\xa3",
          b"title: ", b"organisation: ", b"costs: ", b"amounts: ", b"assumptions: ", b"base_year: ", b"prepared: ",
          b"options: ", b"risks: ", b"likelihood: ", b'{"title": ', b'"amounts": [']


class CeilingExceeded(Exception):
    """An input took longer, or memory grew higher, than the harness allows."""


def test_one_input(data: bytes) -> None:
    start = time.perf_counter()
    try:
        text = decode_case_file(data, "<fuzz>")
    except CaseFileError:
        return
    for fmt in ("yaml", "json"):
        try:
            parse_case(text, fmt=fmt)
        except CaseFileError:
            pass
    if HAS_LIBYAML:  # parse_case used libyaml; read with the pure-Python parser too
        try:
            parse_yaml(text, libyaml=False)
        except DataError:
            pass
    seconds = time.perf_counter() - start
    if seconds > INPUT_SECONDS:
        raise CeilingExceeded(f"{seconds:.1f} s for {len(data):,} bytes")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if peak_mb > PEAK_MB:
        raise CeilingExceeded(f"peak memory {peak_mb:.0f} MB")


def insert_token(data: bytes, max_size: int, seed: int) -> bytes:
    """libFuzzer's own mutation, or a token of the YAML/JSON grammar inserted (sometimes many times)."""
    chooser = random.Random(seed)
    if not data or chooser.random() < 0.5:
        return atheris.Mutate(data, max_size)
    token = chooser.choice(TOKENS) * (chooser.randrange(2, 64) if chooser.random() < 0.2 else 1)
    at = chooser.randrange(len(data) + 1)
    return (data[:at] + token + data[at:])[:max_size]


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input, custom_mutator=insert_token)
    atheris.Fuzz()
