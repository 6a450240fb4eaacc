"""The command line's own errors and help, through the real command: one kind of error, help people can read."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from xlcase.cli import app

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands]


def xlcase(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlcase", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize(("args", "message"), [
    (["validate", "x.xlsx", "--format", "pdf"],
     "xlcase validate: --format: 'pdf' is not one of 'text', 'json', 'html', 'markdown'"),
    (["validate", "x.xlsx", "--jobs", "-1"], "xlcase validate: --jobs/-j: expected at least 0"),
    (["validate", "x.xlsx", "-j", "two"], "xlcase validate: --jobs/-j: expected a whole number"),
    (["validate", "x.xlsx", "--timeout", "0"], "xlcase validate: --timeout: expected at least 0.001"),
    (["new"], "xlcase new: missing argument 'OUT.xlsx'"),
    (["validate"], "xlcase validate: missing argument 'PATH...'"),
    (["frobnicate"], "xlcase: no such command 'frobnicate'"),
    (["new", "x.xlsx", "--frob"], "xlcase new: no such option: --frob"),
    (["--frob"], "xlcase: no such option: --frob"),
    (["new", "x.xlsx", "--from"], "xlcase new: option '--from' requires an argument"),
    (["new", "x.xlsx", "--force=yes"], "xlcase new: option '--force' does not take a value"),
    (["recalc", "a.xlsx", "b.xlsx"], "xlcase recalc: got unexpected extra argument(s) (b.xlsx)"),
    (["collect", "a.xlsx"], "xlcase collect: missing option '-o' / '--output'"),
    (["serve", "--port", "http"], "xlcase serve: --port: expected a whole number"),
    (["rules", "XC9999"], "XC9999"),
])
def test_a_usage_error_is_one_line_with_its_code(tmp_path, args, message):
    done = xlcase(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: XC100 ") and done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "╭" not in done.stderr and "Usage:" not in done.stderr
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_usage_error_says_where_the_help_is(tmp_path):
    done = xlcase("validate", "x.xlsx", "--jobs", "-1", cwd=tmp_path)
    assert done.stderr.rstrip().endswith("(see `xlcase validate --help`)"), done.stderr


def test_bare_xlcase_shows_the_commands():
    done = xlcase()
    assert done.returncode == 2 and done.stderr == ""
    assert done.stdout.startswith("Usage: xlcase [OPTIONS] COMMAND [ARGS]...")
    assert all(f"  {name} " in done.stdout for name in COMMANDS)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_names_its_values_and_shows_examples(command):
    done = xlcase(*([command] if command else []), "--help")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert not re.search(r"<\w[\w\[\]| ]*>", text), text  # no <bool>, <path>, <list[Path]> placeholders
    assert "{" not in text and "}" not in text, text  # no {out} in the usage line
    assert "╭" not in text
    if command is None:
        assert "xlcase COMMAND --help" in text
        return
    assert text.startswith(f"Usage: xlcase {command} ")
    if command not in ("templates",):
        assert "Examples:" in text and f"    xlcase {command}" in text, text


def test_help_usage_lines_match_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command, usage in (("new", "[OPTIONS] OUT.xlsx"), ("validate", "[OPTIONS] PATH..."),
                           ("export", "[OPTIONS] WORKBOOK.xlsx"), ("rules", "[OPTIONS] [CODE]")):
        assert xlcase(command, "--help").stdout.startswith(f"Usage: xlcase {command} {usage}\n")
        assert f"`xlcase {command} " in readme


def test_options_show_a_word_for_their_value():
    text = xlcase("validate", "--help").stdout
    for option in ("--format FORMAT", "-o, --output FILE", "-j, --jobs N", "--select CODES", "--timeout SECONDS",
                   "--max-memory MB"):
        assert option in text, option
    assert re.search(r"^  --force +Replace", text, flags=re.M)  # a flag has no value word


def test_a_bug_is_one_line_with_xc000_and_its_traceback_only_when_asked(monkeypatch, capsys):
    """An exception xlcase did not raise on purpose (a bug) still reaches the user as one line, exit 3."""
    import xlcase.cli as cli

    def broken(**_kwargs):
        raise KeyError("Costs")

    monkeypatch.setattr(cli, "app", broken)
    monkeypatch.delenv(cli.DEBUG_VARIABLE, raising=False)
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == cli.EXIT_INTERNAL == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: XC000 internal error (KeyError: 'Costs')")
    assert "Traceback" not in err and "XLCASE_DEBUG=1" in err
    monkeypatch.setenv(cli.DEBUG_VARIABLE, "1")
    with pytest.raises(KeyError):
        cli.main()
