"""Exceptions the library raises; only the CLI and xlcase.excel turn them into exit codes or cell errors."""

from __future__ import annotations


class XlcaseError(Exception):
    """Base class of every error xlcase raises on purpose."""

    code = "XC000"

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{self.code} {where}{self.message}"


class BadInputError(XlcaseError):
    """The input given to a command is not acceptable (a usage error, a value that cannot be stored)."""

    code = "XC100"


class CaseFileError(BadInputError):
    """A case file that cannot be read, does not parse, or whose values have the wrong type."""

    code = "XC102"


class UnreadableWorkbookError(XlcaseError):
    """A file that cannot be read as an xlsx workbook at all (not a zip, encrypted, too large, hostile)."""

    code = "XC001"


class OutputExistsError(BadInputError):
    """An output file already exists and --force was not given."""

    code = "XC010"


class OutputError(BadInputError):
    """An output cannot be written where asked (no such folder, no permission, or it would replace an input)."""

    code = "XC011"


class UnknownTemplateError(BadInputError):
    """A template name that is not among the installed workbook templates."""

    code = "XC002"
