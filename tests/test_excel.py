"""XLCASE_... functions and scripts: direct calls, xlwings' own dispatch, and the classic add-in's VBA wrappers."""

import os
import asyncio
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

xw = pytest.importorskip("xlwings")
if not getattr(xw, "on_server", False):  # pragma: no cover - a test module imported xlwings first
    pytest.skip("xlwings was imported before XLWINGS_ON_SERVER=true was set", allow_module_level=True)

import xlwings.server  # noqa: E402

import xlcase.excel as excel  # noqa: E402
from xlcase.template import load_template  # noqa: E402
from excel_payloads import book_payload, function_call, set_table_cell, table_values  # noqa: E402
from xlcase.api import new_workbook  # noqa: E402
from xlcase.appraisal import appraise, discount_factors, present_value  # noqa: E402
from xlcase.casefile import load_case  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CASE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
COSTS = [[100_000, 50_000, 20_000, 20_000, 0]]
BENEFITS = [[0, 40_000, 60_000, 60_000, 60_000]]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    return new_workbook(tmp_path_factory.mktemp("excel") / "case.xlsx", case_file=EXAMPLE_CASE)


def call(body: dict) -> object:
    return asyncio.run(xlwings.server.custom_functions_call(body, excel))


def run_script(name: str, payload: dict) -> dict:
    book = xw.Book(json=payload)
    result = asyncio.run(xlwings.server.custom_scripts_call(excel, name, None, typehint_to_value={xw.Book: book}))
    return result.json()


def bad_input(function, *args) -> str:
    with pytest.raises(xw.XlwingsError) as caught:
        function(*args)
    return str(caught.value)


# --- direct calls ---------------------------------------------------------------------------------


def test_discount_factors_are_the_green_book_schedule():
    row = excel.xlcase_discount_factors(40)
    assert len(row) == 1 and np.allclose(row[0], discount_factors(40))
    assert row[0][31] == pytest.approx(row[0][30] / 1.03)  # the long-term rate from year 31
    assert np.allclose(excel.xlcase_discount_factors(3, 0.05)[0], [1, 1 / 1.05, 1 / 1.05**2])


def test_empty_cell_for_an_optional_argument_means_the_default():
    assert excel.xlcase_discount_factors(3, None) == excel.xlcase_discount_factors(3)
    assert excel.xlcase_npv(COSTS, BENEFITS, "", "") == excel.xlcase_npv(COSTS, BENEFITS)


def test_pv_of_a_row_a_column_and_with_empty_cells():
    flows = [100.0, 200.0, 0.0, 300.0]
    expected = present_value(flows)
    assert excel.xlcase_pv([flows]) == pytest.approx(expected)
    assert excel.xlcase_pv([[v] for v in flows]) == pytest.approx(expected)
    assert excel.xlcase_pv([[100, 200, None, 300, ""]]) == pytest.approx(expected)


def test_a_block_of_lines_is_summed_by_year():
    block = [[100, 0, 50], [0, 25, 25]]
    assert excel.xlcase_pv(block) == pytest.approx(present_value([100, 25, 75]))


def test_npv_bcr_payback_and_switching_values_match_the_engine():
    npv = excel.xlcase_npv(COSTS, BENEFITS, 0.035, 0.2)
    costs = np.array(COSTS[0], dtype=float) * 1.2
    assert npv == pytest.approx(present_value(BENEFITS[0]) - present_value(costs))
    assert excel.xlcase_bcr(COSTS, BENEFITS) == pytest.approx(present_value(BENEFITS[0]) / present_value(COSTS[0]))
    assert excel.xlcase_payback(COSTS, BENEFITS) == 4
    (cost_sv, benefit_sv), = excel.xlcase_switching_values(COSTS, BENEFITS)
    npv0 = excel.xlcase_npv(COSTS, BENEFITS)
    assert cost_sv == pytest.approx(npv0 / present_value(COSTS[0]))
    assert benefit_sv == pytest.approx(npv0 / present_value(BENEFITS[0]))


def test_figures_that_do_not_exist_are_excel_errors():
    assert excel.xlcase_payback([[100, 0]], [[0, 10]]) == "#N/A"
    assert excel.xlcase_bcr([[0, 0]], [[0, 10]]) == "#DIV/0!"
    assert excel.xlcase_switching_values([[0]], [[0]]) == [["#DIV/0!", "#DIV/0!"]]


