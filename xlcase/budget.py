"""Worker processes with a time and memory budget per task, so that a batch of files always finishes.

A reviewer validates hundreds of untrusted workbooks unattended: one file that is slow or needs too much
memory (damaged, or built to be) must cost its own budget and nothing more. Each worker takes one task at a
time. Past the time budget the parent kills the worker; past the memory budget (an address-space limit,
RLIMIT_AS, on top of what the worker needed before its first task) an allocation fails and the worker exits.
Either way the task's outcome is a `Stopped` with the reason, a fresh worker takes the next task, and the
batch goes on. A worker also dies with the process that started it (it never runs on as an orphan).

Workers are fresh interpreters (multiprocessing's spawn), never forks of the caller, which may have threads
(a progress bar), and their parent is the caller itself, so that Linux can end them with it. Each worker
runs ``warm`` before it takes its first task (imports, caches), so that start-up never counts against a
task's time budget.
"""

from __future__ import annotations

import collections
import gc
import math
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

GC_THRESHOLD = 50_000  # new container objects between two collections of the youngest generation

try:
    import resource
except ImportError:  # Windows: the time budget holds, the memory budget cannot be set
    resource = None  # type: ignore[assignment]

DEFAULT_SECONDS = 60.0
DEFAULT_MEMORY_MB = 2048
MEMORY_EXIT = 75
"""The exit status of a worker whose allocation failed under its memory budget."""
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Budget:
    """What one task may take: wall-clock seconds, and megabytes of memory beyond the worker's own."""

    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB

    @classmethod
    def from_options(cls, seconds: float | None, memory_mb: int | None) -> Budget | None:
        """The budget a user asked for (defaults for what was left out), or None when nothing was given."""
        if seconds is None and memory_mb is None:
            return None
        return cls(DEFAULT_SECONDS if seconds is None else seconds,
                   DEFAULT_MEMORY_MB if memory_mb is None else memory_mb)

    @property
    def time_reason(self) -> str:
        return f"took longer than {self.seconds:g} s"

    @property
    def memory_reason(self) -> str:
        size = f"{self.memory_mb / 1024:g} GB" if self.memory_mb >= 1024 else f"{self.memory_mb} MB"
        return f"needed more than {size} of memory"


@dataclass(frozen=True)
class Stopped:
    """A task that did not finish: over its budget (``over_budget``), or its worker failed otherwise."""

    reason: str
    over_budget: bool


