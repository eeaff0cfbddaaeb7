"""The audit report as one self-contained HTML page: inline style and SVG charts, no script, nothing
fetched. Every value is escaped; long lists are cut with a note of how many more the database holds."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import Any

from engine.audit.agreement import percent
from engine.audit.document import AuditReport
from engine.audit.figures import Breakdown, GroupFigures
from engine.audit.pairs import CriterionSideBySide, InconsistentGroup, SideEvidence
from engine.audit.review import FlaggedItem
from engine.audit.svg import Bar, Series, bar_chart
from engine.errors import InputError

GENERATOR = "imr-engine audit report"
LIST_LIMIT = 500
UPHELD_COLOR = "#4c78a8"
AGREEMENT_COLOR = "#f58518"
COVERAGE_COLOR = "#54a24b"

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1b1f24; }
header { background: #1f3a5f; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 2px 0; opacity: .85; }
nav { background: #eef2f7; padding: 8px 28px; border-bottom: 1px solid #d0d7e2; }
nav a { margin-right: 16px; color: #1f3a5f; text-decoration: none; font-weight: 600; }
main { padding: 8px 28px 40px; max-width: 1280px; }
section { margin-top: 28px; }
h2 { border-bottom: 2px solid #1f3a5f; padding-bottom: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #d0d7e2; border-radius: 6px; padding: 10px 14px; min-width: 150px;
  background: #fafbfd; }
.card .value { font-size: 22px; font-weight: 700; }
.card .name { color: #57606a; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #d0d7e2; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.within { color: #1a7f37; font-weight: 600; }
.below, .above { color: #9a6700; font-weight: 600; }
.notin { color: #57606a; font-style: italic; }
.flagged { color: #cf222e; font-weight: 600; }
.agree { background: #eaf7ee; }
.differ { background: #fdf0e6; }
.quote { font-style: italic; color: #3d444d; }
.muted { color: #57606a; }
.group { border: 1px solid #d0d7e2; border-radius: 6px; padding: 8px 14px; margin: 14px 0; }
svg.chart text { font: 12px system-ui, sans-serif; fill: #1b1f24; }
svg.chart .grid { stroke: #d0d7e2; }
svg.chart .tick, svg.chart .value { fill: #57606a; }
"""


def check_replaceable(path: Path) -> None:
    """Refuse a target that exists and is not an earlier report of ours (checked before a run too)."""
    if path.exists():
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        except OSError as exc:
            raise InputError(path, f"cannot read the existing file: {exc.strerror}") from None
        if f'content="{GENERATOR}"' not in head:
            raise InputError(path, "exists and is not an imr audit report; refusing to overwrite it")


