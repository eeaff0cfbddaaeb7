"""`imr precheck REQUEST`: the request file, the form checks, the per-line verdicts, what to
document and the request that would comply; bad request files are one line naming file and line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from engine.paths import PROJECT_ROOT
from engine.precheck.request import read_request_yaml, request_schema
from engine.precheck.run import Report, precheck
from engine.precheck.verdict import Prechecker
from engine.rules import load_rules

IMR = str(Path(sys.executable).parent / "imr")

PHYSICAL_THERAPY = """\
rfa: {type: new, date: 2016-11-02, signed: true}
employee: {name: "Doe, Jane", date_of_birth: 1958-04-01, date_of_injury: 2012-06-12, employer: Acme}
physician: {name: "Roe, Richard", specialty: Physical Medicine & Rehabilitation}
attachments:
  - {id: pr2, type: PR-2, date: 2016-10-28, pages: 4}
items:
  - diagnosis: Lumbar radiculopathy
    icd_code: M54.16
    service: Physical therapy
    cpt_hcpcs: "97110"
    quantity: 12
    frequency: 3 times a week
    duration: 4 weeks
    body_part: lumbar spine
    clinical:
      prior_visits: {value: 6, source: pr2, page: 2, quote: "She has completed 6 sessions of therapy."}
clinical:
  objective_functional_deficits: {value: true, source: pr2, quote: "Lumbar flexion limited to 40 degrees."}
