"""Coverage-guided fuzzing of the workbook reader and validator with atheris (optional, not run by CI).

    pip install atheris
    python fuzz/make_corpus.py fuzz/corpus          # seed: generated workbooks and hostile files
    python fuzz/fuzz_validate.py fuzz/corpus -max_total_time=600

Any exception escaping `validate_workbook` is a crash: every input must give a report. Half of the
mutations are structure-aware: one member of the zip is mutated and the zip rebuilt with correct
checksums, so the fuzzer reaches the XML parsing and the reader instead of stopping at a CRC error.
"""

from __future__ import annotations

import io
import os
import random
import sys
import tempfile
import zipfile

import atheris

with atheris.instrument_imports(include=["xlcase"]):
    from xlcase.validation import validate_workbook

_PATH = os.path.join(tempfile.mkdtemp(prefix="xlcase-fuzz-"), "input.xlsx")


def test_one_input(data: bytes) -> None:
    with open(_PATH, "wb") as handle:
        handle.write(data)
    report = validate_workbook(_PATH)
    report.to_dict()


def mutate_inside_zip(data: bytes, max_size: int, seed: int) -> bytes:
    """Mutate one zip member's bytes and rebuild the zip; plain byte mutation when it is not a zip."""
    chooser = random.Random(seed)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [(name, archive.read(name)) for name in archive.namelist()]
    except Exception:  # noqa: BLE001 - any damage: fall back to mutating the bytes
        return atheris.Mutate(data, max_size)
    if not members or chooser.random() < 0.5:
        return atheris.Mutate(data, max_size)
    index = chooser.randrange(len(members))
    name, content = members[index]
    members[index] = (name, atheris.Mutate(content, len(content) + 256))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, body in members:
            archive.writestr(member, body)
    return buffer.getvalue()[:max_size]


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input, custom_mutator=mutate_inside_zip)
    atheris.Fuzz()