def write_html(report: AuditReport, path: Path) -> None:
    """Write the page; an existing file is replaced only if it is an earlier report of ours."""
    check_replaceable(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(render_html(report), encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        raise InputError(path, f"cannot write the report: {exc.strerror}") from None


def render_html(report: AuditReport) -> str:
    body = [
        _header(report),
        '<nav><a href="#overview">Overview</a><a href="#published">Published figures</a>'
        '<a href="#categories">Agreement by category</a><a href="#breakdowns">All breakdowns</a>'
        '<a href="#flagged">Flagged items</a><a href="#inconsistent">Inconsistent determinations</a>'
        '<a href="#contradicted">Contradicted rationales</a><a href="#errors">Errors</a></nav>',
        "<main>",
        _overview(report),
        _published(report),
        _categories(report),
        _breakdowns(report.breakdowns),
        _flagged(report.flagged),
        _inconsistent(report),
        _contradicted(report),
        _errors(report),
        "</main>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="generator" content="{GENERATOR}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>IMR audit: {report.overview.letters} letters, {report.overview.items} items</title>"
        f"<style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n"
    )


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    numeric: frozenset[int] = frozenset(),
    row_classes: Sequence[str] = (),
) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    lines = []
    for n, row in enumerate(rows):
        cells = "".join(
            f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        marked = f' class="{row_classes[n]}"' if n < len(row_classes) else ""
        lines.append(f"<tr{marked}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _more(total: int, shown: int, what: str) -> str:
    if total <= shown:
        return ""
    return (
        f'<p class="muted">{total - shown} more {_e(what)} in the database (or in <code>--json</code>).</p>'
    )


def _header(report: AuditReport) -> str:
    runs = report.runs
    last = runs[-1] if runs else None
    when = f"last run {last.run_id} started {last.started_at}, {last.status}" if last else "no run"
    return (
        "<header><h1>IMR audit report</h1>"
        f"<p>{report.overview.letters} letters, {report.overview.items} items;"
        f" database {_e(report.database)}</p>"
        f"<p>rules version {_e(report.rules_version[:12])}; {len(runs)} run(s), {_e(when)}</p></header>"
    )


def _kappa(group: GroupFigures) -> str:
    if group.kappa is None:
        return "n/a"
    text = f"{group.kappa:.3f}"
    if group.kappa_ci95:
        text += f" (95% CI {group.kappa_ci95[0]:.2f} to {group.kappa_ci95[1]:.2f})"
    return text


def _overview(report: AuditReport) -> str:
    o, g = report.overview, report.overall
    cards = [
        ("letters audited", f"{o.letters_read}", f"{o.letters_failed} could not be read"),
        ("items", f"{o.items}", f"{o.items_per_letter or 0:.2f} per letter"),
        ("upheld", percent(g.uphold_rate), f"{g.upheld} of {g.recorded} decided items"),
        ("agreement", percent(g.agreement), f"{g.agreed} of {g.compared} covered items"),
        ("Cohen's kappa", f"{g.kappa:.3f}" if g.kappa is not None else "n/a", _kappa(g).partition(" ")[2]),
        ("coverage", percent(g.coverage), f"{g.covered} of {g.recorded} items have a rule"),
        ("flagged", f"{g.flagged}", "rules and reviewer disagree"),
        (
            "inconsistent groups",
            f"{len(report.inconsistent)}",
            f"{sum(x.pairs for x in report.inconsistent)} pairs",
        ),
        ("contradicted rationales", f"{len(report.contradicted)}", f"in {o.contradicted_items} items"),
    ]
    card_html = "".join(
        f'<div class="card"><div class="value">{_e(value)}</div><div class="name">{_e(name)}</div>'
        f'<div class="muted">{_e(note)}</div></div>'
        for name, value, note in cards
    )
    confusion = _table(
        ["recorded \\ predicted", "Upheld", "Overturned"],
        [
            [f"<b>{r}</b>", str(g.confusion[f"{r}/Upheld"]), str(g.confusion[f"{r}/Overturned"])]
            for r in ("Upheld", "Overturned")
        ],
        frozenset({1, 2}),
    )
    days = o.ur_to_decision_days
    assigned = o.assigned_to_decision_days
    turnaround = (
        f"<p>UR denial to IMR decision: mean {days.mean} days, median {days.median},"
        f" 90th percentile {days.p90}"
        f" ({days.letters} letters with both dates). Assignment to decision: mean {assigned.mean} days,"
        f" median {assigned.median}.</p>"
        if days.letters
        else "<p>No letter gives both the UR denial and the decision date.</p>"
    )
    recall = percent(g.overturned_recall)
    precision = percent(g.overturned_precision)
    return (
        f'<section id="overview"><h2>Overview</h2><div class="cards">{card_html}</div>'
        f"<h3>Confusion matrix</h3>{confusion}"
        f"<p>Overturned recall {recall}, precision {precision}; Cohen's kappa {_e(_kappa(g))}.</p>"
        f"{turnaround}</section>"
    )


def _published(report: AuditReport) -> str:
    rows = []
    for c in report.published:
        if c.verdict == "not in letters":
            ours = '<span class="notin">not in letters</span>'
            verdict = '<span class="notin">not in letters</span>'
        else:
            unit = {"percent": "%", "days": " days"}.get(c.unit, "")
            ours = (
                "no data" if c.ours is None else f"{c.ours:g}{unit} <span class='muted'>(n={c.ours_n})</span>"
            )
            verdict = f'<span class="{c.verdict.replace(" ", "")}">{_e(c.verdict)}</span>'
        rows.append(
            [
                _e(c.figure),
                ours,
                _e(c.published),
                _e(c.period),
                verdict,
                f'<span class="muted">{_e(c.source)}</span>',
            ]
        )
    return (
        '<section id="published"><h2>Published figures</h2>'
        "<p>Our figures beside those DWC and CWCI publish (sources in guidelines/published-figures.yaml). "
        "What letters cannot show is marked <i>not in letters</i>.</p>"
        + _table(["figure", "ours", "published", "period", "", "source"], rows)
        + "</section>"
    )


def _categories(report: AuditReport) -> str:
    dwc = next(b for b in report.breakdowns if b.dimension == "category_dwc")
    rows = [
        (
            g.group,
            [
                Bar(g.uphold_rate, f"{percent(g.uphold_rate)} of {g.recorded}"),
                Bar(g.agreement, f"{percent(g.agreement)} of {g.compared}"),
                Bar(g.coverage, percent(g.coverage)),
            ],
        )
        for g in dwc.groups
    ]
    chart = bar_chart(
        "Upheld, agreement with the rules and coverage by treatment category",
        [
            Series("upheld", UPHELD_COLOR),
            Series("agreement with the rules", AGREEMENT_COLOR),
            Series("coverage", COVERAGE_COLOR),
        ],
        rows,
        "chart-categories",
    )
    turnaround = next(b for b in report.breakdowns if b.dimension == "turnaround")
    largest = max((g.items for g in turnaround.groups), default=0)
    days_chart = bar_chart(
        "Items by days from UR denial to IMR decision, and their uphold rate",
        [Series("share of items", "#72b7b2"), Series("upheld", UPHELD_COLOR)],
        [
            (
                g.group,
                [
                    Bar(g.items / largest if largest else None, f"{g.items} items"),
                    Bar(g.uphold_rate, percent(g.uphold_rate)),
                ],
            )
            for g in turnaround.groups
        ],
        "chart-turnaround",
    )
    return (
        '<section id="categories"><h2>Agreement by category</h2>'
        f"{chart}{_breakdown_table(dwc)}<h3>UR-to-decision turnaround</h3>{days_chart}</section>"
    )


def _breakdown_table(breakdown: Breakdown) -> str:
    rows = [
        [
            _e(g.group), str(g.items), str(g.recorded), percent(g.uphold_rate), percent(g.coverage),
            f"{g.agreed}/{g.compared}", percent(g.agreement), _e(_kappa(g)),
            f"{g.confusion['Overturned/Overturned']}/{g.overturned}", percent(g.overturned_precision),
            f'<span class="flagged">{g.flagged}</span>' if g.flagged else "0",
        ]
        for g in breakdown.groups
    ]  # fmt: skip
    headers = [
        breakdown.label, "items", "decided", "upheld", "coverage", "agreed", "agreement", "kappa",
        "Overturned found", "Overturned precision", "flagged",
    ]  # fmt: skip
    return _table(headers, rows, frozenset(range(1, 11)))


def _breakdowns(breakdowns: Sequence[Breakdown]) -> str:
    parts = [
        f"<details{' open' if b.dimension in ('specialty', 'edition') else ''}><summary><b>{_e(b.label)}</b>"
        f" ({len(b.groups)} groups)</summary>{_breakdown_table(b)}</details>"
        for b in breakdowns
        if b.dimension != "category_dwc"
    ]
    return '<section id="breakdowns"><h2>All breakdowns</h2>' + "".join(parts) + "</section>"


def _value(value: Any) -> str:
    if value is None:
        return "not documented"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, list) else str(value)


def _side(side: SideEvidence) -> str:
    if side.status is None:
        return '<span class="muted">not applied</span>'
    facts = ", ".join(f"{_e(k)} = {_e(_value(v))}" for k, v in side.facts.items())
    quotes = "".join(f'<div class="quote">“{_e(q)}”</div>' for q in side.quotes[:4])
    return f"<b>{_e(side.status.replace('_', ' '))}</b><div>{facts}</div>{quotes}"


def _flagged(flagged: Sequence[FlaggedItem]) -> str:
    parts = ['<section id="flagged"><h2>Flagged items</h2>']
    if not flagged:
        parts.append("<p>No item where the rules and the reviewer part ways.</p>")
    traced = [f for f in flagged if f.trace is not None][:LIST_LIMIT]
    for item in traced:
        rows = [
            [
                f"<b>{_e(c.criterion_id)}</b>{' <span class=flagged>deciding</span>' if c.deciding else ''}"
                f"<div>{_e(c.text)}</div><div class='muted'>{_e(c.citation)}</div>",
                _side(c.evidence),
            ]
            for c in item.trace or []
        ]
        parts.append(
            f'<div class="group"><p><b>{_e(item.case_id)}</b> item {_e(item.item_id)}: {_e(item.text)}'
            f' <span class="muted">({_e(item.category)}; {_e(item.source)})</span></p>'
            f"<p>recorded <b>{_e(item.recorded)}</b>, the rules predict <b>{_e(item.predicted)}</b>;"
            f" deciding criteria: {_e(', '.join(item.deciding))}</p>"
            + _table(["criterion", "status, facts and evidence"], rows)
            + "</div>"
        )
    rest = [f for f in flagged if f.trace is None][:LIST_LIMIT]
    if rest:
        parts.append(
            _table(
                ["letter", "item", "recorded", "predicted", "deciding"],
                [
                    [_e(f.case_id), _e(f.text), _e(f.recorded), _e(f.predicted), _e(", ".join(f.deciding))]
                    for f in rest
                ],
            )
        )
    parts.append(_more(len(flagged), len(traced) + len(rest), "flagged items"))
    parts.append("</section>")
    return "".join(parts)


def _members(group: InconsistentGroup) -> str:
    def names(members: Sequence[Any]) -> str:
        shown = ", ".join(f"{_e(m.case_id)} item {_e(m.item_id)}" for m in members[:12])
        return shown + (f" and {len(members) - 12} more" if len(members) > 12 else "")

    return f"<p>Upheld: {names(group.upheld)}<br>Overturned: {names(group.overturned)}</p>"


def _side_by_side(rows: Sequence[CriterionSideBySide], group: InconsistentGroup) -> str:
    upheld, overturned = group.upheld[0], group.overturned[0]
    body = [
        [
            f"<b>{_e(r.criterion_id)}</b><div class='muted'>{_e(r.text)}</div>",
            _side(r.upheld),
            _side(r.overturned),
        ]
        for r in rows
    ]
    return _table(
        [
            "criterion",
            f"Upheld: {upheld.case_id} item {upheld.item_id} ({upheld.text})",
            f"Overturned: {overturned.case_id} item {overturned.item_id} ({overturned.text})",
        ],
        body,
        row_classes=["agree" if r.agrees else "differ" for r in rows],
    )


def _inconsistent(report: AuditReport) -> str:
    groups = report.inconsistent
    parts = [
        '<section id="inconsistent"><h2>Inconsistent determinations</h2>',
        f"<p>{len(groups)} groups, {sum(g.pairs for g in groups)} pairs: items of one treatment family, "
        f"opposite recorded outcomes, agreeing on at least {report.pair_min_share:.0%} of the guideline "
        "criteria either was judged on (not met and required-but-not-documented agree, as they do in "
        "the decision). Ranked by the share they agree on.</p>",
    ]
    for group in groups[:LIST_LIMIT]:
        heading = (
            f'<div class="group"><h3>{_e(group.family)}: agree on {group.agreeing}'
            f" of {group.compared} criteria"
            f" ({group.share:.0%}); {group.pairs} pair(s)</h3>"
        )
        on_record = [c for c in group.differing if c not in group.by_rationale]
        differing = (
            f"<p>They differ on {_e(', '.join(on_record))}.</p>" if on_record else "<p>The records agree.</p>"
        ) + (
            f"<p>Only the rationales part them on {_e(', '.join(group.by_rationale))}.</p>"
            if group.by_rationale
            else ""
        )

        detail = _side_by_side(group.side_by_side, group) if group.side_by_side else ""
        parts.append(heading + _members(group) + differing + detail + "</div>")
    parts.append(_more(len(groups), min(len(groups), LIST_LIMIT), "groups"))
    parts.append("</section>")
    return "".join(parts)


def _contradicted(report: AuditReport) -> str:
    found = report.contradicted
    rows = [
        [
            f"<b>{_e(c.case_id)}</b> item {_e(c.item_id)}: {_e(c.text)}"
            f"<div class='muted'>recorded {_e(c.recorded)},"
            f" predicted {_e(c.predicted)}</div>",
            _e(", ".join(c.facts)) + (' <span class="flagged">decisive</span>' if c.decisive else ""),
            f'<span class="quote">“{_e(c.rationale_quote)}”</span>',
            f'<span class="quote">“{_e(c.summary_quote)}”</span>',
        ]
        for c in found[:LIST_LIMIT]
    ]
    return (
        '<section id="contradicted"><h2>Rationales contradicted by the record</h2>'
        f"<p>{len(found)} rationale statements find a fact absent that the letter's own case summary"
        " documents"
        " (the ground of Bowen v. County of San Bernardino, WCAB 2019). <i>Decisive</i>: the fact decides the"
        " item under the rules.</p>"
        + (_table(["item", "fact", "the rationale says", "the summary documents"], rows) if rows else "")
        + _more(len(found), len(rows), "contradicted rationales")
        + "</section>"
    )


def _errors(report: AuditReport) -> str:
    errors = report.errors
    rows = [[_e(e.source), _e(e.kind), _e(e.error)] for e in errors[:LIST_LIMIT]]
    return (
        f'<section id="errors"><h2>Errors</h2><p>{len(errors)} input(s) could not be audited.</p>'
        + (_table(["input", "kind", "error"], rows) if rows else "")
        + _more(len(errors), len(rows), "errors")
        + "</section>"
    )
