"""Outputs that cannot lie: a file or sheet name holding escape codes and line breaks reaches no terminal,
text report, Markdown report or message as such. Each is shown as escapes a reader can see, and no name
can clear the screen or print a line of its own ("FAKE.xlsx: VALID").

The files are real: a workbook built from the generated example, saved under a hostile name, with its
Risks sheet renamed to a hostile name; the commands run in child processes (a pseudo-terminal for the
coloured output).
"""

from __future__ import annotations

import html
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from big_tables import renamed_sheet_workbook
from test_hardening import ROOT, sha256, run_limited

from xlcase.text import cell_reference

FORGED = "FAKE.xlsx: VALID"
FILE_NAME = f"case\x1b[2J\n{FORGED}\n\x9b31m\u202e.xlsx"  # clear screen, a forged line, C1 CSI, bidi override
SHEET_NAME = f"Risks\n{FORGED}\u2028\x9b2J\u202e"  # XML refuses C0 controls but a C1 CSI (clear screen) passes
UNSAFE = ("\x1b", "\x9b", "\u202e", "\u2028", "\r")
SHEET_SHOWN = "Risks\\nFAKE.xlsx: VALID\\u2028\\x9b2J\\u202e"
_SGR = re.compile(r"\x1b\[[0-9;]*m")  # colour codes, which only the terminal output may hold


@pytest.fixture(scope="module")
def hostile_names(tmp_path_factory, example_workbook) -> Path:
    """A workbook under FILE_NAME whose Risks sheet is called SHEET_NAME."""
    folder = tmp_path_factory.mktemp("names")
    return renamed_sheet_workbook(example_workbook, folder / FILE_NAME, SHEET_NAME)


def assert_safe(text: str) -> None:
    """No character that acts on a terminal, and no line that a name started."""
    for char in UNSAFE:
        assert char not in text, (char, text[:2000])
    for line in text.splitlines():
        assert not line.strip().startswith(("FAKE.xlsx", "*FAKE", "| FAKE")), line


def as_read(text: str, fmt: str) -> str:
    """The report as a person reads it: Markdown's backslash escapes and HTML's entities undone."""
    if fmt == "markdown":
        return re.sub(r"\\([\\`*_\[\]|])", r"\1", text)
    return html.unescape(text) if fmt == "html" else text


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html"])
def test_validate_shows_hostile_names_as_escapes(hostile_names, fmt):
    before = sha256(hostile_names)
    done, _, _ = run_limited("validate", str(hostile_names), "--format", fmt)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert_safe(done.stdout)
    assert sha256(hostile_names) == before
    if fmt == "json":
        report = json.loads(done.stdout)
        assert report["file"] == str(hostile_names)  # JSON keeps the name exact, as \u escapes
        sheets = {f["sheet"] for f in report["findings"] if f["rule"] == "XC402"}
        assert sheets == {SHEET_SHOWN}  # a finding's sheet is shown as it is made
    else:
        assert "case\\x1b[2J\\nFAKE.xlsx: VALID\\n\\x9b31m\\u202e.xlsx" in as_read(done.stdout, fmt)
    if fmt == "text":
        head = done.stdout.splitlines()[0]
        assert re.search(r"\.xlsx: INVALID  completeness \d+%  \d+ errors, \d+ warnings, \d+ info$", head), head


def test_the_coloured_terminal_output_is_safe_too(hostile_names):
    """`validate` on a terminal prints with rich; run it in a pseudo-terminal and read what it wrote."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "200", "TERM": "xterm-256color"}
    child = subprocess.Popen([sys.executable, "-m", "xlcase", "validate", str(hostile_names)], cwd=ROOT,
                             stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert child.wait(timeout=60) == 1
    shown = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")  # the terminal's own line ends
    assert _SGR.search(shown), "a terminal gets colours"
    assert_safe(_SGR.sub("", shown))
    assert "Traceback" not in child.stderr.read().decode()


def test_recalc_export_rules_and_errors_show_hostile_names_as_escapes(hostile_names, tmp_path):
    done, _, _ = run_limited("recalc", str(hostile_names))
    assert done.returncode == 0, done.stderr
    assert_safe(done.stdout)
    assert "\\nFAKE.xlsx: VALID" in done.stdout  # the file's name, in the title line
    exported = tmp_path / "case.yaml"
    done, _, _ = run_limited("export", str(hostile_names), "-o", str(exported))
    assert done.returncode == 1  # the first risk's likelihood cannot be read: it is listed and left out
    assert_safe(done.stderr)
    [problem] = [line for line in done.stderr.splitlines() if "XC102" in line]
    assert f"{cell_reference(SHEET_SHOWN, 'E5')}: " in problem  # quoted, as the Name Box takes it
    assert_safe(done.stdout)
    done, _, _ = run_limited("rules", f"XC4\x1b[2J\n{FORGED}")
    assert done.returncode == 2 and done.stderr.startswith("error: XC100")
    assert_safe(done.stderr)
    not_a_workbook = tmp_path / FILE_NAME
    not_a_workbook.write_text("Option,Cost\n")
    for command in (["recalc"], ["export"], ["new", "--from", str(tmp_path / "missing\x1b[2J.yaml")]):
        target = [str(tmp_path / f"out\n{FORGED}.xlsx")] if command[0] == "new" else [str(not_a_workbook)]
        done, _, _ = run_limited(command[0], *target, *command[1:])
        assert done.returncode == 2, (command, done.stderr)
        assert done.stderr.startswith("error: XC"), done.stderr
        assert "Traceback" not in done.stderr
        assert_safe(done.stderr)
