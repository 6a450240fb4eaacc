"""Outputs that cannot destroy: never half a file, never a file being read, only ever a regular file replaced."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from xlcase.atomic import PARTIAL_MARK, check_output
from xlcase.errors import OutputError
from xlcase.reference import REFERENCE_DIR
from xlcase.shipped_data import copy_path
from xlcase.template import templates_dir
from xlcase.validation import expand_paths

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
SLOW_SAVE_LINES = 1500  # cost lines: the workbook takes a second or more to save, long enough to be caught at it


def xlcase(*args: str, file_size: int | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m xlcase ...`; with ``file_size``, no file it writes may grow beyond that many bytes."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    return subprocess.run([sys.executable, "-m", "xlcase", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
                          preexec_fn=limit if file_size else None)


def partials(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if PARTIAL_MARK in p.name]


@pytest.fixture()
def workbook(tmp_path, example_workbook) -> Path:
    path = tmp_path / "case.xlsx"
    shutil.copyfile(example_workbook, path)
    return path


def test_new_never_replaces_its_own_case_file(tmp_path):
    case = tmp_path / "case.yaml"
    shutil.copyfile(EXAMPLE, case)
    os.link(case, tmp_path / "same-file.xlsx")
    before = case.read_bytes()
    for out in (case, tmp_path / "same-file.xlsx"):
        done = xlcase("new", str(out), "--from", str(case), "--force")
        assert done.returncode == 2 and done.stderr.startswith("error: XC011"), done.stderr
        assert "file being read" in done.stderr and "Traceback" not in done.stderr
    assert case.read_bytes() == before and not partials(tmp_path)


def test_no_output_replaces_xlcase_own_templates_or_reference_data():
    shipped = [*templates_dir().glob("*.yaml"), *REFERENCE_DIR.glob("*.yaml")]
    for data in [*shipped, *(copy_path(path) for path in shipped)]:  # the YAML files and their JSON copies
        with pytest.raises(OutputError, match="file being read"):
            check_output(data, force=True)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _device(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
    except PermissionError:
        pytest.skip("making a device node needs root")


def _link_to_file(path: Path) -> None:
    path.with_name("target.txt").write_text("the link's target")
    path.symlink_to(path.with_name("target.txt"))


def _dangling_link(path: Path) -> None:
    path.symlink_to(path.with_name("nowhere.txt"))


def _folder(path: Path) -> None:
    path.mkdir()


@pytest.mark.parametrize("make", [_fifo, _device, _link_to_file, _dangling_link, _folder])
@pytest.mark.parametrize("command", [["new", "{out}", "--force"],
                                     ["validate", "{book}", "-o", "{out}", "--force"],
                                     ["export", "{book}", "-o", "{out}", "--force"]])
def test_only_a_regular_file_is_ever_replaced(tmp_path, workbook, make, command):
    out = tmp_path / "out.xlsx"
    make(out)
    before = os.lstat(out)
    target = out.with_name("target.txt")
    text = target.read_text() if target.exists() else None
    done = xlcase(*[a.format(out=out, book=workbook) for a in command])
    assert done.returncode == 2 and done.stderr.startswith("error: XC011"), done.stderr
    assert "Traceback" not in done.stderr
    after = os.lstat(out)
    assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)
    assert (target.read_text() if target.exists() else None) == text
    assert not partials(tmp_path)


def test_a_write_that_fails_midway_keeps_the_old_file_whole(tmp_path, workbook):
    """A save that stops half-way (here: the file-size limit is reached) never leaves half a zip in place."""
    before = workbook.read_bytes()
    done = xlcase("new", str(workbook), "--from", str(EXAMPLE), "--force", file_size=len(before) // 4)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: XC011") and "cannot write the output" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert workbook.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [workbook.name]


def test_the_replaced_file_keeps_its_permissions(tmp_path, workbook):
    workbook.chmod(0o600)
    assert xlcase("new", str(workbook), "--force").returncode == 0
    assert stat.S_IMODE(workbook.stat().st_mode) == 0o600


@pytest.fixture(scope="module")
def slow_case(tmp_path_factory) -> Path:
    """A case file with enough cost lines that saving its workbook takes a while."""
    case = yaml.safe_load(EXAMPLE.read_text())
    case["costs"] = [dict(case["costs"][0], description=f"line {n}", amounts=list(case["costs"][0]["amounts"]))
                     for n in range(SLOW_SAVE_LINES)]  # lists of their own: a shared list would be dumped as aliases
    path = tmp_path_factory.mktemp("slow") / "slow.yaml"
    path.write_text(yaml.safe_dump(case))
    return path


def _stopped_while_writing(out: Path, case: Path, stop: signal.Signals) -> tuple[int, list[Path]]:
    """Run `xlcase new OUT --from CASE --force`, send ``stop`` once its temporary file appears."""
    command = subprocess.Popen([sys.executable, "-m", "xlcase", "new", str(out), "--from", str(case), "--force"],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not partials(out.parent) and command.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    seen = partials(out.parent)
    assert seen, "the command ended before it was caught writing"
    command.send_signal(stop)
    status = command.wait(60)
    assert b"Traceback" not in command.stderr.read()
    return status, seen


def test_sigterm_while_writing_removes_the_temporary_file(tmp_path, workbook, slow_case):
    before = workbook.read_bytes()
    status, _ = _stopped_while_writing(workbook, slow_case, signal.SIGTERM)
    assert status == 128 + signal.SIGTERM
    assert workbook.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [workbook.name]


def test_a_partial_file_left_by_sigkill_is_recognisable_and_never_read(tmp_path, workbook, slow_case):
    before = workbook.read_bytes()
    status, seen = _stopped_while_writing(workbook, slow_case, signal.SIGKILL)
    assert status == -signal.SIGKILL
    assert workbook.read_bytes() == before
    (left,) = partials(tmp_path)
    assert left.name.startswith(f"{workbook.name}{PARTIAL_MARK}") and "xlcase" in left.name and "partial" in left.name
    assert left.suffix.lower() not in (".xlsx", ".xlsm", ".csv", ".yaml", ".yml", ".json", ".html", ".md")
    assert expand_paths([tmp_path]) == [workbook]  # `xlcase validate folder/` does not take it for a workbook
    done = xlcase("validate", str(tmp_path), "--format", "json")
    assert done.returncode == 0 and left.name not in done.stdout


def test_a_csv_portfolio_that_fails_midway_leaves_the_old_set_whole(tmp_path, example_workbook):
    one, many = tmp_path / "one", tmp_path / "many"
    one.mkdir()
    many.mkdir()
    shutil.copyfile(example_workbook, one / "a.xlsx")
    for n in range(4):
        shutil.copyfile(example_workbook, many / f"{n}.xlsx")
    out, trial = tmp_path / "portfolio", tmp_path / "trial"
    assert xlcase("collect", str(one), "-o", str(out), "--format", "csv").returncode == 0
    assert xlcase("collect", str(many), "-o", str(trial), "--format", "csv").returncode == 0
    new_cases, new_costs = (trial / "cases.csv").stat().st_size, (trial / "costs.csv").stat().st_size
    assert new_cases < new_costs // 2
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # the new cases.csv fits under the limit, the new costs.csv does not: a failure midway through the set
    done = xlcase("collect", str(many), "-o", str(out), "--format", "csv", "--force", file_size=new_costs // 2)
    assert done.returncode == 2 and done.stderr.startswith("error: XC011"), done.stderr
    assert "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
