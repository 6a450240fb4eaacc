"""The README is the user's manual: its commands and examples run, and it documents every command."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from xlcase.cli import app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def xlcase_commands() -> list[str]:
    """Every `xlcase ...` command in the README's shell blocks, in order (set-up one-liner included)."""
    commands = []
    for block in code_blocks("bash"):
        for line in block.splitlines():
            for part in line.split("&&"):
                part = part.split("#")[0].strip()
                if part.startswith("xlcase "):
                    commands.append(part)
    return commands


def test_readme_commands_run(tmp_path):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    (tmp_path / "submissions").mkdir()
    commands = xlcase_commands()
    assert any(c.startswith("xlcase validate") for c in commands)
    for command in commands:
        if "submissions/" in command:  # the reviewer's folder: put the workbooks made so far in it
            for made in tmp_path.glob("*.xlsx"):
                (tmp_path / "submissions" / made.name).write_bytes(made.read_bytes())
        args = shlex.split(command)[1:]
        done = subprocess.run([sys.executable, "-m", "xlcase", *args], cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode in (0, 1), (command, done.stderr)  # 1: the blank workbook has error findings
        assert "Traceback" not in done.stderr


def test_readme_python_example_runs(tmp_path, monkeypatch):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    (block,) = code_blocks("python")
    exec(compile(block, "README.md", "exec"), {})


def test_every_command_is_in_the_cli_reference():
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert names
    for name in names:
        assert f"`xlcase {name}" in README, name


def test_setup_and_test_commands_are_the_ones_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python -m pytest -q" in README and "python -m pytest -q" in ci
    assert "pip install -e '.[test]'" in README and "pip install -q -e '.[test]'" in ci
