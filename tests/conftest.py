"""Shared fixtures: the example case and workbooks generated from it (and from variants of it).

xlwings reads its settings when it is first imported, so they are set here, before any test module
imports it: the noncommercial licence (NHS use is permitted, see the README) and the server mode that
xlwings Server and the Office.js add-in use.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("OPENPYXL_LXML", "False")  # as xlcase sets it: workbooks written the same whatever imports first

import itertools  # noqa: E402
from collections.abc import Callable
from pathlib import Path

import pytest

from xlcase.api import new_workbook
from xlcase.casefile import load_case
from xlcase.model import Case

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CASE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
RELATIVE_CASE = ROOT / "tests" / "cases" / "relative-entry.yaml"


@pytest.fixture(scope="session")
def example_case() -> Case:
    """The example business case (a fresh deep copy per use is made by `make_workbook`)."""
    return load_case(EXAMPLE_CASE)


@pytest.fixture(scope="session")
def workbook_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workbooks")


@pytest.fixture(scope="session")
def example_workbook(workbook_dir: Path, example_case: Case) -> Path:
    """The example case written as a workbook, once per test session. Tests must not modify it."""
    return new_workbook(workbook_dir / "example.xlsx", case=example_case)


def _variants(base: Case, folder: Path, prefix: str) -> Callable[[Callable[[Case], object]], Path]:
    counter = itertools.count()

    def make(change: Callable[[Case], object]) -> Path:
        case = base.model_copy(deep=True)
        change(case)
        return new_workbook(folder / f"{prefix}-{next(counter)}.xlsx", case=case)

    return make


@pytest.fixture(scope="session")
def make_workbook(workbook_dir: Path, example_case: Case) -> Callable[[Callable[[Case], object]], Path]:
    """Write a workbook of a variant of the example: ``make_workbook(lambda case: ...)`` edits a copy."""
    return _variants(example_case, workbook_dir, "variant")


@pytest.fixture(scope="session")
def relative_case() -> Case:
    """The relative-entry case (typed pay lines, do nothing carries nothing): the rule fixtures edit it."""
    return load_case(RELATIVE_CASE)


@pytest.fixture(scope="session")
def make_relative_workbook(workbook_dir: Path, relative_case: Case) -> Callable[[Callable[[Case], object]], Path]:
    """Write a workbook of a variant of the relative-entry case, as `make_workbook` does of the example."""
    return _variants(relative_case, workbook_dir, "relative")
