"""The `xlcase` command: a thin layer over the library. Each command calls one library function.

Errors raised by the library (XlcaseError) are turned into a one-line message with the rule
code and location, and exit status 2; nothing else here knows about business rules. Every line
printed goes through `say` (or a renderer that does the same), which shows control characters
and line breaks in names as escapes: a file name cannot clear the terminal or forge a line.
Heavy modules are imported inside the commands so that start-up stays fast.

Usage errors from the parser (an unknown option, a bad value, a missing argument) are errors like any
other: one line with XC100 and the command, exit status 2. Help is plain text: the usage line names
the arguments as the README does (OUT.xlsx, PATH...), options show a word for their value, and each
command ends with examples.
"""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperArgument, TyperCommand

from xlcase.errors import BadInputError, XlcaseError
from xlcase.text import visible

try:  # typer 0.2x carries its own copy of click
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover - older typer, on click itself
    from click.exceptions import ClickException, UsageError

app = typer.Typer(
    name="xlcase",
    help="Business cases for NHS assistant practitioners as Excel workbooks: generate, recalculate, validate.",
    epilog="Run `xlcase COMMAND --help` for a command's options and examples.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_FINDINGS = 1  # export: some values could not be read (they are listed and left out)
EXIT_UNREADABLE = 2  # a file that cannot be read, or a usage error (0 and 1 of validate: validation.exit_status)
EXIT_INTERNAL = 3  # a bug in xlcase (XC000): never a traceback unless XLCASE_DEBUG is set
DEBUG_VARIABLE = "XLCASE_DEBUG"
TIMEOUT_HELP = ("Seconds each file of a batch may take (default 60); a file that takes longer is reported "
                "unreadable (XC008) and the batch goes on.")
MEMORY_HELP = ("Megabytes of memory each file of a batch may need (default 2048); a file that needs more is "
               "reported unreadable (XC008) and the batch goes on.")
FLAG = ""  # the metavar of an option that takes no value


class Command(TyperCommand):
    """A command whose help names its arguments as the README does: `xlcase new [OPTIONS] OUT.xlsx`."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except UsageError as error:  # the parser leaves some without the command they are about
            error.ctx = error.ctx or ctx
            raise

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar or (param.name or "").upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name + ("..." if param.nargs != 1 and not name.endswith("...") else ""))
        return pieces

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        arguments = [(param.metavar or (param.name or "").upper(), param.help or "")
                     for param in self.get_params(ctx) if isinstance(param, TyperArgument)]
        options = [record for param in self.get_params(ctx) if not isinstance(param, TyperArgument)
                   and (record := param.get_help_record(ctx)) is not None]
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def examples(*lines: str) -> str:
    """A command's epilog: its examples, kept as written (click does not re-wrap a block after \\b)."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


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
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True, metavar=FLAG,
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


@app.command(cls=Command, epilog=examples(
    "xlcase new blank.xlsx",
    "xlcase new case.xlsx --from examples/ward-assistant-practitioners.yaml",
    "xlcase new case.xlsx --from case.json --force"))
def new(
    out: Annotated[Path, typer.Argument(metavar="OUT.xlsx", help="The workbook to write.", show_default=False)],
    from_: Annotated[Optional[Path], typer.Option("--from", metavar="CASE", help="A case file (.yaml or .json) to "
                                                  "fill the workbook from; without it the workbook is blank.")] = None,
    template: Annotated[str, typer.Option(metavar="NAME", help="The workbook template (`xlcase templates` lists "
                                          "them).")] = "assistant-practitioner",
    force: Annotated[bool, typer.Option("--force", metavar=FLAG, help="Replace OUT.xlsx if it exists.")] = False,
) -> None:
    """Write a blank or pre-filled business-case workbook."""
    from xlcase.api import new_workbook

    try:
        path = new_workbook(out, case_file=from_, template=template, force=force)
    except XlcaseError as error:
        fail(error)
    say(f"wrote {path}")


@app.command(cls=Command, epilog=examples("xlcase export case.xlsx -o case.yaml", "xlcase export case.xlsx"))
def export(
    workbook: Annotated[Path, typer.Argument(metavar="WORKBOOK.xlsx", help="A filled workbook.", show_default=False)],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="CASE", help="The case file to write: "
                                                   "YAML, or JSON for a .json name; without it, YAML is printed.")] = None,
    force: Annotated[bool, typer.Option("--force", metavar=FLAG, help="Replace the output if it exists.")] = False,
) -> None:
    """Read a filled workbook back into a case file.

    YAML, or JSON for a .json output. Every assumption is written, defaults included, so the case file
    records the rates it used. Values that cannot be read are listed with their cells and left out (exit 1).
    """
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


