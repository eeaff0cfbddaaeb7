"""Results out: the `imr check` table, its JSON document, and the `imr explain` trace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from engine.ancillary import IndexLink
from engine.evaluate import CaseResult, CriterionResult, ItemResult
from engine.facts import Case
from engine.rules import RulePack
from engine.terminal import plain, safe

FailureKind = Literal["input", "internal"]


@dataclass(frozen=True)
class CaseOutcome:
    """One input of a run: its evaluation, or the one-line reason it could not be had.

    `failure` says whose fault: "input" (bad input, exit code 2) or "internal" (the engine failed
    on it: a bug, exit code 1). `retried` says why the input was read a second time, in a fresh
    worker process, when the first one died.
    """

    path: str
    case: Case | None = None
    result: CaseResult | None = None
    error: str | None = None
    failure: FailureKind | None = None
    retried: str | None = None


STATUS_STYLE = {
    "reproduced": "green",
    "flagged": "bold red",
    "not_covered": "yellow",
    "predicted": "cyan",
    "met": "green",
    "not_met": "red",
    "not_documented": "yellow",
}


def _styled(value: str | None) -> Text:
    value = value or "—"
    return plain(value, style=STATUS_STYLE.get(value, ""))


# --- check --------------------------------------------------------------------------------------


def check_table(outcomes: Sequence[CaseOutcome]) -> Table:
    table = Table(title="IMR determinations re-evaluated", show_lines=False)
    table.add_column("case", no_wrap=True)
    table.add_column("item", overflow="fold", max_width=48)
    table.add_column("recorded")
    table.add_column("predicted")
    table.add_column("status")
    table.add_column("deciding criteria", overflow="fold", max_width=40)
    for outcome in outcomes:
        if outcome.result is None:
            table.add_row(
                plain(outcome.path), plain(outcome.error or "", "red"), "", "", Text("error", style="red"), ""
            )
            continue
        for item in outcome.result.items:
            table.add_row(
                plain(outcome.result.case_id),
                plain(f"{item.item_id}. {item.text}"),
                item.recorded or "—",
                item.predicted or "—",
                _styled(item.status),
                plain(", ".join(item.deciding)),
            )
    return table


def summary_line(outcomes: Sequence[CaseOutcome]) -> str:
    items = [i for o in outcomes if o.result for i in o.result.items]
    counts = {
        s: sum(i.status == s for i in items) for s in ("reproduced", "flagged", "not_covered", "predicted")
    }
    errors = sum(o.result is None for o in outcomes)
    parts = [f"{len(items)} items"] + [f"{n} {s.replace('_', ' ')}" for s, n in counts.items() if n]
    if errors:
        parts.append(f"{errors} unreadable")
    return ", ".join(parts)


def _criterion_json(c: CriterionResult) -> dict[str, Any]:
    return {
        "id": c.id,
        "status": c.status,
        "text": c.text,
        "citation": c.citation.model_dump(),
        "facts": c.facts,
        "evidence": c.evidence,
        "evidence_detail": [e.model_dump() for e in c.evidence_detail],
        "missing": c.missing,
        "uncertain": c.uncertain,
    }


def item_json(item: ItemResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "item_id": item.item_id,
        "text": item.text,
        "recorded": item.recorded,
        "predicted": item.predicted,
        "status": item.status,
        "result": item.result,
        "rule_ids": item.rule_ids,
        "deciding": item.deciding,
        "criteria": [_criterion_json(c) for c in item.criteria],
    }
    if item.index is not None:
        out["index"] = item.index.model_dump(exclude_none=True)
    if item.uncovered is not None:
        out["not_covered_reason"] = item.uncovered
    return out


def check_json(pack: RulePack, outcomes: Sequence[CaseOutcome]) -> dict[str, Any]:
    """DESIGN.md's `imr check --json` document (other tools depend on it: extend, don't break)."""
    cases: list[dict[str, Any]] = []
    for outcome in outcomes:
        retried = {"retried": outcome.retried} if outcome.retried else {}
        if outcome.result is None:
            cases.append(
                {
                    "case_id": None,
                    "source": outcome.path,
                    "error": outcome.error,
                    "failure": outcome.failure,
                    **retried,
                }
            )
            continue
        r = outcome.result
        cases.append(
            {
                "case_id": r.case_id,
                "source": r.source or outcome.path,
                "as_of": r.as_of.isoformat(),
                "as_of_basis": r.as_of_basis,
                "items": [item_json(i) for i in r.items],
                **retried,
            }
        )
    return {"rules_version": pack.content_hash, "cases": cases}


# --- explain ------------------------------------------------------------------------------------


def _banner(item: ItemResult) -> Panel:
    headline = {
        "reproduced": f"REPRODUCED: the rules predict {item.predicted}, as recorded",
        "flagged": f"FLAGGED: the rules predict {item.predicted}; the reviewer decided {item.recorded}",
        "not_covered": "NOT COVERED: no rule applies to this item; nothing is predicted",
        "predicted": f"PREDICTED: {item.predicted} (no recorded outcome to compare)",
    }[item.status]
    lines = [Text(headline, style=STATUS_STYLE[item.status])]
    if item.uncovered is not None:
        lines.append(Text(f"why: {item.uncovered}"))
    if item.deciding:
        label = (
            "where the engine and the reviewer part ways" if item.status == "flagged" else "deciding criteria"
        )
        lines.append(plain(f"{label}: " + ", ".join(item.deciding)))
    return Panel(Group(*lines), title=plain(f"item {item.item_id}: {item.text}"), title_align="left")


_MARK = {"met": "✓", "not_met": "✗", "not_documented": "?"}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe(value)


def _criterion_block(c: CriterionResult, alternative: bool) -> Text:
    text = Text()
    text.append(f"  {_MARK[c.status]} {safe(c.id)}  ", style=STATUS_STYLE[c.status])
    text.append(c.status.replace("_", " "), style=STATUS_STYLE[c.status])
    if c.status == "not_documented":
        if alternative:
            note = " (one of the alternatives: counts only when documented)"
        elif c.blocks_when_not_documented:
            note = " (blocks: the guideline requires it)"
        else:
            note = f" (set aside: {c.set_aside_because})"
        text.append(note, style="dim")
    text.append(f"\n      asks      {safe(c.text)}")
    if c.uncertain:
        text.append(f"\n      uncertain {safe(c.uncertain)}", style="magenta")
    facts = ", ".join(
        f"{safe(name)} = {_value(value)}" if value is not None else f"{safe(name)}: not documented"
        for name, value in c.facts.items()
    )
    if facts:
        text.append(f"\n      facts     {facts}")
    for i, e in enumerate(c.evidence_detail):
        where = e.section + (f" {e.span[0]}-{e.span[1]}" if e.span else "")
        text.append("\n      evidence  " if i == 0 else "\n                ")
        text.append(f"“{safe(e.quote)}”", style="italic")
        text.append(f" [{where}]", style="dim")
    citation = f"{c.citation.edition}, {c.citation.section}"  # the edition label names the guideline
    if c.citation.pages:
        citation += f", p.{c.citation.pages}"
    text.append(f"\n      cites     {safe(citation)}", style="cyan")
    return text


_INDEX_RESULT = {
    "supported": "supported by the rules",
    "not_supported": "not supported by the rules",
    "no_applicable_rule": "not covered by any rule (its need is not established)",
}


def _index_block(link: IndexLink) -> Text:
    """Which index procedure an ancillary service followed, where that came from, and why."""
    text = Text("ancillary service: ", style="bold")
    if link.source == "case_item":
        text.append(f"follows item {link.item_id}, {link.text}")
        if link.result is not None:
            text.append(f" -- {_INDEX_RESULT[link.result]}")
    elif link.source == "certified_or_performed":
        text.append("follows a surgery the letter states was certified or performed")
    else:
        text.append("the index procedure is not documented", style="yellow")
    if link.procedures:
        text.append(f"\n      procedures {', '.join(link.procedures)}")
    text.append(f"\n      why       {link.basis}")
    for i, e in enumerate(link.evidence):
        where = e.section + (f" {e.span[0]}-{e.span[1]}" if e.span else "")
        text.append("\n      evidence  " if i == 0 else "\n                ")
        text.append(f"“{e.quote}”", style="italic")
        text.append(f" [{where}]", style="dim")
    return text


def explain(result: CaseResult, pack: RulePack, only_item: str | None = None) -> list[RenderableType]:
    header = Text()
    header.append(f"case {safe(result.case_id)}", style="bold")
    if result.source:
        header.append(f"  ({safe(result.source)})", style="dim")
    header.append(
        f"\nguideline editions in force on {result.as_of.isoformat()} (from the {result.as_of_basis})"
    )
    header.append(f"\nrules version {pack.content_hash[:12]}", style="dim")
    out: list[RenderableType] = [header]
    for item in result.items:
        if only_item is not None and item.item_id != only_item:
            continue
        out.append(_banner(item))
        if item.index is not None:
            out.append(_index_block(item.index))
        by_id = {c.id: c for c in item.criteria}
        for rule in item.rules:
            line = plain(f"rule {rule.id}: {rule.title}", "bold")
            needs = {"all": "all criteria", "any": "any one criterion"}.get(
                rule.combine, f"{rule.at_least} criteria"
            )
            line.append(f"  [{rule.edition}; needs {needs}] -> {rule.status.replace('_', ' ')}", style="dim")
            out.append(line)
            out.extend(_criterion_block(by_id[cid], rule.combine != "all") for cid in rule.criteria)
    return out


def explain_json(result: CaseResult, pack: RulePack, only_item: str | None = None) -> dict[str, Any]:
    return {
        "rules_version": pack.content_hash,
        "case_id": result.case_id,
        "source": result.source,
        "as_of": result.as_of.isoformat(),
        "as_of_basis": result.as_of_basis,
        "items": [
            {**item_json(i), "rules": [r.model_dump() for r in i.rules]}
            for i in result.items
            if only_item is None or i.item_id == only_item
        ],
    }
