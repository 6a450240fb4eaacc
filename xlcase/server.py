"""`xlcase serve`: xlwings Server with xlcase's Excel functions and scripts registered.

xlwings Server (package ``xlwings-server``) finds the custom functions and scripts it serves by
importing two top-level modules, ``custom_functions`` and ``custom_scripts`` (its router does
``import custom_functions``, falling back to its own examples). ``create_app`` registers
``xlcase.excel`` under both names in ``sys.modules`` before the server is imported, so the
server's own routes (``/xlwings/custom-functions-meta``, ``/xlwings/custom-functions-call``,
``/xlwings/custom-scripts-call/<script>``, the manifest and task pane) serve xlcase.

Settings are xlwings Server's own (``XLWINGS_*`` environment variables). Set before the
server is imported, and only where the user has not set them:

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
from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
LICENSE_ENV = "XLWINGS_LICENSE_KEY"
NONCOMMERCIAL_KEY = "noncommercial"
SERVER_MODULES = ("custom_functions", "custom_scripts")


class ServerNotInstalledError(ImportError):
    """xlwings Server is not installed (``pip install xlcase[server]``)."""


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


def _mark_pyodide_absent() -> None:
    """Make xlwings' per-cell `from pyodide.ffi import JsNull` fail fast on a server.

    xlwings 0.37 tries that import for every cell of every argument; outside Pyodide each failed
    import searches sys.path again (about 0.17 ms a cell, most of a validate call's time). A None
    entry in sys.modules makes Python refuse the import at once. Never done inside Pyodide.
    """
    if "pyodide" not in sys.modules and importlib.util.find_spec("pyodide") is None:
        sys.modules["pyodide"] = None  # type: ignore[assignment]


def _warm_up() -> None:
    """Load the rules and the template before the first request, not while fifty requests wait for it."""
    from xlcase.rules import all_rules
    from xlcase.template import load_template

    all_rules()
    load_template()


def create_app() -> Any:
    """The xlwings Server ASGI app serving xlcase's functions and scripts.

    Returns:
        The app as xlwings Server builds it (CORS and socket.io included), ready for uvicorn.

    Raises:
        ServerNotInstalledError: xlwings or xlwings-server is not installed.
        RuntimeError: xlwings was imported without the server settings, or xlwings Server was already
            imported in this process with other functions.
    """
    configure_environment()
    _mark_pyodide_absent()
    try:
        import xlcase.excel as functions
    except ImportError as error:
        raise ServerNotInstalledError(f"xlwings is not installed: pip install 'xlcase[server]' ({error})") from error
    _warm_up()
    if not all(hasattr(f, "__xlfunc__") for f in functions.FUNCTIONS):
        raise RuntimeError("xlwings was imported before XLWINGS_ON_SERVER=true was set, so its decorators are "
                           "the desktop ones: call create_app() before anything imports xlwings")
    already = sys.modules.get("xlwings_server.routers.xlwings")
    for name in SERVER_MODULES:
        sys.modules[name] = functions
    try:
        from xlwings_server import main
    except ImportError as error:
        raise ServerNotInstalledError(f"xlwings Server is not installed: pip install 'xlcase[server]' ({error})") from error
    if already is not None and getattr(already, "custom_functions", None) is not functions:
        raise RuntimeError("xlwings Server was already started in this process with other custom functions")
    return main.main_app


def run(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, log_level: str = "warning") -> None:
    """Serve xlcase's functions with uvicorn until interrupted.

    Args:
        host: the address to listen on (127.0.0.1 keeps it to this machine).
        port: the TCP port.
        log_level: uvicorn's log level; at "info" or below each request is logged too.
    """
    import uvicorn

    quiet = log_level.lower() not in ("info", "debug", "trace")
    uvicorn.run(create_app(), host=host, port=port, log_level=log_level, access_log=not quiet)
