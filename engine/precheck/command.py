"""`imr precheck`: one request, its schema, a template, a FHIR Questionnaire, or the interactive mode."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from engine.errors import InputError
from engine.rules import RulePack


@dataclass(frozen=True)
class PrecheckOptions:
    request: Path | None
    as_json: bool
    rules: list[Path] | None
    schema: bool
    interactive: str | None
    questionnaire: str | None
    template: str | None
    output: Path | None
    force: bool
    as_of: dt.date | None


def write_new(path: Path, text: str, force: bool) -> None:
    """Write a file the user named; an existing file is kept unless --force says otherwise."""
    if path.exists() and not force:
        raise InputError(path, "already exists; choose another --output or add --force to overwrite it")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(path, f"cannot write: {exc}") from None


def _emit(text: str, options: PrecheckOptions, console: Console, what: str) -> None:
    if options.output is None:
        sys.stdout.write(text)
    else:
        write_new(options.output, text, options.force)
        console.print(f"{what} written to {options.output}", markup=False, highlight=False)


def run(options: PrecheckOptions, pack: Callable[[], RulePack], console: Console) -> int:
    modes = [
        name
        for name, given in (
            ("REQUEST", options.request is not None),
            ("--schema", options.schema),
            ("--interactive", options.interactive is not None),
            ("--questionnaire", options.questionnaire is not None),
            ("--template", options.template is not None),
        )
        if given
    ]
    if len(modes) != 1:
        raise InputError(
            None,
            "give one of REQUEST, --schema, --interactive TREATMENT, --questionnaire TREATMENT, "
            "--template TREATMENT" + (f" (got {', '.join(modes)})" if modes else ""),
        )
    as_of = options.as_of or dt.date.today()
    if options.schema:
        from engine.precheck.request import request_schema

        _emit(json.dumps(request_schema(), indent=2) + "\n", options, console, "schema")
        return 0
    if options.template is not None:
        from engine.precheck.template import template_yaml

        _emit(template_yaml(options.template, as_of, pack()), options, console, "template")
        return 0
    if options.questionnaire is not None:
        from engine.precheck.fhir import questionnaire
        from engine.precheck.questions import plan_for_treatment
        from engine.precheck.verdict import Prechecker

        checker = Prechecker(pack())
        found = plan_for_treatment(options.questionnaire, as_of, checker)
        document = questionnaire(found, checker.pack, options.questionnaire)
        _emit(json.dumps(document, indent=2) + "\n", options, console, "questionnaire")
        return 0
    if options.interactive is not None:
        from engine.precheck.interactive import Interview

        Interview(options.interactive, options.as_of, options.output, pack(), sys.stdin, console).run()
        return 0
    assert options.request is not None
    from engine.precheck.report import render, report_json
    from engine.precheck.run import precheck_file

    report = precheck_file(options.request, pack())
    if options.as_json:
        sys.stdout.write(json.dumps(report_json(report), indent=2, default=str) + "\n")
    else:
        for renderable in render(report):
            console.print(renderable)
    return 0
