"""The questions as an HL7 FHIR R4 Questionnaire: valid against the FHIR models, with enableWhen skip
logic, and a QuestionnaireResponse to it read back as the request gives the same verdict."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from engine.paths import PROJECT_ROOT
from engine.precheck.examples import REQUESTS_DIR
from engine.precheck.fhir import questionnaire, response_from_request
from engine.precheck.fhir_response import read_response_request
from engine.precheck.questions import plan, plan_for_treatment
from engine.precheck.request import read_request_yaml
from engine.precheck.run import precheck
from engine.precheck.verdict import Prechecker
from engine.rules import load_rules

IMR = str(Path(sys.executable).parent / "imr")
TREATMENTS = [
    "physical therapy lumbar spine",
    "Norco 10/325 mg",
    "MRI lumbar spine",
    "acupuncture",
    "lumbar epidural steroid injection",
    "right knee arthroscopy",
]


@pytest.fixture(scope="module")
def checker() -> Prechecker:
    return Prechecker(load_rules())


def _items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        out.append(item)
        out.extend(_items(item.get("item", [])))
    return out


@pytest.mark.parametrize("treatment", TREATMENTS)
def test_the_questionnaire_is_a_valid_fhir_questionnaire_in_guideline_order(
    treatment: str, checker: Prechecker
) -> None:
    found = plan_for_treatment(treatment, dt.date(2016, 11, 2), checker)
    document = questionnaire(found, checker.pack, treatment)
    Questionnaire.model_validate(document)  # raises on anything the FHIR model refuses
    items = _items(document["item"])
    link_ids = [i["linkId"] for i in items]
    assert len(link_ids) == len(set(link_ids))  # que-2
    assert all(i.get("item") for i in items if i["type"] == "group")  # que-1
    assert all(
        "enableBehavior" in i for i in items if len(i.get("enableWhen", [])) > 1
    )  # que-12 (R4 and R4B)
    facts = [
        i["linkId"].removeprefix("fact.")
        for i in items
        if i["linkId"].count(".") == 1 and i["linkId"].startswith("fact.")
    ]
    assert facts == [q.fact for q in found.questions]
    for item in items:
        for condition in item.get("enableWhen", []):
            assert condition["question"] in link_ids
            assert link_ids.index(condition["question"]) < link_ids.index(item["linkId"])


def test_skip_logic_gates_and_stops(checker: Prechecker) -> None:
    found = plan_for_treatment("physical therapy lumbar spine", dt.date(2016, 11, 2), checker)
    items = {i["linkId"]: i for i in _items(questionnaire(found, checker.pack, "pt")["item"])}
    # the six-visit trial's questions are asked only after a prior course
    gate = items["fact.functional_improvement"]["enableWhen"]
    assert {"question": "fact.prior_course", "operator": "=", "answerBoolean": True} in gate
    imaging = plan_for_treatment("MRI lumbar spine", dt.date(2016, 11, 2), checker)
    items = {i["linkId"]: i for i in _items(questionnaire(imaging, checker.pack, "mri")["item"])}
    repeat = items["fact.significant_change_since_imaging"]["enableWhen"]
    assert {"question": "fact.prior_imaging_same_region", "operator": "=", "answerBoolean": True} in repeat


def test_the_cli_writes_the_questionnaire(tmp_path: Path) -> None:
    out = tmp_path / "q.json"
    done = subprocess.run(
        [IMR, "precheck", "--questionnaire", "acupuncture", "--as-of", "2016-11-02", "-o", str(out)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert Questionnaire.model_validate(document).get_resource_type() == "Questionnaire"
    assert document["effectivePeriod"]["start"] <= "2016-11-02"
    vague = subprocess.run(
        [IMR, "precheck", "--questionnaire", "MRI"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert vague.returncode == 2 and "body part" in vague.stderr


def _round_trippable() -> list[Path]:
    paths = []
    for path in sorted(REQUESTS_DIR.glob("*.yaml")):
        request = read_request_yaml(path).request
        if len(request.items) == 1 and request.items[0].treatment is None:
            paths.append(path)
    return paths


ROUND_TRIP = _round_trippable()


def test_many_examples_round_trip() -> None:
    assert len(ROUND_TRIP) > 100


@pytest.mark.parametrize("path", ROUND_TRIP, ids=lambda p: p.stem)
def test_a_response_round_trips_to_the_same_verdict(path: Path, checker: Prechecker, tmp_path: Path) -> None:
    loaded = read_request_yaml(path)
    request = loaded.request
    line = request.items[0].model_copy(update={"clinical": {}})
    found = plan(line, request.rfa.date, checker)
    document = questionnaire(found, checker.pack, line.service)
    response = response_from_request(request, document)
    QuestionnaireResponse.model_validate(response)
    written = tmp_path / "response.json"
    written.write_text(json.dumps(response))
    before = precheck(loaded, checker).result.lines[0]
    after = precheck(read_response_request(written), checker).result.lines[0]
    assert after.verdict == before.verdict


def test_a_request_file_takes_its_clinical_block_from_a_response(checker: Prechecker, tmp_path: Path) -> None:
    path = next(
        p
        for p in ROUND_TRIP
        if p.stem.startswith("ancillary-false-physical_therapy") and p.stem.endswith("-fail")
    )
    loaded = read_request_yaml(path)
    request = loaded.request
    found = plan(request.items[0].model_copy(update={"clinical": {}}), request.rfa.date, checker)
    response = response_from_request(request, questionnaire(found, checker.pack, request.items[0].service))
    (tmp_path / "clinical.json").write_text(json.dumps(response))
    bare = request.model_copy(
        update={
            "clinical": {},
            "items": [request.items[0].model_copy(update={"clinical": {}})],
            "clinical_response": "clinical.json",
        }
    )
    from engine.precheck.interactive import request_yaml

    (tmp_path / "request.yaml").write_text(request_yaml(bare, "test"))
    done = subprocess.run(
        [IMR, "precheck", str(tmp_path / "request.yaml"), "--json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["lines"][0]["verdict"] == precheck(loaded, checker).result.lines[0].verdict


def test_a_response_without_the_record_s_words_is_refused(checker: Prechecker, tmp_path: Path) -> None:
    path = next(p for p in ROUND_TRIP if read_request_yaml(p).request.clinical)
    request = read_request_yaml(path).request
    found = plan(request.items[0].model_copy(update={"clinical": {}}), request.rfa.date, checker)
    response = response_from_request(request, questionnaire(found, checker.pack, request.items[0].service))
    broken = json.loads(json.dumps(response))
    for group in broken["item"]:
        for item in group["item"]:
            for answer in item.get("answer", []):
                answer["item"] = [c for c in answer.get("item", []) if not c["linkId"].endswith(".quote")]
    (tmp_path / "r.json").write_text(json.dumps(broken, indent=2))
    done = subprocess.run(
        [IMR, "precheck", str(tmp_path / "r.json")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout
    assert "r.json:" in done.stderr and "words that record it" in done.stderr
