"""Pre-check one request file: read it (request YAML, or a FHIR QuestionnaireResponse), build it,
check the form, evaluate every line, and say what would pass, fail or needs documentation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.precheck.build import build_request
from engine.precheck.form import FormProblem, check_form
from engine.precheck.request import LoadedRequest, read_request_yaml
from engine.precheck.verdict import Prechecker, PrecheckResult
from engine.rules import RulePack


@dataclass(frozen=True)
class Report:
    result: PrecheckResult
    form: tuple[FormProblem, ...]
    loaded: LoadedRequest

    def file_line(self, problem: FormProblem) -> int | None:
        """The request file's line of the problem's field; None for a section the file leaves out."""
        document = self.loaded.document
        data = document.data if document is not None else None
        for part in problem.loc:
            if (isinstance(data, dict) and part in data) or (
                isinstance(data, list) and isinstance(part, int) and part < len(data)
            ):
                data = data[part]
            else:
                return None
        return self.loaded.line_of(problem.loc)


def read_request(path: Path) -> LoadedRequest:
    """A request file, or a QuestionnaireResponse made from `imr precheck --questionnaire`."""
    if path.suffix.lower() == ".json":
        from engine.precheck.fhir_response import read_response_request

        return read_response_request(path)
    loaded = read_request_yaml(path)
    if loaded.request.clinical_response is not None:
        from engine.precheck.fhir_response import with_clinical_response

        return with_clinical_response(loaded)
    return loaded


def precheck(loaded: LoadedRequest, checker: Prechecker) -> Report:
    built = build_request(loaded, checker.facts)
    result = checker.check(built)
    form = check_form(built, [line.item for line in result.lines], checker.pack)
    return Report(result, tuple(form), loaded)


def precheck_file(path: Path, pack: RulePack) -> Report:
    return precheck(read_request(path), Prechecker(pack))