def run_budgeted(function: Callable[[Any], Any], items: Sequence[Any], *, budget: Budget, jobs: int = 1,
                 warm: Callable[[], None] | None = None,
                 done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """``function(item)`` for every item, each in a worker process under ``budget``.

    Args:
        function: a module-level function (it is sent to the workers by name); its result must pickle.
        items: the tasks' arguments.
        budget: time and memory per task.
        jobs: worker processes at most (no more than there are items).
        warm: run once in each worker before its first task (not counted in any budget).
        done: called with (index, outcome) as each task ends, in the order they end.

    Returns:
        The outcomes in the order of ``items``: the function's result, or a `Stopped`.
    """
    import multiprocessing  # here, not at the top: one workbook in this process never needs it (8 ms)
    from multiprocessing.connection import wait

    outcomes: list[Any] = [None] * len(items)
    queue = collections.deque(range(len(items)))
    workers: list[_Worker] = []
    context = multiprocessing.get_context("spawn")

    def finish(index: int, outcome: Any) -> None:
        outcomes[index] = outcome
        if done is not None:
            done(index, outcome)

    try:
        while queue or any(w.task is not None for w in workers):
            busy = sum(w.task is not None for w in workers)
            while len(workers) < min(max(1, jobs), busy + len(queue)):
                workers.append(_Worker(context, function, warm, budget))
            for worker in workers:
                if worker.ready and worker.task is None and queue:
                    index = queue.popleft()
                    worker.take(index, items[index], budget.seconds)
            deadlines = [w.deadline for w in workers if w.task is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            wait([handle for w in workers for handle in (w.conn, w.process.sentinel)], timeout)
            for worker in list(workers):
                ended = worker.collect(budget, queue)
                if ended is not None:
                    finish(*ended)
                if not worker.alive:
                    workers.remove(worker)
    finally:
        for worker in workers:
            worker.stop()
    return outcomes


class _Ready:
    """What a worker sends once it is warm and may take tasks."""


_NOTHING = object()


class _Worker:
    """One worker process, its end of the pipe, and the task it holds (with the task's deadline)."""

    def __init__(self, context: Any, function: Callable[[Any], Any], warm: Callable[[], None] | None,
                 budget: Budget) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_work, args=(child, function, warm, budget.memory_mb), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.alive = True
        self.task: int | None = None
        self.deadline = math.inf

    def take(self, index: int, item: Any, seconds: float) -> None:
        self.task, self.deadline = index, time.monotonic() + seconds
        try:
            self.conn.send(item)
        except OSError:  # it has just died: collect() reports that for this task
            pass

    def collect(self, budget: Budget, queue: collections.deque[int]) -> tuple[int, Any] | None:
        """The (task, outcome) that has ended, answered, over time or with the worker dead; None meanwhile."""
        message: Any = _NOTHING
        try:
            if self.conn.poll():
                message = self.conn.recv()
        except (EOFError, OSError):
            self.process.join()
        if isinstance(message, _Ready):
            self.ready = True
        elif message is not _NOTHING:
            index, self.task, self.deadline = self.task, None, math.inf
            return index, message
        elif self.process.exitcode is not None:
            self.stop()
            index = self.task
            if index is None and not self.ready and queue:
                index = queue.popleft()  # it died while starting: the next task pays, so a batch always ends
            if index is not None:
                return index, Stopped(*_death(self.process.exitcode, budget))
        elif self.task is not None and time.monotonic() >= self.deadline:
            index = self.task
            self.stop()
            return index, Stopped(budget.time_reason, True)
        return None

    def stop(self) -> None:
        if self.alive:
            self.process.kill()
            self.process.join()
            self.conn.close()
            self.alive = False


def _death(exitcode: int | None, budget: Budget) -> tuple[str, bool]:
    if exitcode == MEMORY_EXIT:
        return budget.memory_reason, True
    if exitcode is not None and exitcode < 0:
        return f"the worker process was killed ({signal.Signals(-exitcode).name})", False
    return f"the worker process stopped (exit status {exitcode})", False


def _work(conn: Connection, function: Callable[[Any], Any], warm: Callable[[], None] | None,
          memory_mb: int) -> None:
    """A worker's life: warm up, take the memory budget, then answer tasks until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole group: the parent handles it
    _die_with_parent()
    if warm is not None:
        try:
            warm()
        except Exception:  # a failing warm-up fails the first task too, and that task reports it
            pass
    settle_garbage_collector()
    _limit_memory(memory_mb)
    try:
        conn.send(_Ready())
        while True:
            conn.send(answer(function, conn.recv()))
    except MemoryError:
        os._exit(MEMORY_EXIT)
    except (EOFError, OSError):  # the parent has gone, or closed the pipe: nothing more to do
        pass


def settle_garbage_collector() -> None:
    """Tune the cycle collector for a worker that has warmed up: what the imports and caches made is
    moved out of the collector's sight (it lives as long as the process), and collections start after
    GC_THRESHOLD new container objects rather than 700. Reading a workbook makes tens of thousands of
    short-lived tuples and dicts, freed by reference counting; scanning them took about a sixth of the
    time of validating a small workbook. Cycles are still collected, only less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


def answer(function: Callable[[Any], Any], item: Any) -> Any:
    """``function(item)``, or a `Stopped` if it raises (a MemoryError is left to the worker, which exits)."""
    try:
        return function(item)
    except MemoryError:
        raise
    except Exception as exc:  # the task's failure is its outcome, not the worker's end
        return Stopped(f"the task failed ({type(exc).__name__}: {exc})", False)


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the caller that started it ends, even in the middle of a task."""
    import ctypes
    import multiprocessing

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError, TypeError):  # not Linux: a worker still ends when its pipe closes
        return
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # the parent ended before the request was made
        os._exit(0)


def _limit_memory(memory_mb: int) -> None:
    """Cap the address space at what the worker uses now plus the budget (Linux; elsewhere no cap)."""
    if resource is None:
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            now = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = now + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
