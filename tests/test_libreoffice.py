"""Recalculating workbooks in headless LibreOffice (tests/libreoffice.py)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

import libreoffice
from libreoffice import LibreOfficeError

YEARS = 10
YEAR_COLUMNS = "EFGHIJKLMN"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_formulas_workbook(path: Path) -> None:
    """Inputs, a defined name, an Excel Table and the lookups the generated workbooks use."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Calc"
    ws["A1"] = 2
    ws["A2"] = 3
    ws["A3"] = "=A1*A2"
    ws["B1"] = 0.035
    wb.defined_names["Rate"] = DefinedName("Rate", attr_text="Calc!$B$1")
    ws["B2"] = "=1000*Rate"
    ws["B3"] = "=1/(1+Rate)^2"

    data = wb.create_sheet("Data")
    data.append(["Option", "Amount", "Weight", "Double"])
    for option, amount, weight in [("O1", 10, 1), ("O2", 20, 2), ("O1", 30, 3)]:
        data.append([option, amount, weight, None])
    for row in range(2, 5):
        data.cell(row, 4, "=T[[#This Row],[Amount]]*2")
    data.add_table(Table(displayName="T", ref="A1:D4"))

    ws["C1"] = "=SUM(T[Amount])"
    ws["C2"] = '=INDEX(T[Amount],MATCH("O2",T[Option],0))'
    ws["C3"] = '=SUMIFS(T[Amount],T[Option],"O1")'
    ws["C4"] = "=SUMPRODUCT(T[Amount],T[Weight])"
    ws["C5"] = '=IFERROR(MATCH("O9",T[Option],0),"none")'
    ws["C6"] = "=SUM(T[Double])"
    wb.save(path)


def write_appraisal_workbook(path: Path) -> None:
    """The formula patterns the Appraisal sheet depends on: a Costs table by year, read by option."""
    wb = openpyxl.Workbook()
    inputs = wb.active
    inputs.title = "Inputs"
    inputs.append(["Option"] + [f"Year {t}" for t in range(YEARS)])
    inputs.append(["O1"] + [100 * (t + 1) for t in range(YEARS)])
    inputs.append(["O2"] + [7] * YEARS)
    inputs.append(["O1"] + [1] * YEARS)
    inputs.add_table(Table(displayName="Costs", ref="A1:K4"))
    wb.defined_names["CostAmounts"] = DefinedName("CostAmounts", attr_text="Inputs!$B$2:$K$4")
    wb.defined_names["CostOption"] = DefinedName("CostOption", attr_text="Inputs!$A$2:$A$4")
    for row, (option_id, name) in enumerate([("O0", "Do nothing"), ("O1", "Do minimum"), ("O2", "Preferred")], 2):
        inputs.cell(row, 13, option_id)
        inputs.cell(row, 14, name)
    inputs["M1"], inputs["N1"] = "ID", "Name"
    inputs.add_table(Table(displayName="Options", ref="M1:N4"))

    ap = wb.create_sheet("Appraisal")
    ap["B12"], ap["B13"] = "O1", "O2"
    for t, col in enumerate(YEAR_COLUMNS):
        ap[f"{col}5"] = t
        ap[f"{col}10"] = t + 1
        ap[f"{col}11"] = 2
        ap[f"{col}12"] = f"=SUMIFS(INDEX(Costs[[Year 0]:[Year 9]],0,{col}$5+1),Costs[Option],$B12)"
        ap[f"{col}13"] = f"=SUMIFS(INDEX(CostAmounts,0,{col}$5+1),CostOption,$B13)"
        ap[f"{col}20"] = f'=IF({col}$5<3,"",{col}$5*10)'
    ap["C3"] = "=INDEX(Options[ID],3)"
    ap["P10"] = "=SUMPRODUCT(E10:N10,E11:N11)"
    ap["P20"] = '=IF(COUNT(E20:N20)=0,"",MIN(E20:N20))'
    ap["P21"] = '=IF(COUNT(E21:N21)=0,"",MIN(E21:N21))'
    wb.save(path)


def test_available_is_a_bool() -> None:
    assert isinstance(libreoffice.available(), bool)