@app.command(cls=Command, epilog=examples("xlcase schema > case-schema.json"))
def schema() -> None:
    """Print the JSON Schema of the case file."""
    import json

    from xlcase.casefile import case_schema

    typer.echo(json.dumps(case_schema(), indent=2))


@app.command(cls=Command)
def templates() -> None:
    """List the workbook templates available, with their versions."""
    from xlcase.template import available_templates

    for template in available_templates():
        say(f"{template.name}  {template.version}  {template.title}")


@app.command(cls=Command, epilog=examples("xlcase recalc case.xlsx", "xlcase recalc case.xlsx --format json"))
def recalc(
    workbook: Annotated[Path, typer.Argument(metavar="WORKBOOK.xlsx", help="A filled workbook.", show_default=False)],
    format: Annotated[ResultFormat, typer.Option("--format", metavar="FORMAT",
                                                 help="text (a table) or json.")] = ResultFormat.text,
) -> None:
    """Recalculate a workbook's appraisal from its own inputs.

    Saved results that disagree with the engine are reported as XC701.
    """
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


@app.command(cls=Command, epilog=examples(
    "xlcase validate case.xlsx",
    "xlcase validate submissions/ --jobs 2 --format html --output review.html",
    "xlcase validate case.xlsx --format json --select XC2,XC601"))
def validate(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Workbooks (.xlsx, .xlsm) or folders of "
                                                "them.", show_default=False)],
    format: Annotated[ReportFormat, typer.Option("--format", metavar="FORMAT", help="text, json, html or "
                                                 "markdown.")] = ReportFormat.text,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE", help="Write the report to this "
                                                   "file (replaced atomically) instead of printing it.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, metavar="N",
                                      help="Worker processes for a batch (0 = one per CPU).")] = 1,
    select: Annotated[Optional[str], typer.Option("--select", metavar="CODES", help="Only these rule codes or "
                                                  "prefixes, comma-separated (XC4,XC601).")] = None,
    ignore: Annotated[Optional[str], typer.Option("--ignore", metavar="CODES", help="Leave out these rule codes or "
                                                  "prefixes, comma-separated.")] = None,
    force: Annotated[bool, typer.Option("--force", metavar=FLAG, help="Replace the --output file if it exists.")] = False,
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


@app.command(cls=Command, epilog=examples("xlcase rules", "xlcase rules XC401"))
def rules(
    code: Annotated[Optional[str], typer.Argument(metavar="CODE", help="A rule code (XC401) to explain; without it, "
                                                  "every rule is listed.", show_default=False)] = None,
) -> None:
    """List the rules, or explain one.

    The list gives each rule's code, severity, section, name and what it checks.
    """
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


@app.command(cls=Command, epilog=examples("xlcase collect submissions/ -o portfolio.xlsx",
                                          "xlcase collect submissions/ -o portfolio --format csv"))
def collect(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Workbooks (.xlsx, .xlsm) or folders of "
                                                "them.", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="OUT", show_default=False,
                                         help="The portfolio workbook (.xlsx), or for csv a folder that receives "
                                         "cases.csv, costs.csv and benefits.csv.")],
    format: Annotated[CollectFormat, typer.Option("--format", metavar="FORMAT",
                                                  help="xlsx or csv.")] = CollectFormat.xlsx,
    force: Annotated[bool, typer.Option("--force", metavar=FLAG, help="Replace existing output files.")] = False,
    timeout: Annotated[Optional[float], typer.Option("--timeout", min=0.001, metavar="SECONDS", help=TIMEOUT_HELP)] = None,
    max_memory: Annotated[Optional[int], typer.Option("--max-memory", min=1, metavar="MB", help=MEMORY_HELP)] = None,
) -> None:
    """Collect many submitted cases into one portfolio.

    The portfolio has a row per case and long tables of costs and benefits.

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


@app.command(cls=Command, epilog=examples("xlcase paper case.xlsx", "xlcase paper case.xlsx -o case.html",
                                          "xlcase paper examples/ward-assistant-practitioners.yaml -o case.md"))
def paper(
    source: Annotated[Path, typer.Argument(metavar="SOURCE", help="A workbook (.xlsx) or a case file (.yaml, .yml, "
                                           ".json).")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE", help="The paper to write: .docx, "
                                                   ".html or .md (the format follows the suffix; default SOURCE with "
                                                   ".docx).")] = None,
    force: Annotated[bool, typer.Option("--force", metavar=FLAG, help="Replace the output files if they exist.")] = False,
    with_findings: Annotated[bool, typer.Option("--with-findings", metavar=FLAG,
                                                help="Append the validation findings.")] = False,
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


@app.command(cls=Command, epilog=examples("xlcase serve", "xlcase serve --port 8080", "xlcase serve --workers 2"))
def serve(
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="Address to listen on (127.0.0.1 keeps it to this "
                                      "machine).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="TCP port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(metavar="N", min=1, help="Server processes sharing the port, each with "
                                         "its own XLCASE_SERVE_WORKERS worker processes (default 1).")] = 1,
) -> None:
    """Run xlwings Server with xlcase's Excel functions.

    The scripts are served too. It needs the optional server extra: pip install "xlcase[server]".
    """
    import os

    from xlcase.server import LICENSE_ENV, ServerNotInstalledError, run

    if not os.environ.get(LICENSE_ENV):
        typer.echo("xlwings Server runs under the PolyForm Noncommercial licence (NHS bodies and other public "
                   f"health organisations qualify); for commercial use set {LICENSE_ENV} to your xlwings PRO key.",
                   err=True)
    say(f"xlcase functions on xlwings Server at http://{host}:{port} (Ctrl+C stops it)", err=True)
    try:
        run(host, port, workers=workers)
    except ServerNotInstalledError as error:
        say(f"error: {error}", err=True, fg=typer.colors.RED)
        raise typer.Exit(EXIT_UNREADABLE) from None


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM ends the command as an exit does, so that temporary outputs are removed and workers stopped."""
    raise SystemExit(128 + signum)


