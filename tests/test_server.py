"""`xlcase serve`: the xlwings Server app with xlcase registered, through HTTP (in process and as a real process)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("xlwings_server")
httpx = pytest.importorskip("httpx")

from excel_payloads import book_payload, function_call, table_values  # noqa: E402
from xlcase.api import new_workbook  # noqa: E402
from xlcase.appraisal import present_value  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CASE = ROOT / "examples" / "ward-assistant-practitioners.yaml"
LOCALHOST = "127.0.0.1"
START_TIMEOUT = 60.0
FUNCTION_NAMES = {"XLCASE_DISCOUNT_FACTORS", "XLCASE_PV", "XLCASE_NPV", "XLCASE_BCR", "XLCASE_PAYBACK",
                  "XLCASE_SWITCHING_VALUES", "XLCASE_VALIDATE"}


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from xlcase.server import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    return new_workbook(tmp_path_factory.mktemp("server") / "case.xlsx", case_file=EXAMPLE_CASE)


def test_meta_lists_xlcase_functions_and_no_examples(client):
    response = client.get("/xlwings/custom-functions-meta")
    assert response.status_code == 200
    assert {f["name"] for f in response.json()["functions"]} == FUNCTION_NAMES


def test_scripts_meta(client):
    names = {s["function_name"] for s in client.get("/xlwings/custom-scripts-meta").json()}
    assert names == {"validate_book_script", "recalc_book_script"}


def test_function_call_npv(client):
    response = client.post("/xlwings/custom-functions-call",
                           json=function_call("xlcase_npv", [[100, 50]], [[0, 200]], None, None))
    assert response.status_code == 200
    expected = present_value([0, 200]) - present_value([100, 50])
    assert response.json() == {"result": [[pytest.approx(expected)]]}


def test_function_call_never_paid_back_is_na(client):
    response = client.post("/xlwings/custom-functions-call",
                           json=function_call("xlcase_payback", [[100]], [[1]], None, None))
    assert response.json() == {"result": [[{"type": "Error", "errorType": "NotAvailable"}]]}


def test_bad_input_is_a_400_with_the_message_so_excel_shows_it_and_does_not_retry(client):
    response = client.post("/xlwings/custom-functions-call",
                           json=function_call("xlcase_pv", [["twelve"]], None))
    assert response.status_code == 400
    assert response.text.startswith("xlcase: values must hold numbers") and "Traceback" not in response.text


def test_validate_function_call(client, workbook):
    table = table_values(workbook, "Options")
    table[1][table[0].index("Do nothing")] = "No"
    response = client.post("/xlwings/custom-functions-call", json=function_call("xlcase_validate", table, "options"))
    rows = response.json()["result"]
    assert rows[0] == ["Rule", "Severity", "Message", "Row"] and any(r[0] == "XC201" for r in rows[1:])


def test_script_call_writes_the_validation_sheet(client, workbook):
    response = client.post("/xlwings/custom-scripts-call/validate_book_script", json=book_payload(workbook))
    assert response.status_code == 200
    actions = response.json()["actions"]
    assert actions[0]["func"] == "addSheet" and actions[0]["args"][1] == "Validation"
    assert actions[1]["func"] == "setValues" and actions[1]["values"][0][0] == "Rule"


def test_script_call_recalc(client, workbook):
    actions = client.post("/xlwings/custom-scripts-call/recalc_book_script", json=book_payload(workbook)).json()["actions"]
    assert any(a["func"] == "setValues" and ["Option ID", "Option"] == a["values"][2][:2] for a in actions)


def test_the_manifest_is_served(client):
    response = client.get("/manifest")
    assert response.status_code == 200 and "<OfficeApp" in response.text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOCALHOST, 0))
        return probe.getsockname()[1]


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"xlcase serve exited with {process.returncode}: {process.stderr.read()}")
        try:
            if httpx.get(f"{base}/xlwings/custom-functions-meta", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("xlcase serve did not start in time")


@pytest.mark.slow
def test_xlcase_serve_as_a_real_process(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen([sys.executable, "-m", "xlcase", "serve", "--host", LOCALHOST, "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://{LOCALHOST}:{port}"
    try:
        wait_until_up(base, process)
        meta = httpx.get(f"{base}/xlwings/custom-functions-meta", timeout=10).json()
        assert {f["name"] for f in meta["functions"]} == FUNCTION_NAMES
        response = httpx.post(f"{base}/xlwings/custom-functions-call",
                              json=function_call("xlcase_pv", [[100, 100]], None), timeout=10)
        assert response.json() == {"result": [[pytest.approx(present_value([100, 100]))]]}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    assert "noncommercial" in process.stderr.read().lower()  # the licence notice when no key is set
