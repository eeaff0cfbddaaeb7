"""`imr precheck --interactive TREATMENT`: ask what the rules need, then say what would happen.

The form's questions come first (request date, then the line's fields the rules read), then the
report that documents the clinical facts, then the clinical questions in guideline order. After
every answer the line is evaluated again and the questions whose answer can no longer change the
verdict are skipped. The verdict is printed and the request written as a request file -- an
existing file is only replaced when the user says so. Answers are read line by line, so the mode
works the same in a terminal and with piped input; the end of input answers "not documented".
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TextIO

import yaml
from rich.console import Console

from engine.errors import InputError
from engine.precheck.build import build_request
from engine.precheck.questions import REPORT_ID, Plan, Question, plan, relevant, request_for
from engine.precheck.report import VERDICT_LABEL, render
from engine.precheck.request import (
    NOT_DOCUMENTED,
    Attachment,
    ClinicalFacts,
    Employee,
    LoadedRequest,
    RecordedFact,
    Request,
    RequestLine,
)
from engine.precheck.run import precheck
from engine.precheck.verdict import Prechecker, line_verdict
from engine.rules import RulePack

_YES = frozenset({"y", "yes", "true"})
_NO = frozenset({"n", "no", "false"})
_UNKNOWN = frozenset({"", "?"})
_DOCUMENTS = ("PR-2", "DLSR-5021", "narrative", "consultation", "operative-report", "other")


class _Unknown(Exception):
    """The answer is "not documented"."""


class Interview:
    def __init__(
        self,
        treatment: str,
        as_of: dt.date | None,
        output: Path | None,
        pack: RulePack,
        stdin: TextIO,
        console: Console,
    ) -> None:
        if not treatment.strip():
            raise InputError(None, "name the treatment, e.g. --interactive 'physical therapy'")
        self.treatment = treatment.strip()
        self.as_of = as_of
        self.output = output
        self.checker = Prechecker(pack)
        self.stdin = stdin
        self.console = console

    # reading answers

    def read(self, prompt: str) -> str | None:
        self.console.print(prompt, end="", markup=False, highlight=False)
        line = self.stdin.readline()
        if not line:
            self.console.print("")
            return None
        if not self.stdin.isatty():
            # piped answers are not echoed by a terminal: show them, so the transcript reads as asked
            self.console.print(line.strip(), markup=False, highlight=False)
        return line.strip()

    def ask_date(self, prompt: str, default: dt.date | None) -> dt.date | None:
        shown = f" [{default.isoformat()}]" if default else " [YYYY-MM-DD, Enter to skip]"
        while True:
            answer = self.read(f"{prompt}{shown}: ")
            if not answer:
                return default
            try:
                return dt.date.fromisoformat(answer)
            except ValueError:
                self.console.print("  write the date as YYYY-MM-DD", style="yellow")

    def ask_text(self, prompt: str) -> str | None:
        answer = self.read(f"{prompt} [Enter to skip]: ")
        return answer or None

    def ask_int(self, prompt: str) -> int | None:
        while True:
            answer = self.read(f"{prompt} [Enter to skip]: ")
            if not answer:
                return None
            if answer.isdigit() and int(answer) > 0:
                return int(answer)
            self.console.print("  a whole number, please", style="yellow")

    def ask_choice(self, prompt: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        shown = "/".join(choices)
        while True:
            answer = self.read(
                f"{prompt} ({shown})" + (f" [{default}]" if default else " [Enter to skip]") + ": "
            )
            if not answer:
                return default
            matches = [c for c in choices if c.lower() == answer.lower()] or [
                c for c in choices if c.lower().startswith(answer.lower())
            ]
            if len(matches) == 1:
                return matches[0]
            self.console.print(f"  one of {shown}", style="yellow")

    def ask_fact(self, question: Question) -> object:
        spec = question.spec
        unit = f" ({spec.unit})" if spec.unit else ""
        while True:
            if spec.type == "boolean":
                answer = self.read(f"{spec.text} [y/n/?]: ")
            elif spec.values:
                answer = self.read(f"{spec.text} ({'/'.join(spec.values)}, ?): ")
            else:
                answer = self.read(f"{spec.text}{unit} [{spec.type}, ?]: ")
            try:
                return self._parse(question, answer)
            except ValueError as exc:
                self.console.print(f"  {exc}", style="yellow")
            except _Unknown:
                raise

    @staticmethod
    def _parse(question: Question, answer: str | None) -> object:
        spec = question.spec
        if answer is None or answer.lower() in _UNKNOWN:
            raise _Unknown
        text = answer.strip()
        match spec.type:
            case "boolean":
                if text.lower() in _YES:
                    return True
                if text.lower() in _NO:
                    return False
                raise ValueError("y, n, or ? when the record does not say")
            case "integer":
                if re.fullmatch(r"\d+", text):
                    return int(text)
                raise ValueError("a whole number, or ?")
            case "number":
                try:
                    number = float(text)
                except ValueError:
                    raise ValueError("a number, or ?") from None
                return int(number) if number == int(number) else number
            case "enum":
                if text in (spec.values or ()):
                    return text
                raise ValueError("one of " + ", ".join(spec.values or ()))
            case "enum_list":
                values = [v.strip() for v in text.split(",") if v.strip()]
                if values and all(v in (spec.values or ()) for v in values):
                    return values
                raise ValueError("one or more of " + ", ".join(spec.values or ()) + ", separated by commas")
            case "text_list":
                return [v.strip() for v in text.split(",") if v.strip()]
            case "date":
                try:
                    return dt.date.fromisoformat(text)
                except ValueError:
                    raise ValueError("a date as YYYY-MM-DD, or ?") from None
        return text

    # the interview

    def run(self) -> None:
        self.console.print(
            f"Pre-check of a request for {self.treatment}. Enter, or ?, answers 'not documented'.",
            style="bold",
        )
        date = self.ask_date("Date of the request", self.as_of or dt.date.today()) or dt.date.today()
        line = RequestLine(service=self.treatment)
        found = plan(line, date, self.checker)
        if found.region_needed:
            line = self.body_part(line)
            found = plan(line, date, self.checker)
        line, employee = self.form(found, line, date)
        found = plan(line, date, self.checker)
        report = self.ask_report()
        answers, skipped = self.clinical(found, line, date, employee, report)
        request = self.request(line, date, employee, report, answers)
        result = precheck(LoadedRequest(request, None, None), self.checker)
        self.console.print("")
        for renderable in render(result):
            self.console.print(renderable)
        if skipped:
            self.console.print(
                "not asked (no answer could change the verdict): " + ", ".join(q.fact for q in skipped),
                style="dim",
            )
        self.write(request)

    def body_part(self, line: RequestLine) -> RequestLine:
        while True:
            part = self.ask_text("Body part (the rules for this treatment differ by region)")
            if part is None:
                return line
            candidate = line.model_copy(update={"body_part": part})
            if self._builds(candidate):
                return candidate

    def _builds(self, line: RequestLine, date: dt.date | None = None) -> bool:
        try:
            build_request(
                LoadedRequest(request_for(line, date or dt.date.today()), None, None), self.checker.facts
            )
        except InputError as exc:
            self.console.print(f"  {exc.message}", style="yellow")
            return False
        return True

    def form(self, found: Plan, line: RequestLine, date: dt.date) -> tuple[RequestLine, Employee]:
        fields: dict[str, object] = {}
        fields["diagnosis"] = self.ask_text("Diagnosis")
        fields["icd_code"] = self.ask_text("ICD code of the diagnosis")
        for name, prompt in (
            ("quantity", "Quantity (visits or units)"),
            ("frequency", "Frequency (e.g. 3 times a week, twice a day)"),
            ("duration", "Duration (e.g. 4 weeks, 30 days)"),
            ("body_part", "Body part"),
        ):
            if name not in found.fields or getattr(line, name) is not None:
                continue
            while True:
                value = self.ask_int(prompt) if name == "quantity" else self.ask_text(prompt)
                candidate = line.model_copy(update={**fields, name: value})
                if value is None or self._builds(candidate, date):
                    fields[name] = value
                    break
        line = line.model_copy(update=fields)
        if "side" in plan(line, date, self.checker).fields:
            line = line.model_copy(update={"side": self.ask_choice("Side", ("left", "right", "bilateral"))})
        injured = self.ask_date("Date of injury", None)
        born = self.ask_date("Date of birth", None) if "date_of_birth" in found.fields else None
        if injured is not None and injured > date:
            self.console.print("  the date of injury is after the request date; left out", style="yellow")
            injured = None
        return line, Employee(date_of_injury=injured, date_of_birth=born)

    def ask_report(self) -> Attachment:
        self.console.print("The clinical facts: which report documents them?", style="bold")
        kind = self.ask_choice("Report", _DOCUMENTS, "PR-2") or "PR-2"
        dated = self.ask_date("Date of the report", None)
        return Attachment(id=REPORT_ID, type=kind, date=dated)  # type: ignore[arg-type]

    def clinical(
        self, found: Plan, line: RequestLine, date: dt.date, employee: Employee, report: Attachment
    ) -> tuple[dict[str, RecordedFact | str], list[Question]]:
        answers: dict[str, RecordedFact | str] = {}
        asked: set[str] = set()
        while True:
            request = self.request(line, date, employee, report, answers)
            built = build_request(LoadedRequest(request, None, None), self.checker.facts)
            item = self.checker.evaluate(built).items[0]
            pending = relevant(item, found.questions, asked, self.checker)
            if not pending:
                if len(asked) < len(found.questions):
                    verdict = VERDICT_LABEL[line_verdict(item)].lower()
                    self.console.print(f"(the line {verdict} whatever the other questions say)", style="dim")
                break
            question = pending[0]
            asked.add(question.fact)
            try:
                value = self.ask_fact(question)
            except _Unknown:
                answers[question.fact] = NOT_DOCUMENTED
                continue
            quote = None
            while not quote:
                quote = self.read("  the report's words that say so (? if it does not): ")
                if quote is None or quote == "?":
                    break
            if not quote or quote == "?":
                self.console.print("  without the report's words it is not documented", style="yellow")
                answers[question.fact] = NOT_DOCUMENTED
                continue
            answers[question.fact] = RecordedFact(value=value, source=REPORT_ID, quote=quote)  # type: ignore[arg-type]
        skipped = [q for q in found.questions if q.fact not in asked]
        return answers, skipped

    def request(
        self,
        line: RequestLine,
        date: dt.date,
        employee: Employee,
        report: Attachment,
        answers: dict[str, RecordedFact | str],
    ) -> Request:
        specs = self.checker.facts.specs
        item: ClinicalFacts = {k: v for k, v in answers.items() if specs[k].scope == "item"}  # type: ignore[misc]
        patient: ClinicalFacts = {k: v for k, v in answers.items() if specs[k].scope == "case"}  # type: ignore[misc]
        request = request_for(line.model_copy(update={"clinical": item}), date, employee, patient)
        return request.model_copy(update={"attachments": [report]})

    # the request file

    def write(self, request: Request) -> None:
        slug = re.sub(r"[^a-z0-9]+", "-", self.treatment.lower()).strip("-") or "treatment"
        path = self.output or Path(f"request-{slug}.yaml")
        while path.exists():
            answer = self.read(f"{path} exists. Overwrite it? [y/N]: ")
            if answer is not None and answer.lower() in _YES:
                break
            other = self.read("Write the request to another file (Enter: do not write): ")
            if not other:
                self.console.print("request not written", style="yellow")
                return
            path = Path(other)
        try:
            path.write_text(request_yaml(request, self.treatment), encoding="utf-8")
        except OSError as exc:
            raise InputError(path, f"cannot write: {exc}") from None
        self.console.print(f"request written to {path}", markup=False, highlight=False)


def request_yaml(request: Request, treatment: str) -> str:
    data = request.model_dump(mode="python", exclude_none=True, exclude_defaults=True)
    data["rfa"]["date"] = request.rfa.date
    header = f"# Request for {treatment}, by imr precheck --interactive; check it: imr precheck FILE\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
