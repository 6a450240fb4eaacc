"""Recalculate workbooks in headless LibreOffice, the spreadsheet application the tests trust.

A test and benchmark tool, not part of the installed package: tests import it from tests/ and the
benchmarks put tests/ on sys.path.

xlcase's own Python has no ``uno``; Debian's ``/usr/bin/python3`` does (python3-uno). So a
call starts one private headless ``soffice`` listening on a named pipe, and runs the small
UNO script ``lo_worker.py`` under the system Python, which loads each source read-only,
calls ``calculateAll()`` (cached values in a file are never trusted), stores an xlsx copy
and closes the document. The source is never modified; the copy is written beside the
target under a temporary name and renamed into place. The soffice process group and its
private profile directory are removed at the end, also after an error or a timeout.

Typical use (the test-suite and the benchmarks)::

    import libreoffice  # tests/ (the tests and benchmarks put it on sys.path)
    if libreoffice.available():
        seconds = libreoffice.recalculate([(Path("in.xlsx"), Path("out.xlsx"))])

A target ending in ``.pdf`` is the recalculated workbook printed to PDF (each sheet's print set-up
applies). A third item in a pair is a list of edits made in Calc over UNO before the copy is
stored, as a user would make them (unprotect a sheet, insert rows, type values): see lo_worker.py.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

UNO_PYTHON_ENV = "XLCASE_UNO_PYTHON"
DEFAULT_UNO_PYTHON = "/usr/bin/python3"
SOFFICE_ENV = "XLCASE_SOFFICE"
DEFAULT_SOFFICE = "soffice"
WORKER = Path(__file__).with_name("lo_worker.py")
FILTERS = {".pdf": "calc_pdf_Export", ".xlsx": "Calc Office Open XML"}
PROFILE_PREFIX = "xlcase-lo-"
PROBE_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.05
WORKER_GRACE_SECONDS = 5.0
SHUTDOWN_GRACE_SECONDS = 10.0
TERMINATE_GRACE_SECONDS = 5.0
LOG_TAIL_CHARS = 2000


class LibreOfficeError(RuntimeError):
    """LibreOffice could not be started, timed out, or did not write a workbook."""


@dataclass(frozen=True)
class LibreOfficeTimings:
    """How long one :func:`recalculate_timed` call took.

    Attributes:
        startup_seconds: from starting soffice until the worker was connected to it.
        seconds: per workbook, in the order given: load + recalculate + save + close.
        total_seconds: the whole call, start-up and shutdown included.
    """

    startup_seconds: float
    seconds: list[float]
    total_seconds: float


def uno_python() -> str:
    """The Python interpreter that can ``import uno`` (``$XLCASE_UNO_PYTHON`` or /usr/bin/python3)."""
    return os.environ.get(UNO_PYTHON_ENV) or DEFAULT_UNO_PYTHON


def soffice() -> str | None:
    """The full path of the soffice program (``$XLCASE_SOFFICE`` or soffice on PATH), or None."""
    return shutil.which(os.environ.get(SOFFICE_ENV) or DEFAULT_SOFFICE)


@functools.cache
def _uno_importable(python: str) -> bool:
    try:
        probe = subprocess.run(
            [python, "-I", "-c", "import uno"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=PROBE_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def available() -> bool:
    """Whether workbooks can be recalculated here.

    Returns:
        True when soffice is on PATH and the UNO Python (see :func:`uno_python`) can import ``uno``.
    """
    return soffice() is not None and WORKER.exists() and _uno_importable(uno_python())


Pair = tuple[Path, Path] | tuple[Path, Path, Sequence[dict]]


def recalculate(pairs: Sequence[Pair], timeout: float = 300) -> list[float]:
    """Recalculate each source workbook in one headless LibreOffice and save it as xlsx at its target.

    Args:
        pairs: ``(source, target)`` paths, or ``(source, target, edits)``. Sources are never
            modified; a target (.xlsx, or .pdf for the printed pages) is replaced if it exists.
        timeout: seconds for the whole call, LibreOffice's start-up included.

    Returns:
        Seconds spent on each workbook (load + recalculate + save), in the order given.

    Raises:
        FileNotFoundError: a source, or a target's folder, does not exist.
        ValueError: a target is its own source, or two pairs share a target.
        LibreOfficeError: LibreOffice is not available, timed out, or did not write a target
            (its message included). Targets that were written are kept.
    """
    return recalculate_timed(pairs, timeout).seconds


def recalculate_timed(pairs: Sequence[Pair], timeout: float = 300) -> LibreOfficeTimings:
    """Like :func:`recalculate`, also reporting LibreOffice's start-up time (for benchmarks).

    Args:
        pairs: ``(source, target)`` paths, as for :func:`recalculate`.
        timeout: seconds for the whole call.

    Returns:
        The start-up, per-workbook and total seconds.

    Raises:
        FileNotFoundError: a source, or a target's folder, does not exist.
        ValueError: a target is its own source, or two pairs share a target.
        LibreOfficeError: as for :func:`recalculate`.
    """
    jobs = _checked(pairs)
    if not jobs:
        return LibreOfficeTimings(0.0, [], 0.0)
    program = soffice()
    if program is None or not available():
        raise LibreOfficeError(
            f"LibreOffice is not available: needs soffice on PATH and {uno_python()} able to import uno "
            "(apt-get install libreoffice-calc-nogui python3-uno)"
        )
    return _Run(program, [(s, t) for s, t, _ in jobs], timeout, [e for _, _, e in jobs]).execute()


def _checked(pairs: Sequence[Pair]) -> list[tuple[Path, Path, list[dict]]]:
    """Absolute (source, target, edits), after checking the paths exist and do not collide."""
    jobs: list[tuple[Path, Path, list[dict]]] = []
    seen: set[Path] = set()
    for source, target, *rest in pairs:
        edits = list(rest[0]) if rest else []
        source = Path(source).resolve()
        target = Path(target).resolve()
        if not source.exists():
            raise FileNotFoundError(f"workbook to recalculate not found: {source}")
        if not source.is_file():
            raise FileNotFoundError(f"workbook to recalculate is not a file: {source}")
        if not target.parent.exists():
            raise FileNotFoundError(f"folder for the recalculated workbook not found: {target.parent}")
        if target == source:
            raise ValueError(f"target is the source itself (the source is never modified): {source}")
        if target in seen:
            raise ValueError(f"two workbooks would be written to the same target: {target}")
        if target.suffix.lower() not in FILTERS:
            raise ValueError(f"LibreOffice writes .xlsx or .pdf targets, not {target.name}")
        seen.add(target)
        jobs.append((source, target, edits))
    return jobs


def _tail(path: Path) -> str:
    try:
        text = path.read_text(errors="replace").strip()
    except OSError:
        return ""
    return text[-LOG_TAIL_CHARS:]


def _has_exited(pid: int) -> bool:
    """Whether a child has exited, without reaping it (so its process group id stays ours)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _wait_exited(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not _has_exited(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class _Run:
    """One soffice process, one worker, one private profile: started, used and torn down."""

    def __init__(self, program: str, jobs: list[tuple[Path, Path]], timeout: float,
                 edits: list[list[dict]] | None = None) -> None:
        self.program = program
        self.jobs = jobs
        self.edits = edits or [[] for _ in jobs]
        self.timeout = timeout
        self.key = uuid.uuid4().hex
        self.root = Path(tempfile.gettempdir()) / f"{PROFILE_PREFIX}{self.key}"
        self.temporaries = [t.with_name(f".{t.stem}.xlcase-{self.key[:12]}{t.suffix}") for _, t in jobs]
        self.office: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None

    def execute(self) -> LibreOfficeTimings:
        started = time.time()
        self.root.mkdir(mode=0o700)
        try:
            reply = self._run(started)
            return self._finish(reply, started)
        finally:
            self._stop()
            for temporary in self.temporaries:
                temporary.unlink(missing_ok=True)
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, started: float) -> dict:
        pipe = f"xlcase-{self.key}"
        deadline = time.monotonic() + self.timeout
        with open(self.root / "soffice.log", "wb") as log:
            self.office = subprocess.Popen(
                [
                    self.program,
                    f"-env:UserInstallation={self.root.as_uri()}",
                    "--headless",
                    "--invisible",
                    "--nologo",
                    "--norestore",
                    "--nodefault",
                    "--nolockcheck",
                    f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        request = {
            "connect": f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext",
            "connect_timeout": self.timeout,
            "jobs": [
                {"source": source.as_uri(), "target": temporary.as_uri(),
                 "filter": FILTERS[target.suffix.lower()], "edits": edits}
                for (source, target), temporary, edits in zip(self.jobs, self.temporaries, self.edits, strict=True)
            ],
        }
        out_path, err_path = self.root / "worker.out", self.root / "worker.err"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            self.worker = subprocess.Popen(
                [uno_python(), "-I", str(WORKER)], stdin=subprocess.PIPE, stdout=out, stderr=err
            )
            assert self.worker.stdin is not None
            self.worker.stdin.write(json.dumps(request).encode())
            self.worker.stdin.close()
            self._wait_for_worker(deadline, err_path)
        try:
            return json.loads(out_path.read_text())
        except (OSError, ValueError) as exc:
            raise LibreOfficeError(
                f"the LibreOffice worker failed (exit status {self.worker.returncode}): "
                f"{_tail(err_path) or _tail(self.root / 'soffice.log') or exc}"
            ) from exc

    def _wait_for_worker(self, deadline: float, err_path: Path) -> None:
        assert self.worker is not None and self.office is not None
        while self.worker.poll() is None:
            if time.monotonic() > deadline:
                raise LibreOfficeError(
                    f"LibreOffice did not finish {len(self.jobs)} workbook(s) within {self.timeout:g} s"
                )
            if _has_exited(self.office.pid):
                try:  # the worker may be printing its results as soffice shuts down
                    self.worker.wait(WORKER_GRACE_SECONDS)
                    return
                except subprocess.TimeoutExpired:
                    status = os.waitid(os.P_PID, self.office.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
                    raise LibreOfficeError(
                        f"LibreOffice exited (status {status.si_status if status else '?'}) before the workbooks "
                        f"were recalculated: {_tail(self.root / 'soffice.log') or _tail(err_path) or 'no message'}"
                    ) from None
            time.sleep(POLL_SECONDS)

    def _finish(self, reply: dict, started: float) -> LibreOfficeTimings:
        results = reply.get("results", [])
        if len(results) != len(self.jobs):
            raise LibreOfficeError(f"the LibreOffice worker answered for {len(results)} of {len(self.jobs)} workbooks")
        failures = []
        for (source, target), temporary, result in zip(self.jobs, self.temporaries, results, strict=True):
            error = result.get("error")
            if error is None and not (temporary.exists() and temporary.stat().st_size > 0):
                error = f"LibreOffice reported success but wrote nothing for {source}"
            if error is None:
                os.replace(temporary, target)
            else:
                failures.append(f"{target}: {error}")
        if failures:
            raise LibreOfficeError("LibreOffice did not write " + "; ".join(failures))
        return LibreOfficeTimings(
            startup_seconds=max(0.0, float(reply.get("connected_at", started)) - started),
            seconds=[float(r["seconds"]) for r in results],
            total_seconds=time.time() - started,
        )

    def _stop(self) -> None:
        """Stop the worker, then soffice: a clean exit if it is on its way, else terminate, then kill."""
        finished_cleanly = False
        if self.worker is not None:
            finished_cleanly = self.worker.poll() == 0
            if self.worker.poll() is None:
                self.worker.kill()
                self.worker.wait()
        if self.office is None:
            return
        pid = self.office.pid  # the session leader: its pid is the process group id
        if not (finished_cleanly and _wait_exited(pid, SHUTDOWN_GRACE_SECONDS)):
            _signal_group(pid, signal.SIGTERM)
            _wait_exited(pid, TERMINATE_GRACE_SECONDS)
        _signal_group(pid, signal.SIGKILL)  # leftovers such as soffice.bin; the leader is not reaped yet
        self.office.wait()
