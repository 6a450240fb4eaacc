"""The `xlcase` command: a thin layer over the library. Each command calls one library function.

Errors raised by the library (XlcaseError) are turned into a one-line message with the rule
code and location, and exit status 2; nothing else here knows about business rules.
Heavy modules are imported inside the commands so that start-up stays fast.
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from xlcase.errors import XlcaseError

app = typer.Typer(
    name="xlcase",
    help="Business cases for NHS assistant practitioners as Excel workbooks: generate, recalculate, validate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


class ReportFormat(str, enum.Enum):
    text = "text"
    json = "json"
    html = "html"
    markdown = "markdown"


class ResultFormat(str, enum.Enum):
    text = "text"
    json = "json"


class CollectFormat(str, enum.Enum):
    xlsx = "xlsx"
    csv = "csv"


def fail(error: XlcaseError) -> None:
    """Print the error the user's way (code, location, message) and exit 2."""
    typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
    raise typer.Exit(EXIT_UNREADABLE)


@app.command()
def new(
    out: Annotated[Path, typer.Argument(help="The workbook to write (.xlsx).")],
    from_: Annotated[Optional[Path], typer.Option("--from", help="A case file (YAML or JSON) to pre-fill it from.")] = None,
    template: Annotated[str, typer.Option(help="The workbook template (see `xlcase templates`).")] = "assistant-practitioner",
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
) -> None:
    """Write a blank or pre-filled business-case workbook."""
    from xlcase.api import new_workbook

    try:
        path = new_workbook(out, case_file=from_, template=template, force=force)
    except XlcaseError as error:
        fail(error)
    typer.echo(f"wrote {path}")


@app.command()
def export(
    workbook: Annotated[Path, typer.Argument(help="A filled workbook (.xlsx).")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Case file to write (.yaml or .json); stdout if omitted.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the output if it exists.")] = False,
) -> None:
    """Read a filled workbook back into a case file (YAML, or JSON for a .json output)."""
    from xlcase.api import export_case

    try:
        text = export_case(workbook, output, force=force)
    except XlcaseError as error:
        fail(error)
    if output is None:
        sys.stdout.write(text)
    else:
        typer.echo(f"wrote {output}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the case file."""
    from xlcase.casefile import case_schema

    typer.echo(json.dumps(case_schema(), indent=2))


@app.command()
def templates() -> None:
    """List the workbook templates available, with their versions."""
    from xlcase.template import available_templates

    for template in available_templates():
        typer.echo(f"{template.name}  {template.version}  {template.title}")


@app.command()
def recalc(
    workbook: Annotated[Path, typer.Argument(help="A filled workbook (.xlsx).")],
    format: Annotated[ResultFormat, typer.Option("--format", help="text or json.")] = ResultFormat.text,
) -> None:
    """Appraisal results computed from the workbook's own inputs (and XC701 for stale saved results)."""
    from xlcase.api import recalc_workbook
    from xlcase.report import render_recalc

    try:
        result = recalc_workbook(workbook)
    except XlcaseError as error:
        fail(error)
    typer.echo(render_recalc(result, format.value), nl=False)


def main() -> None:
    """Entry point that never shows a traceback for a library error."""
    try:
        app()
    except XlcaseError as error:
        typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
        sys.exit(EXIT_UNREADABLE)