def test_an_error_cell_in_the_input_is_passed_on():
    assert excel.xlcase_pv([[1, "#REF!", 3]]) == "#REF!"
    assert excel.xlcase_npv(COSTS, BENEFITS, "#N/A") == "#N/A"


@pytest.mark.parametrize(("function", "args", "words"), [
    (excel.xlcase_pv, ([["abc", 1]],), "values must hold numbers"),
    (excel.xlcase_npv, ([[1]], [[True]]), "benefits must hold numbers"),
    (excel.xlcase_discount_factors, (0,), "years must be a whole number"),
    (excel.xlcase_discount_factors, (2.5,), "years must be a whole number"),
    (excel.xlcase_discount_factors, (3, "high"), "rate must be a number"),
    (excel.xlcase_discount_factors, (3, -1.5), "discount rate"),
    (excel.xlcase_npv, ([[1]], [[1]], [[0.03, 0.04]]), "rate must be a single cell"),
    (excel.xlcase_validate, ([["ID"]], "nonsense"), "unknown kind"),
])
def test_bad_input_gives_a_short_message_not_a_traceback(function, args, words):
    message = bad_input(function, *args)
    assert words in message and message.startswith("xlcase: ")
    assert "Traceback" not in message and "\n" not in message and len(message) <= excel.MAX_MESSAGE


