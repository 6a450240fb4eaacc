"""The `xlcase` command: a thin layer over the library. Each command calls one library function.

Errors raised by the library (XlcaseError) are turned into a one-line message with the rule
code and location, and exit status 2; nothing else here knows about business rules. Every line
printed goes through `say` (or a renderer that does the same), which shows control characters
and line breaks in names as escapes: a file name cannot clear the terminal or forge a line.
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
from xlcase.text import visible

app = typer.Typer(
    name="xlcase",
    help="Business cases for NHS assistant practitioners as Excel workbooks: generate, recalculate, validate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_FINDINGS = 1  # export: some values could not be read (they are listed and left out)
EXIT_UNREADABLE = 2  # a file that cannot be read, or a usage error (0 and 1 of validate: validation.exit_status)
TIMEOUT_HELP = ("Seconds each file of a batch may take (default 60); a file that takes longer is reported "
                "unreadable (XC008) and the batch goes on.")
MEMORY_HELP = ("Megabytes of memory each file of a batch may need (default 2048); a file that needs more is "
               "reported unreadable (XC008) and the batch goes on.")


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


def _show_version(value: bool) -> None:
    if value:
        import xlcase

        typer.echo(f"xlcase {xlcase.__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Business cases for NHS assistant practitioners as Excel workbooks: generate, recalculate, validate."""


def say(line: str, *, err: bool = False, fg: str | None = None) -> None:
    """Print one line; what it quotes from files and arguments cannot act on the terminal or start a line."""
    typer.secho(visible(line), err=err, fg=fg)


def fail(error: XlcaseError) -> None:
    """Print the error the user's way (code, location, message) and exit 2."""
    say(f"error: {error}", err=True, fg=typer.colors.RED)
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
    say(f"wrote {path}")


@app.command()
def export(
    workbook: Annotated[Path, typer.Argument(help="A filled workbook (.xlsx).")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Case file to write (.yaml or .json); stdout if omitted.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the output if it exists.")] = False,
) -> None:
    """Read a filled workbook back into a case file (YAML, or JSON for a .json output)."""
    from xlcase.api import export_case

    try:
        exported = export_case(workbook, output, force=force)
    except XlcaseError as error:
        fail(error)
    if output is None:
        sys.stdout.write(exported.text)
    else:
        say(f"wrote {output}")
    for problem in exported.problems:
        say(f"{problem.severity}: {problem.rule} {problem.where}: {problem.message} (left out)", err=True,
            fg=typer.colors.YELLOW)
    if any(p.severity == "error" for p in exported.problems):
        raise typer.Exit(EXIT_FINDINGS)


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
        say(f"{template.name}  {template.version}  {template.title}")


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


def _codes(text: Optional[str]) -> Optional[list[str]]:
    from xlcase.rules import parse_codes

    return parse_codes(text)


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Workbooks (.xlsx) or folders of workbooks.")],
    format: Annotated[ReportFormat, typer.Option("--format", help="text, json, html or markdown.")] = ReportFormat.text,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write the report to this file (replaced atomically).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Worker processes (0 = one per CPU).")] = 1,
    select: Annotated[Optional[str], typer.Option("--select", help="Only these rule codes or prefixes, comma-separated (XC4,XC601).")] = None,
    ignore: Annotated[Optional[str], typer.Option("--ignore", help="Leave out these rule codes or prefixes, comma-separated.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --output file if it exists.")] = False,
    timeout: Annotated[Optional[float], typer.Option("--timeout", min=0.001, metavar="SECONDS", help=TIMEOUT_HELP)] = None,
    max_memory: Annotated[Optional[int], typer.Option("--max-memory", min=1, metavar="MB", help=MEMORY_HELP)] = None,
) -> None:
    """Validate workbooks (files or folders); never modifies them.

    A batch (several files, or a folder) checks each file in a worker process within its time and memory
    budget; a single file is checked in this process unless --timeout or --max-memory is given.

    Exit status: 0 no error findings, 1 some error finding, 2 a file could not be read or a usage error.
    """
    from xlcase.atomic import check_output
    from xlcase.budget import Budget
    from xlcase.report import print_text, render_validation
    from xlcase.validation import exit_status, expand_paths, validate_paths

    try:
        chosen, left_out = _codes(select), _codes(ignore)
    except XlcaseError as error:
        fail(error)
    files = expand_paths(paths)
    if output is not None:
        try:
            check_output(output, force=force, inputs=files)
        except XlcaseError as error:
            fail(error)
    budget = Budget.from_options(timeout, max_memory)
    if not files:
        say("error: no workbooks (.xlsx or .xlsm) found in the paths given", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_UNREADABLE)
    batch = len(paths) != 1 or paths[0].is_dir()
    show_progress = sys.stderr.isatty() and len(files) > 1 and not (format is ReportFormat.json and output is None)
    if show_progress:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("validating", total=len(files))
            reports = validate_paths(files, jobs, chosen, left_out, progress=lambda _r: bar.advance(task),
                                     budget=budget)
    else:
        reports = validate_paths(files, jobs, chosen, left_out, budget=budget)
    if output is not None:
        from xlcase.atomic import write_text_atomically

        try:
            write_text_atomically(output, render_validation(reports, format.value, batch=batch), force=force,
                                  inputs=files)
        except XlcaseError as error:
            fail(error)
        say(f"wrote {output}", err=True)
    elif format is ReportFormat.text and sys.stdout.isatty():
        print_text(reports, batch=batch)
    else:
        sys.stdout.write(render_validation(reports, format.value, batch=batch))
    raise typer.Exit(exit_status(reports))


