"""xlcase.text and xlcase.search: clipping, visible escapes, ID keys, and the one-pass text search."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcase.findings import MESSAGE_LIMIT, PLACE_LIMIT, Finding
from xlcase.search import Automaton
from xlcase.text import (
    clip, financial_year, id_key, listed, repeats, shown, shown_id, starts_formula, visible, visible_json,
)

TERMINAL_ACTORS = "\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\u2028\u2029\u200e\u202a\u202e\u2066\u2069\ufeff"


def test_visible_escapes_everything_that_acts_on_a_terminal():
    text = "a" + TERMINAL_ACTORS + "\udcff" + "\U000e0001" + "b £ é"
    shown_text = visible(text)
    assert shown_text == ("a\\x00\\x07\\x08\\t\\n\\r\\x1b\\x7f\\x85\\x9b\\u2028\\u2029\\u200e\\u202a\\u202e\\u2066"
                          "\\u2069\\ufeff\\udcff\\U000e0001b £ é")
    assert shown_text.isprintable()
    assert visible(shown_text) == shown_text  # idempotent: showing twice changes nothing
    shown_text.encode("utf-8")  # a lone surrogate (a file name that is not UTF-8) no longer breaks printing


@given(st.text())
def test_visible_text_is_always_one_printable_line(text):
    shown_text = visible(text)
    assert shown_text.isprintable() and len(shown_text.splitlines()) <= 1
    shown_text.encode("utf-8")


@given(st.text())
def test_visible_json_is_the_same_data(text):
    dumped = visible_json(json.dumps({"k": text}, indent=2, ensure_ascii=False))
    assert json.loads(dumped) == {"k": text}
    assert all(c.isprintable() or c == "\n" for c in dumped)


def test_clip_and_shown_say_how_much_was_left_out():
    assert clip("abc", 5) == "abc" and clip("d" * 120) == "d" * 120
    assert clip("x" * 12, 5) == "xxxxx… (7 more characters)"
    assert shown("O2\u200b") == "'O2\\u200b'"
    assert shown(12.5) == "12.5"
    assert shown("y" * 100, 4) == "'yyyy'… (96 more characters)"


@pytest.mark.parametrize(("text", "shown_text"), [
    ("O2", "O2"), ("O2\u200b", "'O2\\u200b'"), ("\uff2f2", "'\\uff2f2'"), (" O2", "' O2'"), ("O\xa02", "'O\\xa02'"),
    ("it's\u200b", "'it\\'s\\u200b'"), (None, "(none)"), ("A" * 45, "'" + "A" * 40 + "'… (5 more characters)"),
])
def test_an_id_that_is_not_plain_is_shown_with_its_codes(text, shown_text):
    assert shown_id(text) == shown_text


@pytest.mark.parametrize(("one", "other"), [
    ("O2", "O2\u200b"), ("O2", "\uff2f2"), ("O2", "o2"), ("O2", " O2 "), ("O 2", "O\u00a0\u00a02"), ("A1", "\u202dA1\u202c"),
    ("A1", "A\u20601"), ("R1", "R\u00ad1"), ("Stra\u00dfe", "STRASSE"), ("O2", "O2\x07"),
])
def test_ids_the_same_to_a_reader_have_one_key(one, other):
    assert id_key(one) == id_key(other)


@pytest.mark.parametrize(("one", "other"), [("O2", "O3"), ("O2", "O 2"), ("O2", "02"), ("A1", "A-1")])
def test_different_ids_keep_different_keys(one, other):
    assert id_key(one) != id_key(other)


def test_repeats_and_listed():
    assert list(repeats(["O1", None, "o1", "O2", "\uff2f2", "", "O1\u200b"])) == [(2, 0), (4, 3), (6, 0)]
    assert listed(["a", "b"]) == "a, b"
    assert listed([str(n) for n in range(12)], limit=3) == "0, 1, 2 and 9 more"


def test_formula_start_and_financial_year():
    assert all(starts_formula(t) for t in ("=1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"))
    assert not any(starts_formula(t) for t in ("1", " =1", "", None, 5))
    assert financial_year(2027) == "2027/28" and financial_year(2099) == "2099/00"


def test_a_finding_is_bounded_and_visible_whatever_it_is_given():
    finding = Finding("XC402", "error", "risk " + "x" * 10_000 + "\n" + "FAKE: VALID", "S\x1b" * 1_000_000, "H5\n",
                      "risks", "v" * 1_000)
    assert len(finding.message) < MESSAGE_LIMIT + 100 and "\n" not in finding.message
    assert finding.sheet.startswith("S\\x1bS\\x1b") and len(finding.sheet) < 10 * PLACE_LIMIT
    assert finding.cell == "H5\\n" and len(finding.value) < 300


@settings(max_examples=300)
@given(st.lists(st.text("ab ", max_size=6), max_size=8), st.text("ab c", max_size=40))
def test_the_automaton_finds_exactly_the_needles_that_occur(needles, text):
    assert Automaton(needles).found_in(text) == {i for i, n in enumerate(needles) if n and n in text}


def test_the_automaton_reports_nested_needles_once_each():
    needles = ["a" * k for k in range(1, 1001)]
    assert Automaton(needles).found_in("a" * 100_000) == set(range(1000))
    assert Automaton([n + "b" for n in needles]).found_in("a" * 100_000) == set()