def test_an_unexpected_failure_is_a_short_message(monkeypatch):
    def broken(*_args, **_kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(excel.functions, "present_value", broken)
    assert "unexpected error (KeyError)" in bad_input(excel.xlcase_pv, [[1, 2]])


def test_validate_options_table_of_the_example_is_clean(workbook):
    rows = excel.xlcase_validate(table_values(workbook, "Options"), "options")
    assert rows[0] == ["Rule", "Severity", "Message", "Row"]
    assert rows[1][:2] == ["", "ok"]


def test_validate_options_table_shows_xc201_xc202_xc203_by_row(workbook):
    table = table_values(workbook, "Options")
    headers = table[0]
    table[1][headers.index("Do nothing")] = "No"
    table[2][headers.index("Preferred")] = "Yes"
    table[1][headers.index("Reason ruled out")] = ""
    rows = excel.xlcase_validate(table, "options")
    found = {(r[0], r[3]) for r in rows[1:]}
    assert ("XC201", "") in found
    assert {("XC202", 2), ("XC202", 3)} <= found
    assert ("XC203", 1) in found
    assert all(r[1] in ("error", "warning", "info") for r in rows[1:])


def test_validate_converts_types_like_the_reader(workbook):
    table = table_values(workbook, "Risks")
    table[1][table[0].index("Likelihood")] = "very"
    rows = excel.xlcase_validate(table, "Risks")
    assert any(r[0] == "XC102" and r[3] == 1 for r in rows[1:]), rows


def test_validate_milestone_dates_as_serial_numbers(workbook):
    table = table_values(workbook, "Milestones")
    due = table[0].index("Due")
    table[1][due] = 46478.0  # 2027-04-01 as Office.js sends a date
    rows = excel.xlcase_validate(table, "milestones")
    assert not any(r[0] in ("XC102", "XC003", "XC101") for r in rows[1:]), rows  # the form's fields are not in the range


def test_validate_costs_leaves_cross_table_rules_out(workbook):
    rows = excel.xlcase_validate(table_values(workbook, "Costs"), "costs")
    assert not any(r[0] in excel.CROSS_TABLE_RULES for r in rows[1:])


def test_validate_a_range_without_header_row():
    assert "no header row" in bad_input(excel.xlcase_validate, [["", ""], ["O1", "x"]], "options")


def test_validate_workbook_script_writes_the_validation_sheet(workbook):
    payload = book_payload(workbook)
    set_table_cell(payload, "Options", 1, "Do nothing", "No")
    actions = run_script("validate_book_script", payload)["actions"]
    added = [a for a in actions if a["func"] == "addSheet"]
    assert added and added[0]["args"][1] == excel.VALIDATION_SHEET
    written = next(a for a in actions if a["func"] == "setValues")
    assert written["sheet_position"] == added[0]["args"][0] and (written["start_row"], written["start_column"]) == (0, 0)
    header, *rows = written["values"]
    assert header == excel.BOOK_FINDING_HEADERS
    xc201 = [r for r in rows if r[0] == "XC201"]
    assert xc201 and xc201[0][3] == "Options"
    assert all(r[1] in ("error", "warning", "info") for r in rows)


def test_validate_workbook_script_finds_what_the_file_validator_finds(workbook):
    from xlcase.reader import read_workbook
    from xlcase.review import Review
    from xlcase.rules import run_rules

    from_file = {(f.rule, f.sheet) for f in run_rules(Review.from_submission(read_workbook(workbook)))
                 if not f.rule.startswith("XC7")}  # saved formula results are not in the add-in's payload
    rows = run_script("validate_book_script", book_payload(workbook))["actions"][1]["values"][1:]
    from_book = {(r[0], r[3]) for r in rows if r[0] and not r[0].startswith("XC7")}
    assert from_book == from_file


def test_validate_workbook_replaces_an_existing_validation_sheet(workbook):
    payload = book_payload(workbook)
    payload["sheets"].append({**payload["sheets"][0], "name": "Validation", "tables": [], "values": [["old"]],
                              "used_range_address": "A1:A1"})
    actions = run_script("validate_book_script", payload)["actions"]
    assert [a["func"] for a in actions][:2] == ["sheetClearContents", "setValues"]


def test_recalc_workbook_script_writes_the_engines_results(workbook):
    actions = run_script("recalc_book_script", book_payload(workbook))["actions"]
    values = next(a for a in actions if a["func"] == "setValues")["values"]
    columns = [c.figure for c in load_template().results.columns]
    header_row = values.index([c.header for c in load_template().results.columns])
    expected = appraise(load_case(EXAMPLE_CASE))
    rows = values[header_row + 1:]
    assert [r[0] for r in rows] == [o.id for o in expected.options]
    for row, option in zip(rows, expected.options):
        assert row[columns.index("npv")] == pytest.approx(option.npv)
        payback = row[columns.index("discounted_payback_year")]
        assert payback == ("" if option.discounted_payback_year is None else option.discounted_payback_year)


def test_engine_results_list_the_engines_assumptions(workbook):
    from xlcase.appraisal import ASSUMPTION_KEYS

    actions = run_script("recalc_book_script", book_payload(workbook))["actions"]
    values = next(a for a in actions if a["func"] == "setValues")["values"]
    assumptions = appraise(load_case(EXAMPLE_CASE)).assumptions
    expected = [cell for key in ASSUMPTION_KEYS for cell in (key.replace("_", " ").capitalize(), assumptions[key])]
    assert values[1][:len(expected)] == expected and set(values[1][len(expected):]) <= {""}  # padded to a rectangle
    assert {len(row) for row in values} == {len(load_template().results.columns)}  # a rectangle, as a range needs


@pytest.mark.parametrize("script", ["validate_book_script", "recalc_book_script"])
def test_a_script_writes_a_library_error_on_its_sheet(workbook, monkeypatch, script):
    from xlcase.errors import BadInputError

    def refuse(*_args):
        raise BadInputError("the workbook says no")

    monkeypatch.setattr(excel.scripts, "book_findings", refuse)
    monkeypatch.setattr(excel.scripts, "book_submission", refuse)
    values = next(a for a in run_script(script, book_payload(workbook))["actions"] if a["func"] == "setValues")["values"]
    assert values == [excel.BOOK_FINDING_HEADERS, ["XC100", "error", "file", "", "", "the workbook says no"]]


def test_a_script_that_fails_unexpectedly_writes_a_row_not_a_traceback(workbook, monkeypatch):
    def broken(*_args):
        raise KeyError("boom")

    monkeypatch.setattr(excel.scripts, "appraise", broken)
    values = next(a for a in run_script("recalc_book_script", book_payload(workbook))["actions"]
                  if a["func"] == "setValues")["values"]
    assert values[1][:2] == ["", "error"] and values[1][5] == "xlcase: unexpected error (KeyError); see the log"


def test_validate_lists_at_most_max_listed_findings_and_counts_the_rest(workbook):
    table = table_values(workbook, "Options")
    headers, first = table[0], table[2]
    rows = [headers] + [[f"O{i}" if h == "ID" else ("" if h == "Reason ruled out" else v) for h, v in zip(headers, first)]
                        for i in range(excel.MAX_LISTED_FINDINGS + 50)]
    result = excel.xlcase_validate(rows, "options")
    assert len(result) == 1 + excel.MAX_LISTED_FINDINGS + 1
    assert result[-1][:2] == ["", "info"] and "more findings not listed" in result[-1][2]


def test_scripts_direct_call(workbook):
    book = xw.Book(json=book_payload(workbook))
    returned = asyncio.run(excel.validate_book_script(None, book))
    assert returned is book and book.sheets[excel.VALIDATION_SHEET]


# --- xlwings' own dispatch (the path xlwings Server and xlwings Lite take) --------------------------


def test_custom_functions_meta_lists_every_function_with_parameter_docs():
    meta = xlwings.server.custom_functions_meta(excel)
    functions = {f["name"]: f for f in meta["functions"]}
    assert set(functions) == {f.__name__.upper() for f in excel.FUNCTIONS}
    for f in functions.values():
        assert f["description"] and not f["description"].startswith("Python function")
        for p in f["parameters"]:
            assert p["description"] and not p["description"].startswith("Positional argument"), (f["name"], p)
    assert [p["name"] for p in functions["XLCASE_NPV"]["parameters"]] == ["costs", "benefits", "rate", "optimism_bias"]
    assert [p.get("optional", False) for p in functions["XLCASE_NPV"]["parameters"]] == [False, False, True, True]


def test_custom_scripts_meta_lists_the_scripts():
    names = {s["function_name"] for s in xlwings.server.custom_scripts_meta(excel)}
    assert names == {"validate_book_script", "recalc_book_script"}


def test_dispatch_npv_with_omitted_and_empty_optional_arguments():
    expected = excel.xlcase_npv(COSTS, BENEFITS)
    assert call(function_call("xlcase_npv", COSTS, BENEFITS, None, None)) == [[pytest.approx(expected)]]
    assert call(function_call("xlcase_npv", COSTS, BENEFITS, [[""]], [[""]])) == [[pytest.approx(expected)]]


def test_dispatch_discount_factors_spill_as_a_row():
    result = call(function_call("xlcase_discount_factors", 5, None))
    assert len(result) == 1 and np.allclose(result[0], discount_factors(5))


def test_dispatch_column_with_empty_cells():
    column = [[100], [""], [300]]
    assert call(function_call("xlcase_pv", column, None)) == [[pytest.approx(present_value([100, 0, 300]))]]


def test_dispatch_returns_real_excel_errors():
    assert call(function_call("xlcase_payback", [[100]], [[1]], None, None)) == [
        [{"type": "Error", "errorType": "NotAvailable"}]]
    error_cell = {"type": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"}
    assert call(function_call("xlcase_pv", [[1, error_cell]], None)) == [[{"type": "Error", "errorType": "Div0"}]]


def test_dispatch_bad_input_raises_an_xlwings_error_with_the_message():
    with pytest.raises(xw.XlwingsError, match="costs must hold numbers"):
        call(function_call("xlcase_npv", [["abc"]], [[1]], None, None))


def test_dispatch_validate_spills_findings(workbook):
    table = table_values(workbook, "Options")
    table[1][table[0].index("Do nothing")] = "No"
    result = call(function_call("xlcase_validate", table, "options"))
    assert result[0] == ["Rule", "Severity", "Message", "Row"]
    assert any(row[0] == "XC201" for row in result[1:])


def test_dispatch_lists_the_do_nothing_flows_as_optional_arguments():
    functions = {f["name"]: f for f in xlwings.server.custom_functions_meta(excel)["functions"]}
    for name in ("XLCASE_BCR", "XLCASE_PAYBACK", "XLCASE_SWITCHING_VALUES"):
        parameters = functions[name]["parameters"]
        assert [p["name"] for p in parameters] == ["costs", "benefits", "rate", "optimism_bias", "do_nothing_costs",
                                                   "do_nothing_benefits"]
        assert [p.get("optional", False) for p in parameters] == [False, False, True, True, True, True]


@pytest.mark.parametrize("name", ["xlcase_bcr", "xlcase_payback", "xlcase_switching_values"])
def test_dispatch_without_do_nothing_flows_keeps_the_figures_of_flows_relative_to_doing_nothing(name):
    plain = call(function_call(name, COSTS, BENEFITS, None, None))
    assert call(function_call(name, COSTS, BENEFITS, None, None, None, None)) == plain
    assert call(function_call(name, COSTS, BENEFITS, None, None, [[""]], [[""]])) == plain
    assert call(function_call(name, COSTS, BENEFITS, None, None, [[0] * 5], [[0] * 5])) == plain


# Doing nothing pays agency staff 80,000 a year; the option trains staff (100,000 in year 0, then 50,000 and
# 20,000 a year) and so spends 40,000 a year less on agency staff from year 1, and improves care worth 10,000 a
# year from year 2. Entered as full costs, each option carries its own agency spend.
DN_COSTS = [[80_000] * 5]
DN_BENEFITS = [[0] * 5]
FULL_COSTS = [[100_000 + 80_000, 50_000 + 40_000, 20_000 + 40_000, 20_000 + 40_000, 0 + 40_000]]
FULL_BENEFITS = [[0, 0, 10_000, 10_000, 10_000]]


def test_dispatch_measures_bcr_payback_and_switching_values_against_the_do_nothing_flows():
    df = discount_factors(5)
    delta_costs = np.array(FULL_COSTS[0], dtype=float) - DN_COSTS[0]  # 100,000, 10,000, -20,000, -20,000, -40,000
    incremental = float(np.maximum(delta_costs, 0) @ df)  # 100,000 + 10,000 / 1.035
    savings = float(np.maximum(-delta_costs, 0) @ df)  # 20,000 / 1.035^2 + 20,000 / 1.035^3 + 40,000 / 1.035^4
    benefits = float(np.array(FULL_BENEFITS[0], dtype=float) @ df)
    npv_vs_do_nothing = benefits + savings - incremental
    args = (FULL_COSTS, FULL_BENEFITS, None, None, DN_COSTS, DN_BENEFITS)
    assert call(function_call("xlcase_bcr", *args)) == [[pytest.approx((benefits + savings) / incremental)]]
    assert call(function_call("xlcase_switching_values", *args)) == [[
        pytest.approx(npv_vs_do_nothing / incremental), pytest.approx(npv_vs_do_nothing / (benefits + savings))]]
    cumulative = np.cumsum((np.array(FULL_BENEFITS[0]) - delta_costs) * df)
    assert cumulative[-1] < 0  # 5 years are not enough: it never pays back
    assert call(function_call("xlcase_payback", *args)) == [[{"type": "Error", "errorType": "NotAvailable"}]]
    longer = ([FULL_COSTS[0] + [40_000] * 5], [FULL_BENEFITS[0] + [10_000] * 5], None, None, [DN_COSTS[0] * 2],
              None)
    delta = np.array(longer[1][0], dtype=float) - (np.array(longer[0][0], dtype=float) - longer[4][0])
    running = np.cumsum(delta * discount_factors(10))
    stays = next(t for t in range(10) if (running[t:] >= 0).all())
    assert stays >= 5
    assert call(function_call("xlcase_payback", *longer)) == [[stays]]


def test_payback_is_the_year_from_which_the_running_total_stays_at_or_above_zero():
    """Nothing in year 0, 100 spent in year 1, 200 back in year 3: the running total is 0 in year 0 but falls
    below in years 1 and 2, so the option pays back in year 3 (version 1 said year 0)."""
    assert excel.xlcase_payback([[0, 100, 0, 0]], [[0, 0, 0, 200]]) == 3
    assert call(function_call("xlcase_payback", [[0, 100, 0, 0]], [[0, 0, 0, 200]], None, None, None, None)) == [[3]]


def test_full_costs_and_costs_relative_to_doing_nothing_give_the_same_figures_without_optimism_bias():
    relative_costs = [[c - d for c, d in zip(FULL_COSTS[0], DN_COSTS[0])]]
    for name in ("xlcase_bcr", "xlcase_switching_values", "xlcase_payback"):
        full = call(function_call(name, FULL_COSTS, FULL_BENEFITS, None, None, DN_COSTS, DN_BENEFITS))
        relative = call(function_call(name, relative_costs, FULL_BENEFITS, None, None))
        assert full == relative, name


def test_optimism_bias_falls_on_the_option_and_not_on_doing_nothing():
    """With 20% optimism bias the option's full costs are uplifted, doing nothing's are not: the agency spend both
    carry no longer cancels, so the figures differ from the relative entry by the uplift on that spend."""
    bias = 0.2
    df = discount_factors(5)
    delta_costs = np.array(FULL_COSTS[0], dtype=float) * (1 + bias) - DN_COSTS[0]
    incremental = float(np.maximum(delta_costs, 0) @ df)
    benefits = float(np.array(FULL_BENEFITS[0], dtype=float) @ df) + float(np.maximum(-delta_costs, 0) @ df)
    assert excel.xlcase_bcr(FULL_COSTS, FULL_BENEFITS, None, bias, DN_COSTS, DN_BENEFITS) == pytest.approx(
        benefits / incremental)


# --- the classic add-in: the VBA wrappers xlwings generates must compile ---------------------------

VBA_RESERVED = frozenset(w.casefold() for w in """
    AddressOf Alias And Any As Attribute Base Binary Boolean ByRef Byte ByVal Call Case CBool CByte CCur CDate
    CDbl CDec CInt CLng CLngLng CLngPtr Close Compare Const CSng CStr Currency CVar CVErr Date Debug Decimal
    Declare DefBool DefByte DefCur DefDate DefDbl DefDec DefInt DefLng DefLngLng DefLngPtr DefObj DefSng DefStr
    DefVar Dim Do DoEvents Double Each Else ElseIf Empty End EndIf Enum Eqv Erase Error Event Exit Explicit False
    For Friend Function Get Global GoSub GoTo If Imp Implements In Input InputB Integer Is LBound Len LenB Let Lib
    Like LINEINPUT Local Lock Long LongLong LongPtr Loop LSet Me Mid MidB Mod Module New Next Not Nothing Null
    Object On Open Option Optional Or Output ParamArray Preserve Print Private Property PtrSafe Public Put
    RaiseEvent Random Read ReDim Rem Resume Return RSet Scale Seek Select Set Shared Single Spc Static Step Stop
    StrComp String Sub Tab Text Then To True Type TypeOf UBound Until Variant Wend While With WithEvents Write Xor
""".split())
VBA_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,254}$")
VBA_SIGNATURE = re.compile(r"^(Function|Sub) (\w+)\((.*)\)$")
CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)$")  # Excel takes these for cell references
MAX_VBA_LINE = 1023
MAX_MACRO_OPTION_TEXT = 255

