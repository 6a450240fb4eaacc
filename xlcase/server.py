"""`xlcase serve`: xlwings Server with xlcase's Excel functions and scripts registered, within limits.

xlwings Server (package ``xlwings-server``) finds the custom functions and scripts it serves by
importing two top-level modules, ``custom_functions`` and ``custom_scripts`` (its router does
``import custom_functions``, falling back to its own examples). ``create_app`` registers
xlcase's functions and scripts under both names in ``sys.modules`` before the server is
imported, so the server's own routes (``/xlwings/custom-functions-meta``,
``/xlwings/custom-functions-call``, ``/xlwings/custom-scripts-call/<script>``, the manifest and
task pane) serve xlcase. What it registers are the stand-ins of ``xlcase.serving``, which run
the work in worker processes (``xlcase.workers``), so that one slow call does not hold up the
others, and within these limits (``Limits``; each an environment variable):

- ``XLCASE_SERVE_MAX_BODY_BYTES`` (default 5,000,000): a larger request body is answered 413,
  before anything reads it as JSON. Parsing the JSON of a body is the one large piece of a call's
  work left on the server's event loop: 0.1-0.3 s at this limit on a 2-core machine.
- ``XLCASE_SERVE_MAX_BYTES_IN_FLIGHT`` (default 25,000,000): the bodies of all the calls being
  handled at once (waiting for a worker or computing); a body beyond it is answered 503 "busy",
  which the add-in retries. What the server holds for its calls grows with these bytes (about 7
  times: JSON, then Python objects), so its memory stays bounded however many users send large ranges at once.
- ``XLCASE_SERVE_MAX_CELLS`` (default 200,000): the cells of one call, a function's arguments
  together or a script's workbook; more is ``#VALUE!`` with a message (a script: a row on its sheet).
- ``XLCASE_SERVE_TIME_LIMIT`` (default 10 seconds): a call still computing after this long is
  ``#VALUE!`` "took longer than 10 s", and its worker process is killed and replaced; a call that
  finds no worker free for this long is ``#VALUE!`` "the server is busy".
- ``XLCASE_SERVE_WORKERS`` (default 3): worker processes (about 100 MB each, 170 MB computing a call
  at the cell limit), so calls computed at once. One more than a 2-core machine's cores: while the
  server's event loop is busy reading requests, a worker that has answered waits for its next call,
  and with two workers they stood idle so often that 50 calls in flight got half the throughput of
  5 (350 calls/s against 600); with three, 600 at either.

xlwings Server's own settings (``XLWINGS_*`` environment variables) are set before the server is
imported, and only where the user has not set them:

- ``XLWINGS_LICENSE_KEY=noncommercial``: xlwings Server is dual-licensed, PolyForm
  Noncommercial 1.0.0 (which covers public health organisations and government institutions,
  so NHS bodies) or a paid xlwings PRO licence; a commercial user sets their own key.
- ``XLWINGS_PROJECT_DIR``: a new private empty directory, so that a ``.env``, ``config.py``,
  ``pyproject.toml`` or ``custom_functions/`` in whatever directory the command runs from is
  not picked up (the server puts its project directory first on ``sys.path``).
- ``XLWINGS_FUNCTIONS_NAMESPACE`` empty, so that the functions have the same names as with
  the classic add-in (``=XLCASE_NPV(...)``).

One app per process: the server's modules read their settings once, on first import.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from xlcase.errors import BadInputError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
LICENSE_ENV = "XLWINGS_LICENSE_KEY"
NONCOMMERCIAL_KEY = "noncommercial"
SERVER_MODULES = ("custom_functions", "custom_scripts")
PYODIDE_MODULES = ("pyodide", "pyodide.ffi")  # what xlwings imports to recognise Pyodide (see mark_pyodide_absent)
TOO_LARGE = 413
BUSY = 503


class ServerNotInstalledError(ImportError):
    """xlwings Server is not installed (``pip install xlcase[server]``)."""


@dataclass(frozen=True)
class Limits:
    """What one call to the server may cost (see the module doc); ``from_environment`` reads the overrides."""

    max_body_bytes: int = 5_000_000
    max_bytes_in_flight: int = 25_000_000
    max_cells: int = 200_000
    time_limit: float = 10.0
    workers: int = 3

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Limits:
        """The defaults, each replaced by its ``XLCASE_SERVE_<NAME>`` variable where set.

        Raises:
            BadInputError: a variable that is not a positive number (a whole one, but for the time limit).
        """
        values: dict[str, Any] = {}
        for field in fields(cls):
            name = limit_env(field.name)
            text = environ.get(name, "").strip()
            if not text:
                continue
            try:
                value = float(text) if field.type == "float" else int(text)
            except ValueError:
                value = 0
            if value <= 0:
                kind = "number" if field.type == "float" else "whole number"
                raise BadInputError(f"{name} must be a positive {kind}, got {text[:40]!r}")
            values[field.name] = value
        return cls(**values)


def limit_env(name: str) -> str:
    """The environment variable of one of the Limits: ``max_cells`` -> ``XLCASE_SERVE_MAX_CELLS``."""
    return f"XLCASE_SERVE_{name.upper()}"


class BodyLimit:
    """ASGI middleware: bodies over ``max_bytes`` are answered 413, and bodies beyond ``max_in_flight`` bytes
    of all requests being handled are answered 503 (busy), each with a message, before anything parses them.

    The body is read here (never more than the limit kept) and handed on whole. A request holds its
    body's bytes "in flight" until it is answered: what the server holds in memory for calls waiting
    or computing (their JSON, then their arguments) grows with those bytes, so it stays bounded
    however many users send large ranges at once. 503 is a code the Excel add-in retries.
    """

    def __init__(self, app: Any, max_bytes: int, max_in_flight: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_in_flight = max_in_flight
        self.in_flight = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, TOO_LARGE, f"the request is larger than {self.max_bytes:,} bytes, the most xlcase "
                          f"serve takes ({limit_env('max_body_bytes')}); use smaller ranges")
            return
        chunks, size = [], 0
        try:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away before sending its body
                chunk = message.get("body", b"")
                size += len(chunk)
                self.in_flight += len(chunk)
                if size > self.max_bytes:
                    await _refuse(send, TOO_LARGE, f"the request is larger than {self.max_bytes:,} bytes, the most "
                                  f"xlcase serve takes ({limit_env('max_body_bytes')}); use smaller ranges")
                    return
                if self.in_flight > self.max_in_flight:
                    await _refuse(send, BUSY, "the server is busy with other large requests; try again")
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            chunks.clear()
            delivered = False

            async def replay() -> dict[str, Any]:
                nonlocal delivered
                if delivered:
                    return await receive()
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}

            await self.app(scope, replay, send)
        finally:
            self.in_flight -= size


async def _refuse(send: Any, status: int, message: str) -> None:
    text = f"xlcase: {message}".encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(text)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text})


def configure_environment() -> None:
    """Set the xlwings Server settings xlcase needs, keeping any the user has set (see the module doc)."""
    os.environ.setdefault(LICENSE_ENV, NONCOMMERCIAL_KEY)
    os.environ["XLWINGS_ON_SERVER"] = "true"
    os.environ.setdefault("XLWINGS_FUNCTIONS_NAMESPACE", "")
    os.environ.setdefault("XLWINGS_ENABLE_EXAMPLES", "false")
    os.environ.setdefault("XLWINGS_LOG_LEVEL", "WARNING")  # xlwings Server logs every call at INFO: slow under load
    if "XLWINGS_PROJECT_DIR" not in os.environ:
        project = tempfile.mkdtemp(prefix="xlcase-server-")
        atexit.register(shutil.rmtree, project, ignore_errors=True)
        os.environ["XLWINGS_PROJECT_DIR"] = project


def mark_pyodide_absent() -> None:
    """Make xlwings' per-cell `from pyodide.ffi import JsNull` fail fast on a server.

    xlwings 0.37 tries that import for every cell of every argument; outside Pyodide each failed
    import searches sys.path again (about 0.17 ms a cell). A None entry in sys.modules makes Python
    refuse the import at once: for ``pyodide`` alone it still takes the import lock and builds the
    error on the way to ``pyodide.ffi`` (about 20 µs a cell on a busy 2-core machine), for
    ``pyodide.ffi`` too it is refused at the first look-up (about 6 µs). Never done inside Pyodide.
    """
    if "pyodide" not in sys.modules and importlib.util.find_spec("pyodide") is None:
        for name in PYODIDE_MODULES:
            sys.modules[name] = None  # type: ignore[assignment]


def skip_jsnull_checks() -> None:
    """Answer xlwings' per-cell Pyodide check (`is_jsnull`) without trying an import, outside Pyodide.

    Even refused at once (mark_pyodide_absent), the import it tries for every cell of every argument
    still goes through the import machinery: about 5 µs a cell, a quarter of validating a table of a
    hundred cells. Outside Pyodide there is no JsNull, so the answer is always no. Call it once
    xlwings is imported; inside Pyodide it does nothing.
    """
    if sys.modules.get("pyodide") is not None or importlib.util.find_spec("pyodide") is not None:
        return
    import xlwings.conversion.standard
    import xlwings.utils

    for module in (xlwings.utils, xlwings.conversion.standard):
        if hasattr(module, "is_jsnull"):
            module.is_jsnull = _never_jsnull


def _never_jsnull(_value: Any) -> bool:
    return False


_app: Any = None  # the one app of this process (see the module doc)


def create_app(limits: Limits | None = None) -> Any:
    """The xlwings Server ASGI app serving xlcase's functions and scripts, within the limits.

    Starts the worker processes (ended when the process exits). A second call returns the same app.

    Args:
        limits: what one call may cost; by default ``Limits.from_environment()``.

    Returns:
        The app as xlwings Server builds it (CORS and socket.io included), ready for uvicorn.

    Raises:
        ServerNotInstalledError: xlwings or xlwings-server is not installed.
        BadInputError: a limit's environment variable is not a positive number.
        RuntimeError: xlwings was imported without the server settings, or xlwings Server was imported in
            this process before (it would serve other functions).
    """
    global _app
    if _app is not None:
        return _app
    limits = limits or Limits.from_environment()
    configure_environment()
    mark_pyodide_absent()
    try:
        import xlcase.excel as excel
        from xlcase import serving
    except ImportError as error:
        raise ServerNotInstalledError(f"xlwings is not installed: pip install 'xlcase[server]' ({error})") from error
    skip_jsnull_checks()
    if not all(hasattr(f, "__xlfunc__") for f in excel.FUNCTIONS):
        raise RuntimeError("xlwings was imported before XLWINGS_ON_SERVER=true was set, so its decorators are "
                           "the desktop ones: call create_app() before anything imports xlwings")
    if sys.modules.get("xlwings_server.routers.xlwings") is not None:
        raise RuntimeError("xlwings Server was imported in this process before create_app(), so it would serve "
                           "other custom functions: call create_app() first")
    from xlcase.workers import WorkerPool

    pool = WorkerPool(limits.workers, limits.time_limit, serving.warm_up)
    atexit.register(pool.close)
    functions = serving.served_module(pool, limits.max_cells)
    for name in SERVER_MODULES:
        sys.modules[name] = functions
    try:
        _object_cache_on_the_event_loop()
        from xlwings_server import main
    except ImportError as error:
        pool.close()
        raise ServerNotInstalledError(f"xlwings Server is not installed: pip install 'xlcase[server]' ({error})") from error
    main.app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes,  # inside CORS: Excel on the web reads the 413
                            max_in_flight=limits.max_bytes_in_flight)
    _app = main.main_app
    return _app


def _object_cache_on_the_event_loop() -> None:
    """Without an object cache (no XLWINGS_OBJECT_CACHE_URL), answer xlwings Server's cache dependency on the
    event loop. Its dependency is a plain generator that then yields None, and FastAPI runs a plain generator
    in its thread pool: a hand-off to a thread and back for every call. It is replaced before the server's
    routes are defined, so they take the replacement (FastAPI's `dependency_overrides` would instead rebuild
    every dependency of every call, which costs more than the thread)."""
    from xlwings_server import databases

    if databases.redis_pool is None:
        databases.get_redis_client = _no_object_cache


async def _no_object_cache() -> None:
    return None


def app_factory() -> Any:
    """`create_app()` for uvicorn's worker processes (``xlcase serve --workers N``): each builds its own app."""
    return create_app()