def main() -> None:
    """Entry point: every error, the parser's included, is one line with its code, never a traceback."""
    import signal

    # numpy's OpenBLAS starts a thread a core when imported, and they spin: 100 ms of CPU for one workbook,
    # taken from the other batch worker. xlcase's arrays are small; its workers inherit this.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    signal.signal(signal.SIGTERM, _terminated)
    try:
        status = app(prog_name="xlcase", standalone_mode=False)
    except UsageError as error:
        if type(error).__name__ == "NoArgsIsHelpError" and error.ctx is not None:  # a bare `xlcase`
            typer.echo(error.ctx.get_help())
            sys.exit(EXIT_UNREADABLE)
        say(f"error: {usage_error(error)}", err=True, fg=typer.colors.RED)
        sys.exit(EXIT_UNREADABLE)
    except ClickException as error:
        say(f"error: {BadInputError(one_line(error.format_message()))}", err=True, fg=typer.colors.RED)
        sys.exit(EXIT_UNREADABLE)
    except typer.Abort:
        say("error: stopped", err=True, fg=typer.colors.RED)
        sys.exit(1)
    except XlcaseError as error:
        say(f"error: {error}", err=True, fg=typer.colors.RED)
        sys.exit(EXIT_UNREADABLE)
    except OSError as error:  # the file system said no somewhere the library did not expect: still no traceback
        where = f": {error.filename}" if error.filename else ""
        say(f"error: {error.strerror or error}{where}", err=True, fg=typer.colors.RED)
        sys.exit(EXIT_UNREADABLE)
    except Exception as error:  # a bug: still one line, and the traceback only when asked for
        if os.environ.get(DEBUG_VARIABLE):
            raise
        what = f"{type(error).__name__}: {one_line(str(error))}"
        bug = XlcaseError(f"internal error ({what}); this is a bug in xlcase: please report it with the file, "
                          f"and set {DEBUG_VARIABLE}=1 for the traceback")
        say(f"error: {bug}", err=True, fg=typer.colors.RED)
        sys.exit(EXIT_INTERNAL)
    sys.exit(status if isinstance(status, int) else 0)


_PYDANTIC_WORDS = (  # the parser's value messages, in the words the library's errors use
    ("Value error, ", ""),
    ("Input should be a valid integer, unable to parse string as an integer", "expected a whole number"),
    ("Input should be a valid number, unable to parse string as a number", "expected a number"),
    ("Input should be greater than or equal to ", "expected at least "),
    ("Input should be less than or equal to ", "expected at most "),
    ("Input should be ", "expected "),
)


def usage_error(error: UsageError) -> BadInputError:
    """The parser's complaint as an XC100 error located at the command (`xlcase validate: --jobs: ...`), with
    where to read more."""
    message = one_line(error.format_message())
    param = getattr(error, "param", None)  # set on a bad value (BadParameter), not on an unknown option
    if param is not None and message.startswith("Invalid value for "):
        hint = "/".join(getattr(param, "opts", ()) or [param.name or "?"])
        message = f"{hint}: {message.partition(': ')[2]}"
    for words, plain in _PYDANTIC_WORDS:
        message = message.replace(words, plain)
    message = message[:1].lower() + message[1:].rstrip(".")
    command = error.ctx.command_path if error.ctx is not None else "xlcase"
    return BadInputError(f"{message} (see `{command} --help`)", location=command)


def one_line(text: str) -> str:
    """A message of the parser's, whatever its line breaks, as one line."""
    return " ".join(text.split())