def test_missing_source_is_reported_before_starting(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        libreoffice.recalculate([(tmp_path / "missing.xlsx", tmp_path / "out.xlsx")])


def test_missing_target_folder_is_reported(tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="folder"):
        libreoffice.recalculate([(source, tmp_path / "no" / "out.xlsx")])


def test_source_is_never_the_target(tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"")
    with pytest.raises(ValueError, match="never modified"):
        libreoffice.recalculate([(source, tmp_path / "." / "in.xlsx")])


def test_nothing_to_do_starts_nothing() -> None:
    assert libreoffice.recalculate([]) == []


@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice.available(), reason="needs soffice and python3-uno")
class TestWithLibreOffice:
    def test_formulas_are_computed(self, tmp_path: Path) -> None:
        source, target = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
        write_formulas_workbook(source)

        seconds = libreoffice.recalculate([(source, target)])

        assert len(seconds) == 1 and seconds[0] > 0
        calc = openpyxl.load_workbook(target, data_only=True)["Calc"]
        assert calc["A3"].value == 6
        assert calc["B2"].value == pytest.approx(35)
        assert calc["B3"].value == pytest.approx(1 / 1.035**2)
        assert calc["C1"].value == 60
        assert calc["C2"].value == 20
        assert calc["C3"].value == 40
        assert calc["C4"].value == 10 * 1 + 20 * 2 + 30 * 3
        assert calc["C5"].value == "none"
        assert calc["C6"].value == 120

    def test_source_is_unchanged(self, tmp_path: Path) -> None:
        source, target = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
        write_formulas_workbook(source)
        before, modified = sha256(source), source.stat().st_mtime_ns

        libreoffice.recalculate([(source, target)])

        assert sha256(source) == before
        assert source.stat().st_mtime_ns == modified
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx", "out.xlsx"]

    def test_cached_values_are_not_trusted(self, tmp_path: Path) -> None:
        first, stale, target = tmp_path / "first.xlsx", tmp_path / "stale.xlsx", tmp_path / "out.xlsx"
        write_formulas_workbook(tmp_path / "in.xlsx")
        libreoffice.recalculate([(tmp_path / "in.xlsx", first)])
        # Change the input A1 from 2 to 5 in the XML, leaving A3's cached result (6) in place.
        with zipfile.ZipFile(first) as zin, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data, count = re.subn(rb'(<c r="A1"[^>]*><v>)2(</v>)', rb"\g<1>5\g<2>", data)
                    assert count == 1
                zout.writestr(item, data)
        assert openpyxl.load_workbook(stale, data_only=True)["Calc"]["A3"].value == 6

        libreoffice.recalculate([(stale, target)])

        assert openpyxl.load_workbook(target, data_only=True)["Calc"]["A3"].value == 15

    def test_a_batch_runs_in_one_libreoffice(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        started: list[list[str]] = []
        real_popen = subprocess.Popen

        def recording_popen(args, *rest, **kwargs):
            started.append([str(a) for a in args])
            return real_popen(args, *rest, **kwargs)

        monkeypatch.setattr(libreoffice.subprocess, "Popen", recording_popen)
        pairs = []
        for i in range(5):
            source = tmp_path / f"in{i}.xlsx"
            write_formulas_workbook(source)
            pairs.append((source, tmp_path / f"out{i}.xlsx"))

        seconds = libreoffice.recalculate(pairs)

        assert len(seconds) == 5 and all(s > 0 for s in seconds)
        assert sum("soffice" in Path(args[0]).name for args in started) == 1
        assert len(started) == 2  # soffice and the UNO worker
        for _, target in pairs:
            assert openpyxl.load_workbook(target, data_only=True)["Calc"]["A3"].value == 6

    def test_timings_report_start_up(self, tmp_path: Path) -> None:
        source = tmp_path / "in.xlsx"
        write_formulas_workbook(source)

        timing = libreoffice.recalculate_timed([(source, tmp_path / "out.xlsx")])

        assert timing.startup_seconds > 0
        assert timing.total_seconds >= timing.startup_seconds + timing.seconds[0]

    def test_appraisal_patterns(self, tmp_path: Path) -> None:
        source, target = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
        write_appraisal_workbook(source)

        libreoffice.recalculate([(source, target)])

        ap = openpyxl.load_workbook(target, data_only=True)["Appraisal"]
        assert [ap[f"{c}12"].value for c in YEAR_COLUMNS] == [100 * (t + 1) + 1 for t in range(YEARS)]
        assert [ap[f"{c}13"].value for c in YEAR_COLUMNS] == [7] * YEARS
        assert ap["C3"].value == "O2"
        assert ap["P10"].value == 2 * sum(range(1, YEARS + 1))
        assert ap["P20"].value == 30
        # A formula whose result is "" is saved as an empty cached string; openpyxl reads it as None.
        assert ap["P21"].value is None
        assert ap["E20"].value is None

    def test_unreadable_workbook_is_reported_and_others_still_written(self, tmp_path: Path) -> None:
        good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
        write_formulas_workbook(good)
        bad.write_bytes(os.urandom(3000))

        # Without LibreOffice Writer the bytes do not load at all; with it they open as a text document.
        with pytest.raises(LibreOfficeError, match="bad-out.xlsx.*(could not load|did not open as a spreadsheet)"):
            libreoffice.recalculate([(bad, tmp_path / "bad-out.xlsx"), (good, tmp_path / "good-out.xlsx")])

        assert not (tmp_path / "bad-out.xlsx").exists()
        assert (tmp_path / "good-out.xlsx").exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlsx", "good-out.xlsx", "good.xlsx"]

    def test_timeout_stops_libreoffice_and_removes_its_profile(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        started: list[tuple[list[str], subprocess.Popen]] = []
        real_popen = subprocess.Popen

        def recording_popen(args, *rest, **kwargs):
            process = real_popen(args, *rest, **kwargs)
            started.append(([str(a) for a in args], process))
            return process

        monkeypatch.setattr(libreoffice.subprocess, "Popen", recording_popen)
        source = tmp_path / "in.xlsx"
        write_formulas_workbook(source)

        with pytest.raises(LibreOfficeError, match="within 0.2 s"):
            libreoffice.recalculate([(source, tmp_path / "out.xlsx")], timeout=0.2)

        office_args, office = started[0]
        assert office.returncode is not None
        with pytest.raises(ProcessLookupError):
            os.killpg(office.pid, 0)
        profile = next(a.split("=", 1)[1] for a in office_args if a.startswith("-env:UserInstallation="))
        assert not Path(profile.removeprefix("file://")).exists()
        assert not (tmp_path / "out.xlsx").exists()
