"""Write the seed corpus for fuzz_validate.py: the example and blank workbooks and the hostile files."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hostile import HOSTILE_CASES  # noqa: E402

from xlcase.api import new_workbook  # noqa: E402


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    new_workbook(folder / "example.xlsx", case_file=ROOT / "examples" / "ward-assistant-practitioners.yaml", force=True)
    new_workbook(folder / "blank.xlsx", force=True)
    for name, case in HOSTILE_CASES.items():
        if name in ("zip_bomb", "missing_file", "too_many_entries"):  # too large to mutate usefully
            continue
        built = case.build(folder)
        built.rename(folder / f"{name}{built.suffix}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fuzz" / "corpus")