@app.command()
def rules(
    code: Annotated[Optional[str], typer.Argument(help="A rule code (XC401) to explain.")] = None,
) -> None:
    """List every rule (code, severity, section, name, what it checks), or explain one rule."""
    from xlcase.rules import get_rule, iter_rules_text

    if code is None:
        for line in iter_rules_text():
            say(line)
        return
    try:
        found = get_rule(code)
    except XlcaseError as error:
        fail(error)
    say(f"{found.code} {found.name} ({found.severity}, section {found.section})")
    say("")
    for line in found.doc.splitlines():
        say(line)


@app.command()
def collect(
    paths: Annotated[list[Path], typer.Argument(help="Workbooks (.xlsx) or folders of workbooks.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The portfolio workbook (.xlsx), or for csv a folder "
                                         "that receives cases.csv, costs.csv and benefits.csv.")],
    format: Annotated[CollectFormat, typer.Option("--format", help="xlsx or csv.")] = CollectFormat.xlsx,
    force: Annotated[bool, typer.Option("--force", help="Replace existing output files.")] = False,
    timeout: Annotated[Optional[float], typer.Option("--timeout", min=0.001, metavar="SECONDS", help=TIMEOUT_HELP)] = None,
    max_memory: Annotated[Optional[int], typer.Option("--max-memory", min=1, metavar="MB", help=MEMORY_HELP)] = None,
) -> None:
    """Collect many submitted cases into one portfolio: a row per case, long tables of costs and benefits.

    Each workbook is read in a worker process within its time and memory budget; one that needs more is
    listed as unreadable (XC008) and the portfolio is still written.
    """
    from xlcase.budget import Budget
    from xlcase.collect import collect_portfolio

    try:
        portfolio = collect_portfolio(paths, output, fmt=format.value, force=force,
                                      budget=Budget.from_options(timeout, max_memory))
    except XlcaseError as error:
        fail(error)
    say(f"wrote {output}: {len(portfolio.cases)} cases, {len(portfolio.costs)} cost rows, "
        f"{len(portfolio.benefits)} benefit rows")


@app.command()
def paper(
    source: Annotated[Path, typer.Argument(help="A workbook (.xlsx) or a case file (.yaml, .yml, .json).")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="The paper to write: .docx, .html or .md "
                                                   "(the format follows the suffix; default SOURCE with .docx).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the output files if they exist.")] = False,
    with_findings: Annotated[bool, typer.Option("--with-findings", help="Append the validation findings.")] = False,
) -> None:
    """Write the business case paper a board reads (Word, HTML or Markdown) from a workbook or a case file.

    Every figure is the engine's appraisal of the case's own inputs; a section with nothing entered says so.
    A Markdown paper's charts are PNG files beside it (NAME.figure-1.png, ...).
    """
    from xlcase.api import write_paper

    try:
        written = write_paper(source, output, force=force, with_findings=with_findings)
    except XlcaseError as error:
        fail(error)
    extra = f" and {len(written) - 1} figure file(s) beside it" if len(written) > 1 else ""
    say(f"wrote {written[0]}{extra}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1 keeps it to this machine).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8000,
) -> None:
    """Run xlwings Server with xlcase's Excel functions and scripts (needs the optional server extra)."""
    import os

    from xlcase.server import LICENSE_ENV, ServerNotInstalledError, run

    if not os.environ.get(LICENSE_ENV):
        typer.echo("xlwings Server runs under the PolyForm Noncommercial licence (NHS bodies and other public "
                   f"health organisations qualify); for commercial use set {LICENSE_ENV} to your xlwings PRO key.",
                   err=True)
    say(f"xlcase functions on xlwings Server at http://{host}:{port} (Ctrl+C stops it)", err=True)
    try:
        run(host, port)
    except ServerNotInstalledError as error:
        say(f"error: {error}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_UNREADABLE) from None


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM ends the command as an exit does, so that temporary outputs are removed and workers stopped."""
    raise SystemExit(128 + signum)


def main() -> None:
    """Entry point that never shows a traceback for a library error."""
    import signal

    signal.signal(signal.SIGTERM, _terminated)
    try:
        app()
    except XlcaseError as error:
        say(f"error: {error}", err=True, fg=typer.colors.RED)
        sys.exit(EXIT_UNREADABLE)
    except OSError as error:  # the file system said no somewhere the library did not expect: still no traceback
        where = f": {error.filename}" if error.filename else ""
        say(f"error: {error.strerror or error}{where}", err=True, fg=typer.colors.RED)
        sys.exit(EXIT_UNREADABLE)
