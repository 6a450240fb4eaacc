"""Worker processes for an asyncio server: each call runs in one, within a time budget, or the worker is killed.

Why processes, not threads: a thread cannot be stopped, so one call that takes too long would keep
a core (and Python's lock) busy for as long as it runs, whatever the caller was told; and a call
that computes in a thread still slows the event loop that answers everyone else. A worker process
that is past its budget is killed, and a fresh one is started in its place in the background.

A call waits for a free worker, at most the budget (then it is answered "busy"), then runs there,
at most the budget (then its worker is killed). The two are apart on purpose: a call that waited
long still gets its full time, so a burst of calls makes some of them wait or answers them busy,
but never kills workers whose calls were fine (each restart costs a second or two of a core).
Only workers that have started (imports done, ``warm_up`` run) are handed calls, so start-up time
never counts against a call.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from xlcase.budget import settle_garbage_collector

logger = logging.getLogger(__name__)

START_WAIT = 120.0  # seconds a new worker process may take to start (imports, warm_up)
KILL_WAIT = 5.0  # seconds to wait for a killed worker process to end
READY = "ready"


class CallFailed(Exception):
    """A call the pool could not answer: past its time budget, no worker free in time, or its worker ended."""


def _serve(connection: Connection, warm_up: Callable[[], None] | None) -> None:
    """A worker's life: warm up, say so, then run each task received and send back ("ok", result) or ("error", exc)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the server, which ends its workers
    try:
        if warm_up is not None:
            warm_up()
        settle_garbage_collector()
        started: tuple[str, Any] = (READY, None)
    except Exception as error:
        started = ("error", RuntimeError(f"a worker process could not start: {type(error).__name__}: {error}"))
    try:
        connection.send(started)
    except OSError:  # the server ended while this worker started
        return
    if started[0] != READY:
        return
    while True:
        try:
            task, args = connection.recv()
        except (EOFError, OSError):  # the server closed the pipe or ended
            return
        try:
            reply: tuple[str, Any] = ("ok", task(*args))
        except Exception as error:
            reply = ("error", error)
        try:
            connection.send(reply)
        except Exception as error:  # the result or the exception cannot be pickled
            connection.send(("error", RuntimeError(f"the answer could not be sent back ({type(error).__name__})")))


class _Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(self, context: Any, warm_up: Callable[[], None] | None) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, warm_up), daemon=True, name="xlcase-worker")
        self.process.start()
        child.close()

    def wait_ready(self) -> None:
        """Block until the worker has started; RuntimeError if it could not."""
        try:
            if not self.connection.poll(START_WAIT):
                raise RuntimeError(f"a worker process did not start within {START_WAIT:g} s")
            status, error = self.connection.recv()
        except (EOFError, OSError):
            raise RuntimeError(f"a worker process ended as it started (exit code {self.process.exitcode})") from None
        if status != READY:
            raise error

    async def call(self, task: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
        """Run the task there and wait for its reply (EOFError or OSError when the process ended).

        The wait is the event loop's (a reader on the pipe), not a thread's: nothing is left blocked
        when a call is given up, and the server never waits for a thread to stop.
        """
        loop = asyncio.get_running_loop()
        descriptor = self.connection.fileno()
        os.set_blocking(descriptor, True)  # uvloop's add_reader leaves the pipe non-blocking
        self.connection.send((task, args))  # the worker is idle and reads at once: milliseconds at most
        replied = loop.create_future()
        loop.add_reader(descriptor, lambda: replied.done() or replied.set_result(None))
        try:
            await replied
        finally:
            loop.remove_reader(descriptor)
        os.set_blocking(descriptor, True)
        return self.connection.recv()

    def stop(self) -> None:
        """End the process now (a call past its budget, or the pool closing)."""
        self.process.kill()
        self.process.join(KILL_WAIT)
        self.connection.close()


class WorkerPool:
    """A fixed number of worker processes; ``await pool.run(task, *args)`` runs ``task(*args)`` in one of them.

    Creating the pool starts the processes and waits until each has started.

    Args:
        size: how many worker processes (and so how many calls run at once).
        budget: seconds a call may wait for a free worker, and then seconds it may run.
        warm_up: run once in each new worker before its first call (imports, caches).

    Raises:
        RuntimeError: a worker could not start (its warm-up failed).
    """

    def __init__(self, size: int, budget: float, warm_up: Callable[[], None] | None = None) -> None:
        self.size = size
        self.budget = budget
        self._warm_up = warm_up
        self._context = multiprocessing.get_context("spawn")  # never fork a process that runs an event loop
        self._workers = [_Worker(self._context, warm_up) for _ in range(size)]
        try:
            for worker in self._workers:
                worker.wait_ready()
        except BaseException:
            self.close()
            raise
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._restarts: set[asyncio.Task[None]] = set()

    async def run(self, task: Callable[..., Any], *args: Any) -> Any:
        """``task(*args)`` in a worker process: its result, or the exception it raised.

        ``task`` and the arguments must pickle (a module-level function, plain data).

        Raises:
            CallFailed: no worker was free within the budget, the call took longer, or its worker ended.
        """
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # an asyncio queue belongs to one loop (a test client may bring another)
            self._loop, self._idle = loop, asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        budget = self.budget
        try:
            worker = await asyncio.wait_for(self._idle.get(), budget)
        except TimeoutError:
            raise CallFailed(f"the server is busy: no worker was free within {budget:g} s; try again") from None
        try:
            status, value = await asyncio.wait_for(worker.call(task, args), budget)
        except BaseException as error:
            # Its call did not come back (late, cancelled, the process ended): the worker may still be computing.
            self._restart(worker)
            if isinstance(error, TimeoutError):
                raise CallFailed(f"took longer than {budget:g} s; try a smaller range or workbook") from None
            if isinstance(error, (EOFError, OSError)):
                raise CallFailed("the calculation stopped unexpectedly (its worker process ended)") from None
            raise
        self._idle.put_nowait(worker)
        if status == "error":
            raise value
        return value

    def _restart(self, worker: _Worker) -> None:
        """Kill the worker and start another in its place, in the background (the caller is answered at once)."""
        restart = asyncio.ensure_future(asyncio.to_thread(self._replace, worker))
        self._restarts.add(restart)
        restart.add_done_callback(self._restarted)

    def _replace(self, worker: _Worker) -> _Worker:
        worker.stop()
        fresh = _Worker(self._context, self._warm_up)
        self._workers[self._workers.index(worker)] = fresh
        fresh.wait_ready()
        return fresh

    def _restarted(self, restart: asyncio.Future[_Worker]) -> None:
        self._restarts.discard(restart)  # type: ignore[arg-type]
        if restart.cancelled():
            return
        if restart.exception() is not None:
            logger.error("xlcase: a worker process could not be restarted: %s", restart.exception())
            return
        self._idle.put_nowait(restart.result())

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and measurements)."""
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def close(self) -> None:
        """End every worker process (idempotent)."""
        for worker in self._workers:
            if not worker.connection.closed:
                worker.stop()
