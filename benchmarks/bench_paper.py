"""`xlcase paper`: the whole command on the example workbook in each format, a huge case, and the page count.

Run ``python benchmarks/bench_paper.py``. Times are wall-clock medians of 5 runs of the whole command
(Python start-up, reading and validating the workbook, the appraisal, the charts and the file). The page
count is LibreOffice's, from the PDF it makes of the Word paper (skipped without soffice and pdfinfo).
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from paper_cases import large_case  # noqa: E402
from xlcase.api import new_workbook, paper_inputs  # noqa: E402
from xlcase.casefile import dump_case, load_case  # noqa: E402
from xlcase.paper.build import build_paper  # noqa: E402
from xlcase.paper.docx import render_docx  # noqa: E402

EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
RUNS = 5


def command_seconds(*args: str, runs: int = RUNS) -> float:
    """Median wall time of ``xlcase ARGS --force``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "xlcase", *args, "--force"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def page_count(docx: Path) -> int | None:
    """Pages of the PDF LibreOffice makes of the paper, or None without LibreOffice."""
    if not (shutil.which("soffice") and shutil.which("pdfinfo")):
        return None
    profile = docx.parent / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(docx.parent), str(docx)], capture_output=True, timeout=300)
    pdf = docx.with_suffix(".pdf")
    if not pdf.exists():
        return None
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        workbook = new_workbook(work / "example.xlsx", case_file=EXAMPLE)
        for suffix in ("docx", "html", "md"):
            seconds = command_seconds("paper", str(workbook), "-o", str(work / f"example.{suffix}"))
            print(f"xlcase paper example.xlsx -o example.{suffix}: {seconds:.2f} s (median of {RUNS})")
        pages = page_count(work / "example.docx")
        print(f"pages of the example's paper (LibreOffice PDF): {pages if pages is not None else 'not measured'}")
        big = work / "big.yaml"
        big.write_text(dump_case(large_case(load_case(EXAMPLE)), "yaml"), encoding="utf-8")
        for suffix in ("docx", "html"):
            seconds = command_seconds("paper", str(big), "-o", str(work / f"big.{suffix}"), runs=3)
            size = (work / f"big.{suffix}").stat().st_size
            print(f"xlcase paper on a case of 5,000 risks, cost lines, milestones and evaluation lines "
                  f"(.{suffix}): {seconds:.2f} s (median of 3), {size / 1e6:.1f} MB")
        start = time.perf_counter()
        inputs = paper_inputs(big)
        print(f"  of which reading the 5,000-row case file: {time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        document = build_paper(inputs)
        built = time.perf_counter() - start
        render_docx(document, work / "again.docx")
        print(f"  building the paper: {built:.2f} s (charts included); writing the .docx: "
              f"{time.perf_counter() - start - built:.2f} s")

if __name__ == "__main__":
    main()
