"""Coverage-guided fuzzing of the workbook reader and validator with atheris (optional, not run by CI).

    pip install atheris
    python fuzz/make_corpus.py fuzz/corpus          # seed: generated workbooks and hostile files
    python fuzz/fuzz_validate.py fuzz/corpus -max_total_time=600

Any exception escaping `validate_workbook` is a crash: every input must give a report.
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports(include=["xlcase"]):
    from xlcase.validation import validate_workbook

_PATH = os.path.join(tempfile.mkdtemp(prefix="xlcase-fuzz-"), "input.xlsx")


def test_one_input(data: bytes) -> None:
    with open(_PATH, "wb") as handle:
        handle.write(data)
    report = validate_workbook(_PATH)
    report.to_dict()


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