def run(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, log_level: str = "warning", workers: int = 1) -> None:
    """Serve xlcase's functions with uvicorn until interrupted.

    Args:
        host: the address to listen on (127.0.0.1 keeps it to this machine).
        port: the TCP port.
        log_level: uvicorn's log level; at "info" or below each request is logged too.
        workers: server processes sharing the port (uvicorn's workers), each with its own app, limits
            and XLCASE_SERVE_WORKERS worker processes; 1 serves from this process.

    Raises:
        BadInputError: a limit's environment variable is not a positive number.
    """
    import uvicorn

    limits = Limits.from_environment()
    print(f"each call: at most {limits.max_cells:,} cells, a {limits.max_body_bytes:,}-byte request and "
          f"{limits.time_limit:g} s, in one of {limits.workers} worker processes (XLCASE_SERVE_* variables)",
          file=sys.stderr)
    quiet = log_level.lower() not in ("info", "debug", "trace")
    if workers > 1:  # each process makes its app: the limits are read from the same environment
        if importlib.util.find_spec("xlwings_server") is None:
            raise ServerNotInstalledError("xlwings Server is not installed: pip install 'xlcase[server]'")
        uvicorn.run(f"{__name__}:app_factory", factory=True, workers=workers, host=host, port=port,
                    log_level=log_level, access_log=not quiet)
    else:
        uvicorn.run(create_app(limits), host=host, port=port, log_level=log_level, access_log=not quiet)
