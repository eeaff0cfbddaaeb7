"""The pre-check out: a terminal report and one JSON document (`imr precheck --json`)."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from engine.evaluate import CriterionResult
from engine.precheck.run import Report
from engine.precheck.verdict import Adjustment, Compliance, Finding, LineResult, Verdict
from engine.terminal import plain, safe

VERDICT_LABEL: dict[Verdict, str] = {
    "would_pass": "WOULD PASS",
    "needs_documentation": "NEEDS DOCUMENTATION",
    "would_fail": "WOULD FAIL",
    "not_covered": "NOT COVERED",
}
VERDICT_STYLE: dict[Verdict, str] = {
    "would_pass": "green",
    "needs_documentation": "yellow",
    "would_fail": "bold red",
    "not_covered": "magenta",
}
_EXPLAIN: dict[Verdict, str] = {
    "would_pass": "every criterion that decides it is met",
    "needs_documentation": "documenting what is missing could let it pass",
    "would_fail": "a criterion is not met as documented; IMR decides the request as written",
    "not_covered": "no rule covers this service; nothing is predicted",
}


def citation_text(c: CriterionResult) -> str:
    text = f"{c.citation.edition}, {c.citation.section}"
    return text + (f", p.{c.citation.pages}" if c.citation.pages else "")


def adjustment_text(a: Adjustment) -> str:
    figure = f"{a.allowed:g}"
    if a.fact == "weeks_since_injury":
        return f"at least {figure} weeks after the injury ({a.requested:g} at the request date)"
    unit = f" {a.unit}" if a.unit else f" ({a.fact})"
    words = "at most" if a.direction == "at_most" else "at least"
    return f"{words} {figure}{unit}: {a.requested:g} requested"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _finding_block(report: Report, line: LineResult, finding: Finding) -> Text:
    c = finding.criterion
    text = Text()
    mark, style = ("✗", "red") if c.status == "not_met" else ("?", "yellow")
    if not finding.decides:
        style = "dim"
    text.append(f"  {mark} {c.id}  ", style=style)
    status = "not met" if c.status == "not_met" else "not documented"
    if not finding.decides:
        status += " (set aside: the guideline does not require it here)"
    elif finding.alternative:
        status += " (one of the alternatives the rule accepts)"
    text.append(status, style=style)
    text.append(f"\n      {c.text}")
    text.append(f"\n      cites     {citation_text(c)}", style="cyan")
    if c.uncertain:
        text.append(f"\n      uncertain {c.uncertain}", style="magenta")
    if c.status == "not_met":
        documented = [f"{name} = {_value(v)}" for name, v in c.facts.items() if v is not None]
        if documented:
            text.append("\n      as written " + ", ".join(documented))
        for quote in _sources(report, line.number, c):
            text.append(f"\n                {quote}", style="italic")
    for need in finding.to_document:
        text.append(f"\n      document  {need.name}: {need.text}")
    for adjustment in finding.adjustments:
        text.append(f"\n      comply    {adjustment_text(adjustment)}", style="bold")
    return text


def _sources(report: Report, number: int, c: CriterionResult) -> list[str]:
    built = report.result.built
    attachments = {a.id: a for a in built.request.attachments}
    quotes = []
    for name in c.facts:
        recorded = built.recorded.get((number, name)) or built.recorded.get((None, name))
        if recorded is None:
            continue
        source = attachments[recorded.source]
        where = f"{source.type} {source.date.isoformat() if source.date else '(undated)'}"
        if recorded.page:
            where += f" p.{recorded.page}"
        quotes.append(safe(f"“{recorded.quote}” [{where}]"))
    return quotes


def _compliance_block(compliance: Compliance) -> Text:
    text = Text()
    if compliance.verdict == "would_pass":
        text.append("  the request that would comply: ", style="bold green")
    else:
        text.append("  with the figures the guideline allows: ", style="bold")
    text.append(safe(compliance.text))
    if compliance.verdict != "would_pass":
        text.append(
            f"  -> still {VERDICT_LABEL[compliance.verdict].lower()}", style=VERDICT_STYLE[compliance.verdict]
        )
    return text


def render(report: Report) -> list[RenderableType]:
    result = report.result
    built = result.built
    header = Text()
    header.append(safe(f"pre-check of {built.path or 'request'}"), style="bold")
    header.append(
        f"\nguideline editions in force on the request date {built.as_of.isoformat()}"
        f"\nrules version {result.rules_version[:12]}",
    )
    out: list[RenderableType] = [header]
    if report.form:
        form = Text(
            "form problems (a claims administrator may return the request as not complete):", style="bold"
        )
        for problem in report.form:
            where = report.file_line(problem)
            form.append("\n  " + safe(f"{problem.code} {problem.message}"), style="yellow")
            form.append(f"  [{problem.citation}{f'; line {where}' if where else ''}]", style="dim")
        out.append(form)
    else:
        out.append(Text("form: complete", style="green"))
    for line in result.lines:
        headline = Text(
            f"{VERDICT_LABEL[line.verdict]}: {_EXPLAIN[line.verdict]}", style=VERDICT_STYLE[line.verdict]
        )
        parts: list[RenderableType] = [headline]
        if line.item.rule_ids:
            parts.append(Text("rules: " + ", ".join(line.item.rule_ids), style="dim"))
        parts.extend(_finding_block(report, line, f) for f in line.findings)
        if line.compliance is not None:
            parts.append(_compliance_block(line.compliance))
        out.append(Panel(Group(*parts), title=plain(f"line {line.number}: {line.text}"), title_align="left"))
    out.append(Text(summary_line(report)))
    return out


def summary_line(report: Report) -> str:
    counts: dict[str, int] = {}
    for line in report.result.lines:
        counts[line.verdict] = counts.get(line.verdict, 0) + 1
    parts = [f"{n} {VERDICT_LABEL[v].lower()}" for v, n in counts.items()]  # type: ignore[index]
    return (
        f"{len(report.result.lines)} line(s): " + ", ".join(parts) + f"; {len(report.form)} form problem(s)"
    )


def _criterion_json(report: Report, line: LineResult, finding: Finding) -> dict[str, Any]:
    c = finding.criterion
    return {
        "id": c.id,
        "rule_id": finding.rule_id,
        "status": c.status,
        "decides": finding.decides,
        "alternative": finding.alternative,
        "text": c.text,
        "citation": c.citation.model_dump(),
        "facts": c.facts,
        "evidence": _sources(report, line.number, c) or c.evidence,
        "to_document": [{"fact": n.name, "text": n.text} for n in finding.to_document],
        "comply": [
            {
                "fact": a.fact,
                "requested": a.requested,
                "allowed": a.allowed,
                "direction": a.direction,
                "unit": a.unit,
                "statement": adjustment_text(a),
            }
            for a in finding.adjustments
        ],
        "uncertain": c.uncertain,
    }


def report_json(report: Report) -> dict[str, Any]:
    result = report.result
    built = result.built
    return {
        "rules_version": result.rules_version,
        "request": str(built.path) if built.path else None,
        "request_date": built.as_of.isoformat(),
        "form": [
            {
                "code": p.code,
                "message": p.message,
                "check": p.check,
                "citation": p.citation,
                "item": p.line_number,
                "file_line": report.file_line(p),
            }
            for p in report.form
        ],
        "lines": [
            {
                "line": line.number,
                "text": line.text,
                "verdict": line.verdict,
                "rule_ids": line.item.rule_ids,
                "criteria_met": [c.id for c in line.item.criteria if c.status == "met"],
                "criteria": [_criterion_json(report, line, f) for f in line.findings],
                "compliant_request": (
                    {
                        "text": line.compliance.text,
                        "verdict": line.compliance.verdict,
                        "request_date": line.compliance.request_date.isoformat(),
                    }
                    if line.compliance is not None
                    else None
                ),
            }
            for line in result.lines
        ],
    }
