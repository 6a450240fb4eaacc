"""Recalculate workbooks in a running headless LibreOffice over UNO.

Run by ``tests/libreoffice.py`` with the system Python that has ``uno`` (Debian's
``/usr/bin/python3`` and python3-uno); xlcase's own Python never imports it. Only the
standard library and ``uno`` are used, and ``uno`` is imported inside ``main`` so that
importing this file by accident does no harm.

Input (JSON on stdin)::

    {"connect": "uno:pipe,name=...;urp;StarOffice.ComponentContext",
     "connect_timeout": 60,
     "jobs": [{"source": "file:///...", "target": "file:///...",
               "filter": "calc_pdf_Export", "edits": [...]}, ...]}

``filter`` is optional (default: xlsx). ``edits`` (optional) are applied, in order, after the
recalculation and before the copy is stored, as a user would make them in Calc::

    {"unprotect": "Risks"}                               # Tools > Protect Sheet, untick
    {"sheet": "Risks", "insert_rows": 7, "count": 1}     # insert rows before row 7 (1-based)
    {"sheet": "Risks", "cell": "B7", "command": ".uno:InsertRowsBefore"}  # a menu command at a cell
    {"sheet": "Risks", "cell": "B7", "value": "text"}    # type a value (a number, or text)
    {"sheet": "Risks", "cell": "G7", "formula": "=1+1"}  # type a formula
    {"recalculate": true}

Output (one JSON object on stdout)::

    {"connected_at": <time.time() when connected>,
     "results": [{"seconds": 0.21, "error": null}, ...]}

Each job loads the source read-only and hidden, with macros and link updates off, calls
``calculateAll()`` so no cached value is trusted, stores a copy as xlsx at the target URL
and closes the document. A failing job records LibreOffice's message and the next one runs.
"""

from __future__ import annotations

import json
import sys
import time

XLSX_FILTER = "Calc Office Open XML"
NEVER_EXECUTE = 0  # com.sun.star.document.MacroExecMode.NEVER_EXECUTE
NO_UPDATE = 0  # com.sun.star.document.UpdateDocMode.NO_UPDATE
RETRY_SECONDS = 0.1


def _properties(uno, **values):
    """A tuple of com.sun.star.beans.PropertyValue from keyword arguments."""
    props = []
    for name, value in values.items():
        prop = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        prop.Name = name
        prop.Value = value
        props.append(prop)
    return tuple(props)


def _connect(uno, address, timeout):
    """The remote component context, retrying until LibreOffice accepts or the timeout passes."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(address)
        except Exception as exc:  # NoConnectException until soffice listens
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not connect to LibreOffice at {address}: {_message(exc)}") from exc
            time.sleep(RETRY_SECONDS)


def _message(exc):
    """LibreOffice's own message for a UNO exception, or the Python one."""
    text = getattr(exc, "Message", None) or str(exc)
    return f"{type(exc).__name__}: {text}".strip()


def _close(document):
    """Close a document, falling back to dispose when it cannot be closed."""
    try:
        document.close(True)
    except Exception:
        try:
            document.dispose()
        except Exception:
            pass


def _edit(uno, document, edit):
    """Apply one edit (see the module docstring) to a loaded spreadsheet document."""
    if edit.get("recalculate"):
        document.calculateAll()
        return
    if "unprotect" in edit:
        document.getSheets().getByName(edit["unprotect"]).unprotect("")
        return
    sheet = document.getSheets().getByName(edit["sheet"])
    if "command" in edit:  # as chosen from the menu, with the cell selected
        controller = document.getCurrentController()
        controller.setActiveSheet(sheet)
        controller.select(sheet.getCellRangeByName(edit["cell"]))
        context = uno.getComponentContext()
        dispatcher = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", context)
        dispatcher.executeDispatch(controller.getFrame(), edit["command"], "", 0, ())
    elif "insert_rows" in edit:
        sheet.getRows().insertByIndex(int(edit["insert_rows"]) - 1, int(edit.get("count", 1)))
    elif "formula" in edit:
        sheet.getCellRangeByName(edit["cell"]).setFormula(edit["formula"])
    elif isinstance(edit.get("value"), (int, float)):
        sheet.getCellRangeByName(edit["cell"]).setValue(edit["value"])
    else:
        sheet.getCellRangeByName(edit["cell"]).setString(str(edit["value"]))


def _recalculate_one(uno, desktop, source, target, filter_name=XLSX_FILTER, edits=()):
    """Load, recalculate, edit, store and close one workbook; return LibreOffice's message on failure, else None."""
    load_props = _properties(
        uno,
        Hidden=True,
        ReadOnly=not edits,
        MacroExecutionMode=NEVER_EXECUTE,
        UpdateDocMode=NO_UPDATE,
        RepairPackage=False,
    )
    try:
        document = desktop.loadComponentFromURL(source, "_blank", 0, load_props)
    except Exception as exc:
        return f"could not load {source}: {_message(exc)}"
    if document is None:
        return f"could not load {source}: LibreOffice returned no document"
    try:
        if not hasattr(document, "calculateAll") or not document.supportsService(
            "com.sun.star.sheet.SpreadsheetDocument"
        ):
            return f"{source} did not open as a spreadsheet"
        document.calculateAll()
        for edit in edits:
            _edit(uno, document, edit)
        document.storeToURL(target, _properties(uno, FilterName=filter_name, Overwrite=True))
    except Exception as exc:
        return f"could not recalculate {source}: {_message(exc)}"
    finally:
        _close(document)
    return None


def main():
    """Read the jobs from stdin, run them, print the timings as JSON."""
    import uno

    request = json.load(sys.stdin)
    context = _connect(uno, request["connect"], float(request.get("connect_timeout", 60)))
    connected_at = time.time()
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    results = []
    for job in request["jobs"]:
        started = time.perf_counter()
        error = _recalculate_one(uno, desktop, job["source"], job["target"], job.get("filter") or XLSX_FILTER,
                                 job.get("edits") or ())
        results.append({"seconds": time.perf_counter() - started, "error": error})
    json.dump({"connected_at": connected_at, "results": results}, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    try:
        desktop.terminate()
    except Exception:
        pass  # the bridge goes away while terminating; the parent makes sure soffice is gone


if __name__ == "__main__":
    main()