VBA_GENERATOR = textwrap.dedent("""
    import io, json, sys, types
    # xlwings.udfs (the classic add-in's generator) imports pywin32 at the top; stub it so that
    # the generator itself runs on Linux exactly as "Import Python UDFs" runs it on Windows.
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["pythoncom"].CoInitialize = lambda: None
    sys.modules["pywintypes"].com_error = type("com_error", (Exception,), {})
    sys.modules["win32com.client"].Dispatch = lambda *a, **k: None
    sys.modules["win32com"].client = sys.modules["win32com.client"]
    import xlwings
    from xlwings import udfs
    # On Windows `from xlwings import func, arg, ret, script` are these (xlwings/__init__.py).
    xlwings.func, xlwings.arg, xlwings.ret, xlwings.script = udfs.xlfunc, udfs.xlarg, udfs.xlret, udfs.xlsub
    import xlcase.excel as module
    out = io.StringIO()
    udfs.generate_vba_wrapper("xlcase.excel", module, out, types.SimpleNamespace(Name="xlwings.xlam"))
    meta = {f.__name__: {"doc": f.__xlfunc__["ret"]["doc"], "argdocs": [a["doc"] for a in f.__xlfunc__["args"]],
                         "sub": f.__xlfunc__["sub"]} for f in (*module.FUNCTIONS, *module.SCRIPTS)}
    print(json.dumps({"vba": out.getvalue(), "meta": meta}))
""")


