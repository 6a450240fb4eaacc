"""Case files as people write them: each mistake gets a message that says what to write, or a safe reading.

Every case goes through the library (`parse_case`) and through the real command
(`xlcase new out.xlsx --from case.yaml`), which must print the same one line and write nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

from xlcase.appraisal import appraise
from xlcase.casefile import load_case, parse_case
from xlcase.errors import CaseFileError
from xlcase.model import CODE_LISTS
from xlcase.reader import read_workbook
from xlcase.template import load_template

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
HEAD = "title: Draft\norganisation: Example Trust\n"


def new_from(folder: Path, text: str, name: str = "case.yaml") -> subprocess.CompletedProcess[str]:
    """`xlcase new out.xlsx --from case.yaml` on `text` in `folder` (emptied first), as a user runs it."""
    for old in folder.iterdir():
        old.unlink()
    case = folder / name
    case.write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "xlcase", "new", str(folder / "out.xlsx"), "--from", str(case)],
                          capture_output=True, text=True, cwd=ROOT)


def refused(tmp_path: Path, text: str, *words: str, name: str = "case.yaml") -> str:
    """The one-line message both the library and the command give for `text`; it holds every word."""
    with pytest.raises(CaseFileError) as caught:
        parse_case(text, source=name, fmt="json" if name.endswith(".json") else "yaml")
    message = str(caught.value)
    for word in words:
        assert word in message, message
    done = new_from(tmp_path, text, name)
    assert done.returncode == 2
    assert done.stderr.startswith("error: XC102 ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [name], "nothing is written"
    return message


def accepted(tmp_path: Path, text: str):
    """The case the library reads from `text`; the command writes a workbook that reads back as that case."""
    case = parse_case(text)
    done = new_from(tmp_path, text)
    assert done.returncode == 0, done.stderr
    assert read_workbook(tmp_path / "out.xlsx").case == case
    return case


# --- amounts written with thousands separators ----------------------------------------------------------------

def test_thousands_separators_in_a_flow_list_are_refused_at_their_line(tmp_path):
    """`[16,000, 0, 4,000, ...]` is 16, 0, 0, 4, ... to YAML: 15 amounts, and a cost moved to other years."""
    text = EXAMPLE.read_text(encoding="utf-8")
    right = "amounts: [16000, 0, 4000, 0, 4000, 0, 4000, 0, 4000, 0]"
    assert text.count(right) == 1
    line = text[: text.index(right)].count("\n") + 1
    wrong = text.replace(right, "amounts: [16,000, 0, 4,000, 0, 4,000, 0, 4,000, 0, 4,000, 0]")
    message = refused(tmp_path, wrong, f"case.yaml:{line}:", "costs[2].amounts[0]", '"16,000" is read as two numbers',
                      "16000, not 16,000")
    assert len(message) < 400
    as_read = yaml.safe_load(wrong)["costs"][2]["amounts"]  # what plain YAML makes of it: 15 amounts
    assert as_read[:4] == [16, 0, 0, 4] and len(as_read) == 15


@pytest.mark.parametrize(("text", "where", "joined"), [
    ("skill_mix: [{area: AMU, agency_spend: 412,000}]", "skill_mix[0].agency_spend", "412,000"),
    ("costs: [{option: O1, amounts: [1,234,567]}]", "costs[0].amounts[0]", "1,234"),
    ("costs: [{option: O1, amounts: [0, £35,000.50]}]", "costs[0].amounts[1]", "£35,000.50"),
])
def test_thousands_separators_anywhere_in_brackets_or_braces(tmp_path, text, where, joined):
    refused(tmp_path, HEAD + text, where, f'"{joined}" is read as two numbers', "thousands separators")


def test_numbers_with_a_space_after_the_comma_are_separate(tmp_path):
    case = accepted(tmp_path, HEAD + "costs: [{option: O1, amounts: [35, 000, 60,  0]}]\n")
    assert case.costs[0].amounts == [35, 0, 60, 0]


def test_an_amounts_list_longer_than_the_appraisal_period_is_refused(tmp_path):
    eleven = ", ".join(["1000"] * 11)
    refused(tmp_path, HEAD + f"costs:\n  - option: O1\n    amounts: [{eleven}]\n",
            "costs[0].amounts: 11 amounts for a 10-year appraisal (years 0 to 9)", "thousands separators",
            "write 35000, not 35,000", "assumptions.appraisal_years")
    refused(tmp_path, HEAD + "assumptions: {appraisal_years: 3}\nbenefits:\n  - {option: O1, amounts: [1, 2, 3]}\n"
            "  - {option: O1, amounts: [1, 2, 3, 4]}\n", "benefits[1].amounts: 4 amounts for a 3-year appraisal")
    refused(tmp_path, '{"title": "Draft", "costs": [{"amounts": [' + eleven + "]}]}", "costs[0].amounts: 11 amounts",
            name="case.json")


def test_as_many_amounts_as_years_or_fewer_is_right(tmp_path):
    ten = ", ".join(["1000"] * 10)
    case = accepted(tmp_path, HEAD + f"costs: [{{option: O1, amounts: [{ten}]}}]\n"
                    f"assumptions: {{appraisal_years: 12}}\nbenefits: [{{option: O1, amounts: [{ten}, 5, 6]}}]\n")
    assert len(case.costs[0].amounts) == 10 and len(case.benefits[0].amounts) == 12


def test_the_example_still_has_its_figures():
    preferred = appraise(load_case(EXAMPLE)).option("O2")
    assert round(preferred.npv_vs_do_nothing, -3) == 144_000


# --- text fields ------------------------------------------------------------------------------------------------

def test_numbers_and_dates_in_text_fields_are_the_text_typed(tmp_path):
    case = accepted(tmp_path, HEAD + "education_provider: {level: 5, programme: 2027}\n"
                    "aims: [{id: 010, text: 2027-04-01, benefit: 4.5, measure: 1:30}]\n"
                    "summary: {drivers: [12, 2027-04-01 09:30:00]}\n")
    assert case.education_provider.level == "5" and case.education_provider.programme == "2027"
    assert (case.aims[0].id, case.aims[0].text, case.aims[0].benefit, case.aims[0].measure) == (
        "010", "2027-04-01", "4.5", "1:30")  # 010 is not octal 8, 1:30 not base-60 90
    assert case.summary.drivers == ["12", "2027-04-01 09:30:00"]
    assert parse_case('{"education_provider": {"level": 5}}', fmt="json").education_provider.level == "5"


@pytest.mark.parametrize("word", ["yes", "No", "on", "OFF", "true"])
def test_yes_no_on_off_in_a_text_field_is_refused_with_the_fix(tmp_path, word):
    refused(tmp_path, HEAD + f"stakeholders: [{{name: Jo, engagement: {word}}}]\n", "stakeholders[0].engagement",
            "expected text", "put the words in quotes")
    case = accepted(tmp_path, HEAD + f'stakeholders: [{{name: Jo, engagement: "{word}"}}]\n')
    assert case.stakeholders[0].engagement == word


def test_yes_and_no_are_still_answers_to_yes_no_questions(tmp_path):
    case = accepted(tmp_path, HEAD + "options: [{id: O0, do_nothing: yes}, {id: O1, preferred: on, do_minimum: no}]\n")
    assert case.options[0].do_nothing and case.options[1].preferred and not case.options[1].do_minimum


def test_numbers_in_number_fields_are_decimal(tmp_path):
    """YAML 1.1 reads 010 as octal 8 and 0x10 as 16; people mean ten, and hexadecimal is no amount."""
    case = accepted(tmp_path, HEAD + "skill_mix: [{area: AMU, beds: 010, band3_wte: 007.5}]\n"
                    "costs: [{option: O1, amounts: [1_000, 010]}]\n")
    assert case.skill_mix[0].beds == 10 and case.skill_mix[0].band3_wte == 7.5
    assert case.costs[0].amounts == [1000, 10]
    refused(tmp_path, HEAD + "costs: [{option: O1, amounts: [0x10]}]\n", "costs[0].amounts[0]: expected a number",
            '"0x10"')


# --- coded values -----------------------------------------------------------------------------------------------

def test_drop_down_labels_are_read_as_their_codes(tmp_path):
    text = HEAD + ("assumptions: {optimism_bias_project_type: Outsourcing (operating costs)}\n"
                   "costs: [{option: O1, category: Education provider}, {option: O1, category: ' BACKFILL '}]\n"
                   "benefits: [{option: O1, beneficiary: Service users, category: Cash-releasing},\n"
                   "           {option: O1, beneficiary: staff, category: '  health (qalys) '}]\n"
                   "timeline: {milestones: [{name: Start, status: Not started}, {name: B, status: on_track}]}\n")
    case = accepted(tmp_path, text)
    assert [c.category for c in case.costs] == ["education_provider", "backfill"]
    assert [(b.beneficiary, b.category) for b in case.benefits] == [("service_users", "cash_releasing"),
                                                                   ("staff", "health")]
    assert [m.status for m in case.timeline.milestones] == ["not_started", "on_track"]
    assert case.assumptions.optimism_bias_project_type == "outsourcing"
    exported = subprocess.run([sys.executable, "-m", "xlcase", "export", str(tmp_path / "out.xlsx")],
                              capture_output=True, text=True, cwd=ROOT)
    assert exported.returncode == 0, exported.stderr
    data = yaml.safe_load(exported.stdout)  # the codes stay the contract: export writes codes
    assert [c["category"] for c in data["costs"]] == ["education_provider", "backfill"]
    assert data["timeline"]["milestones"][0]["status"] == "not_started"


def test_every_label_of_every_coded_list_is_accepted():
    template = load_template()
    for list_name, codes in CODE_LISTS.items():
        for code in codes:
            label = template.label(list_name, code)
            line = {"cost_category": f"costs: [{{category: '{label}'}}]",
                    "beneficiary": f"benefits: [{{beneficiary: '{label}'}}]",
                    "benefit_class": f"benefits: [{{category: '{label}'}}]",
                    "milestone_status": f"timeline: {{milestones: [{{status: '{label}'}}]}}",
                "pay_point": f"posts: [{{point: '{label}'}}]",
                "driver": f"costs: [{{drivers: ['{label}']}}]"}[list_name]
            case = parse_case(line)
            assert code in case.model_dump_json(), (list_name, label)


def test_a_value_that_is_neither_code_nor_label_is_refused(tmp_path):
    refused(tmp_path, HEAD + "costs: [{option: O1, category: Travel}]\n", "costs[0].category: expected one of",
            '"Travel"')


# --- rates written as percentages -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "where", "meant"), [
    ("assumptions: {discount_rate: 3.5}", "assumptions.discount_rate", "did you mean 0.035, for 3.5%?"),
    ("assumptions: {discount_rate: 1}", "assumptions.discount_rate", "did you mean 0.01, for 1%?"),
    ("assumptions: {optimism_bias: 20}", "assumptions.optimism_bias", "did you mean 0.2, for 20%?"),
    ("options: [{id: O1, optimism_bias: 15}]", "options[0].optimism_bias", "did you mean 0.15, for 15%?"),
])
def test_a_percentage_where_a_fraction_is_expected_gets_the_fraction(tmp_path, text, where, meant):
    refused(tmp_path, HEAD + text + "\n", f"{where}: expected a fraction", meant)


def test_fractions_and_large_optimism_bias_are_accepted(tmp_path):
    case = accepted(tmp_path, HEAD + "assumptions: {discount_rate: 0.035, optimism_bias: 2}\n")
    assert case.assumptions.optimism_bias == 2  # 200%: within the Green Book's upper bounds
    refused(tmp_path, HEAD + "assumptions: {discount_rate: 350}\n", "assumptions.discount_rate: expected less than 1")


# --- empty files, dates, money and keys as people write them ----------------------------------------------------

@pytest.mark.parametrize("text", ["", "\n\n", "# a case file, to do\n", "~\n", "---\n"])
def test_an_empty_case_file_is_an_error(tmp_path, text):
    refused(tmp_path, text, "the case file is empty", "title and an organisation", "examples/")


@pytest.mark.parametrize("when", ["2027-04-01 09:00", "2027-04-01T09:00:00", "2027-04-01 09:00:00"])
def test_a_date_with_a_time_gets_a_plain_message(tmp_path, when):
    refused(tmp_path, HEAD + f"timeline: {{start: {when}}}\n", "timeline.start: expected a date without a time, "
            "e.g. 2027-04-01")


def test_midnight_is_the_date():
    assert str(parse_case("timeline: {start: 2027-04-01T00:00:00}").timeline.start) == "2027-04-01"


@pytest.mark.parametrize(("amount", "meant"), [
    ("£35,000", "did you mean 35000?"), ("35,000", "did you mean 35000?"), ("35k", "did you mean 35000?"),
    ("£1.2m", "did you mean 1200000?"), ("(500)", "did you mean -500?"), ("10%", "did you mean 0.1?"),
    ("35000 60000", "separate the numbers with commas"),
])
def test_money_written_as_on_paper_gets_the_number_to_write(tmp_path, amount, meant):
    refused(tmp_path, HEAD + f"costs:\n  - option: O1\n    amounts:\n      - {amount}\n",
            f'costs[0].amounts[0]: expected a number, got "{amount}" ({meant}')


def test_a_misspelt_or_capitalised_key_gets_the_key_meant(tmp_path):
    refused(tmp_path, "Title: Draft\n", "Title: unknown key: did you mean title?")
    refused(tmp_path, HEAD + "costs: [{optoin: O1}]\n", "costs[0].optoin: unknown key: did you mean option?")
    refused(tmp_path, HEAD + "timeline: {milestones: [{name: A, staus: late}]}\n",
            "timeline.milestones[0].staus: unknown key: did you mean status?")
    refused(tmp_path, HEAD + "colour: blue\n", "colour: unknown key (check the spelling against `xlcase schema`)")


@pytest.mark.parametrize(("text", "advice"), [
    ("title: Draft\nsummary:\n\tservice_need: x\n", "indent with spaces, not tabs"),
    ("title: Draft\nsummary: {service_need: x}\ndepartment: Note: medicine\n", 'a text holding ": " needs quotes'),
])
def test_yaml_syntax_slips_get_the_fix(tmp_path, text, advice):
    refused(tmp_path, text, "does not parse", advice)


# --- export records what was used -------------------------------------------------------------------------------

def test_export_writes_every_assumption_even_the_defaults(tmp_path):
    blank, example = tmp_path / "blank.xlsx", tmp_path / "example.xlsx"
    for out, source in ((blank, []), (example, ["--from", str(EXAMPLE)])):
        done = subprocess.run([sys.executable, "-m", "xlcase", "new", str(out), *source], capture_output=True,
                              text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
    financial = {"pay_award": 0.033, "non_pay_inflation": 0.02, "attrition": 0.0, "working_weeks": 45.0}
    for book, expected in ((blank, {"base_year": 2027, "appraisal_years": 10, "discount_rate": 0.035,
                                    "optimism_bias": 0.0, "optimism_bias_project_type": "outsourcing", **financial}),
                           (example, {"base_year": 2027, "appraisal_years": 10, "discount_rate": 0.035,
                                      "optimism_bias": 0.1, "optimism_bias_project_type": "outsourcing",
                                      "price_base_year": 2026, **financial, "attrition": 0.05})):
        for suffix in (".yaml", ".json"):
            out = book.with_suffix(suffix)
            done = subprocess.run([sys.executable, "-m", "xlcase", "export", str(book), "-o", str(out)],
                                  capture_output=True, text=True, cwd=ROOT)
            assert done.returncode == 0, done.stderr
            assert yaml.safe_load(out.read_text(encoding="utf-8"))["assumptions"] == expected
            assert load_case(out) == read_workbook(book).case  # and it round-trips


def test_export_writes_a_rate_changed_in_the_workbook(tmp_path):
    assert new_from(tmp_path, HEAD).returncode == 0
    book = tmp_path / "book.xlsx"
    workbook = openpyxl.load_workbook(tmp_path / "out.xlsx")
    sheet, cell = next(iter(workbook.defined_names["DiscountRate"].destinations))
    workbook[sheet][cell.replace("$", "")].value = 0.03
    workbook.save(book)
    exported = parse_case(subprocess.run([sys.executable, "-m", "xlcase", "export", str(book)], capture_output=True,
                                         text=True, cwd=ROOT).stdout)
    assert exported.assumptions.discount_rate == 0.03 and exported.assumptions.base_year == 2027