"""


def run(*args: str, cwd: Path = PROJECT_ROOT, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IMR, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False, input=stdin
    )


@pytest.fixture(scope="module")
def checker() -> Prechecker:
    return Prechecker(load_rules())


def write(tmp_path: Path, text: str, name: str = "request.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def check(tmp_path: Path, text: str, checker: Prechecker) -> Report:
    return precheck(read_request_yaml(write(tmp_path, text)), checker)


def test_the_schema_is_the_request_model() -> None:
    done = run("precheck", "--schema")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert schema == json.loads(json.dumps(request_schema()))
    assert {"rfa", "items", "clinical", "attachments"} <= set(schema["properties"])
    assert schema["required"] == ["rfa", "items"]


def test_over_the_visit_limit_the_line_fails_and_names_the_request_that_would_comply(
    tmp_path: Path, checker: Prechecker
) -> None:
    report = check(tmp_path, PHYSICAL_THERAPY, checker)
    assert not report.form
    (line,) = report.result.lines
    assert line.verdict == "would_fail"
    by_id = {f.criterion.id: f for f in line.findings}
    # 6 given + 12 asked exceeds the 10-visit course: at most 4 more, read from the rule's own limit
    course = by_id["CPMTG2016-PM-03"]
    assert course.criterion.status == "not_met" and course.decides
    (adjustment,) = course.adjustments
    assert (adjustment.fact, adjustment.requested, adjustment.allowed) == ("visits_requested", 12, 4)
    assert line.compliance is not None
    assert line.compliance.verdict == "would_pass"
    assert "quantity 4" in line.compliance.text


def test_the_compliant_figure_comes_from_the_rule_data(tmp_path: Path) -> None:
    """Change the limit in a copy of the rule file and the figure follows."""
    rules = tmp_path / "rules"
    import shutil

    shutil.copytree(PROJECT_ROOT / "rules", rules)
    path = rules / "mtus-cpmtg-2016" / "physical-medicine.yaml"
    text = path.read_text()
    assert "{fact: visits_requested, lte: 10, minus: prior_visits}" in text
    path.write_text(
        text.replace(
            "{fact: visits_requested, lte: 10, minus: prior_visits}",
            "{fact: visits_requested, lte: 9, minus: prior_visits}",
        )
    )
    request = write(tmp_path, PHYSICAL_THERAPY)
    done = run("precheck", str(request), "--json", "--rules", str(rules))
    assert done.returncode == 0, done.stderr
    (line,) = json.loads(done.stdout)["lines"]
    course = next(c for c in line["criteria"] if c["id"] == "CPMTG2016-PM-03")
    assert course["comply"][0]["allowed"] == 3
    assert course["comply"][0]["statement"] == "at most 3 visits: 12 requested"


def test_a_line_that_lacks_documentation_says_what_to_document_with_the_citation(
    tmp_path: Path, checker: Prechecker
) -> None:
    # 6 given + 4 asked fits the course and deficits remain; what the six-visit trial achieved is
    # not on record, so the trial rule can neither pass nor fail it
    text = PHYSICAL_THERAPY.replace("quantity: 12", "quantity: 4").replace(
        "      prior_visits:",
        '      prior_course: {value: true, source: pr2, quote: "She has completed 6 sessions of therapy."}\n'
        '      remaining_deficits_need_supervision: {value: true, source: pr2, quote: "Gait antalgic."}\n'
        "      prior_visits:",
    )
    report = check(tmp_path, text, checker)
    (line,) = report.result.lines
    assert line.verdict == "needs_documentation"
    deciding = [f for f in line.findings if f.decides]
    needed = {need.name for f in deciding for need in f.to_document}
    assert "functional_improvement" in needed
    assert all(f.criterion.citation.section for f in deciding)


def test_a_request_within_the_course_would_pass(tmp_path: Path, checker: Prechecker) -> None:
    report = check(tmp_path, PHYSICAL_THERAPY.replace("quantity: 12", "quantity: 4"), checker)
    assert report.result.lines[0].verdict == "would_pass"


def test_the_form_checks(tmp_path: Path, checker: Prechecker) -> None:
    text = (
        PHYSICAL_THERAPY.replace("icd_code: M54.16", "icd_code: '724.4'")
        .replace("    quantity: 12\n", "")
        .replace("signed: true", "signed: false, expedited: true")
        .replace('name: "Doe, Jane", ', "")
    )
    report = check(tmp_path, text, checker)
    codes = {p.code: p for p in report.form}
    assert set(codes) >= {"F001", "F003", "F005", "F010", "F012"}
    assert "ICD-10-CM" in codes["F003"].message  # ICD-9 code on a 2016 request
    assert codes["F003"].line_number == 1 and report.file_line(codes["F003"]) is not None
    # no quantity: the visit limits cannot be checked, and the form is where to state it
    line = report.result.lines[0]
    assert line.verdict == "needs_documentation"
    needs = [n for f in line.findings if f.decides for n in f.to_document if n.name == "visits_requested"]
    assert needs and needs[0].text.startswith("state it on the form (quantity)")


def test_the_icd_code_system_follows_the_request_date(tmp_path: Path, checker: Prechecker) -> None:
    text = PHYSICAL_THERAPY.replace("date: 2016-11-02", "date: 2015-03-02").replace(
        "date: 2016-10-28", "date: 2015-02-26"
    )
    assert "F003" in {p.code for p in check(tmp_path, text, checker).form}
    assert "F003" not in {p.code for p in check(tmp_path, text.replace("M54.16", "'724.4'"), checker).form}


def test_a_resubmission_needs_the_changed_facts(tmp_path: Path, checker: Prechecker) -> None:
    text = PHYSICAL_THERAPY.replace("type: new", "type: resubmission, prior_decision: {date: 2016-08-01}")
    problems = [p for p in check(tmp_path, text, checker).form if p.code == "F011"]
    assert problems and "12 months" in problems[0].message
    changed = text.replace("{date: 2016-08-01}", "{date: 2016-08-01, changed_facts: [Completed 6 visits]}")
    assert not [p for p in check(tmp_path, changed, checker).form if p.code == "F011"]


def test_the_terminal_report_and_json(tmp_path: Path) -> None:
    request = write(tmp_path, PHYSICAL_THERAPY)
    shown = run("precheck", str(request))
    assert shown.returncode == 0, shown.stderr
    assert "WOULD FAIL" in shown.stdout
    assert "the request that would comply" in shown.stdout
    done = run("precheck", str(request), "--json")
    document = json.loads(done.stdout)
    assert document["request_date"] == "2016-11-02"
    assert len(document["rules_version"]) == 64
    (line,) = document["lines"]
    assert line["verdict"] == "would_fail"
    assert line["compliant_request"]["verdict"] == "would_pass"
    failing = next(c for c in line["criteria"] if c["id"] == "CPMTG2016-PM-03")
    assert failing["evidence"] == ["“She has completed 6 sessions of therapy.” [PR-2 2016-10-28 p.2]"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("items:\n", "items: [\n", "invalid YAML"),
        ("    quantity: 12\n", "    quantity: twelve\n", "quantity"),
        ("prior_visits:", "prior_visitz:", "unknown fact"),
        ("{value: 6, source: pr2", '{value: "6", source: pr2', "expects integer"),
        ("source: pr2, page: 2", "source: pr3, page: 2", "not an attachment"),
        ("    frequency: 3 times a week\n", "    frequency: now and then\n", "frequency"),
        ("    body_part: lumbar spine\n", "    body_part: aura\n", "body part"),
        ("    cpt_hcpcs:", "    colour: blue\n    cpt_hcpcs:", "Extra inputs"),
        ("      prior_visits:", "      quantity_specified:", "read from the form"),
        ("  objective_functional_deficits:", "  prior_course:", "describes a requested item"),
    ],
)
def test_a_bad_request_file_is_one_line_naming_file_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in PHYSICAL_THERAPY
    request = write(tmp_path, PHYSICAL_THERAPY.replace(old, new, 1))
    done = run("precheck", str(request))
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert re.search(r"request\.yaml:\d+: ", lines[0]), lines[0]
    assert message in lines[0]
    line_number = int(re.search(r"request\.yaml:(\d+):", lines[0]).group(1))  # type: ignore[union-attr]
    written = request.read_text().splitlines()[line_number - 1]
    first_word = new.strip().split(":")[0].split()[0].strip("{[")
    assert first_word in written or old.strip().split(":")[0] in written or message == "invalid YAML"


def test_the_template_is_a_request_that_lists_the_facts_the_rules_need(tmp_path: Path) -> None:
    out = tmp_path / "template.yaml"
    done = run(
        "precheck", "--template", "physical therapy lumbar spine", "--as-of", "2016-11-02", "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load(out.read_text())
    assert data["items"][0]["service"] == "physical therapy lumbar spine"
    assert data["items"][0]["clinical"]["prior_visits"] == "not documented"
    assert "CPMTG2016-PM-03" in out.read_text()
    checked = run("precheck", str(out), "--json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["lines"][0]["verdict"] in ("would_fail", "needs_documentation")
    again = run("precheck", "--template", "physical therapy", "-o", str(out))
    assert again.returncode == 2 and "already exists" in again.stderr


def test_exactly_one_mode(tmp_path: Path) -> None:
    done = run("precheck")
    assert done.returncode == 2 and "give one of REQUEST" in done.stderr
    both = run("precheck", "--schema", "--template", "physical therapy")
    assert both.returncode == 2