@pytest.fixture(scope="module")
def classic() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_ON_SERVER"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", VBA_GENERATOR], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_classic_wrappers_exist_for_every_function_and_script(classic):
    signatures = {m.group(2): m for m in map(VBA_SIGNATURE.match, classic["vba"].splitlines()) if m}
    assert set(signatures) == {f.__name__ for f in (*excel.FUNCTIONS, *excel.SCRIPTS)}
    assert {name for name, m in signatures.items() if m.group(1) == "Sub"} == {f.__name__ for f in excel.SCRIPTS}


def test_classic_wrappers_would_compile(classic):
    lines = classic["vba"].splitlines()
    for line in lines:
        assert len(line) <= MAX_VBA_LINE, line
    blocks = [m for m in map(VBA_SIGNATURE.match, lines) if m]
    for match in blocks:
        kind, name, params = match.groups()
        assert VBA_IDENTIFIER.match(name) and name.casefold() not in VBA_RESERVED, name
        assert not CELL_LIKE.match(name), f"{name} would be read as a cell reference"
        names, seen_optional = [], False
        for param in filter(None, (p.strip() for p in params.split(","))):
            words = param.split()
            optional = words[0] == "Optional"
            identifier = words[-1].removesuffix("()")
            assert VBA_IDENTIFIER.match(identifier), f"{name}: {identifier!r} is not a VBA identifier"
            assert identifier.casefold() not in VBA_RESERVED, f"{name}: {identifier!r} is a VBA reserved word"
            assert identifier.casefold() != name.casefold(), f"{name}: a parameter named like its procedure"
            assert not (seen_optional and not optional), f"{name}: a required parameter after an Optional one"
            seen_optional |= optional
            names.append(identifier.casefold())
        assert len(names) == len(set(names)), f"{name}: duplicate parameter names (VBA ignores case)"
        assert sum(line.strip() == f"End {kind}" for line in lines) >= 1
    assert sum(line.strip().startswith("#If ") for line in lines) == sum(line.strip() == "#End If" for line in lines)
    assert len([line for line in lines if line.startswith(("Function ", "Sub "))]) == sum(
        line.startswith(("End Function", "End Sub")) for line in lines)


def test_classic_descriptions_fit_excels_function_wizard(classic):
    for name, meta in classic["meta"].items():
        assert len(meta["doc"]) <= MAX_MACRO_OPTION_TEXT, name
        for doc in meta["argdocs"]:
            assert len(doc) <= MAX_MACRO_OPTION_TEXT and not doc.startswith("Positional argument"), (name, doc)


def test_classic_bad_input_is_a_message_in_the_cell(monkeypatch):
    monkeypatch.setattr(excel.convert, "on_office_js", lambda: False)
    assert excel.xlcase_pv([["abc"]]) == "xlcase: values must hold numbers, got 'abc' at year 0"


# --- the sample workbook and the optional dependency --------------------------------------------------


def test_sample_workbook_has_the_formulas_and_the_note(tmp_path):
    import openpyxl

    sys.path.insert(0, str(ROOT / "examples"))
    try:
        from make_excel_functions_workbook import build
    finally:
        sys.path.remove(str(ROOT / "examples"))
    book = openpyxl.load_workbook(build(tmp_path / "excel-functions.xlsx"))
    formulas = {c.value.split("(")[0] for ws in book for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=XLCASE_")}
    assert formulas == {"=" + f.__name__.upper() for f in excel.FUNCTIONS}
    assert all("#NAME?" in ws["A2"].value for ws in book)
    assert "Options" in book["Options"].tables


def test_core_library_and_cli_do_not_import_xlwings():
    code = "import sys, xlcase.api, xlcase.cli, xlcase.reader, xlcase.appraisal; sys.exit('xlwings' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=60).returncode == 0


def test_scripts_write_formula_like_text_as_text(workbook):
    payload = book_payload(workbook)
    set_table_cell(payload, "Options", 1, "Option", '=HYPERLINK("http://example.invalid","x")')
    set_table_cell(payload, "Options", 1, "Reason ruled out", "")
    for script in ("recalc_book_script", "validate_book_script"):
        actions = run_script(script, payload)["actions"]
        for action in (a for a in actions if a["func"] == "setValues"):
            for row in action["values"]:
                for value in row:
                    assert not (isinstance(value, str) and value.startswith(("=", "+", "-", "@"))), (script, value)
