"""The audit report in the terminal: the figures, the published ones beside them, and the heads of
the lists (the HTML page and --json carry them whole)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from engine.audit.agreement import percent
from engine.audit.document import AuditReport
from engine.audit.figures import Breakdown

SHOWN = 10
VERDICT_STYLE = {
    "within": "green",
    "below": "yellow",
    "above": "yellow",
    "not in letters": "dim",
    "no data": "dim",
}


def _kappa(kappa: float | None, interval: list[float] | None) -> str:
    if kappa is None:
        return "n/a"
    return f"{kappa:.3f}" + (f" ({interval[0]:.2f}-{interval[1]:.2f})" if interval else "")


def _breakdown(breakdown: Breakdown, limit: int = SHOWN) -> Table:
    table = Table(title=breakdown.label, title_justify="left")
    for column in ("group", "items", "upheld", "coverage", "agreement", "kappa (95% CI)", "flagged"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for g in breakdown.groups[:limit]:
        table.add_row(
            g.group,
            str(g.items),
            percent(g.uphold_rate),
            percent(g.coverage),
            f"{percent(g.agreement)} ({g.agreed}/{g.compared})",
            _kappa(g.kappa, g.kappa_ci95),
            Text(str(g.flagged), style="bold red" if g.flagged else ""),
        )
    if len(breakdown.groups) > limit:
        table.caption = f"{len(breakdown.groups) - limit} more groups in the HTML report and --json"
    return table


def summary(report: AuditReport) -> list[RenderableType]:
    o, g = report.overview, report.overall
    head = Text()
    head.append("IMR audit", style="bold")
    head.append(f"  {report.database}  (rules {report.rules_version[:12]})\n", style="dim")
    head.append(
        f"{o.letters_read} letters read ({o.letters_failed} could not be), {o.items} items, "
        f"{o.items_per_letter or 0:.2f} per letter\n"
    )
    head.append(f"upheld {percent(g.uphold_rate)} ({g.upheld}/{g.recorded}); ")
    head.append(
        f"coverage {percent(g.coverage)}; agreement {percent(g.agreement)} ({g.agreed}/{g.compared}); "
    )
    head.append(f"kappa {_kappa(g.kappa, g.kappa_ci95)}\n")
    head.append(
        f"Overturned recall {percent(g.overturned_recall)}, precision {percent(g.overturned_precision)}; "
        "confusion (recorded/predicted) "
        + ", ".join(f"{k[0]}/{k.split('/')[1][0]} {n}" for k, n in g.confusion.items())
        + "\n"
    )
    days = o.ur_to_decision_days
    if days.letters:
        head.append(
            f"UR denial to decision: mean {days.mean} days, median {days.median} ({days.letters} letters)\n"
        )
    head.append(
        f"{g.flagged} flagged, {len(report.inconsistent)} inconsistent groups "
        f"({sum(x.pairs for x in report.inconsistent)} pairs), "
        f"{len(report.contradicted)} contradicted rationales, "
        f"{len(report.errors)} errors",
        style="bold",
    )
    published = Table(title="Published figures beside ours", title_justify="left")
    for column in ("figure", "ours", "published", "period", ""):
        published.add_column(column)
    for c in report.published:
        unit = {"percent": "%", "days": " d"}.get(c.unit, "")
        ours = (
            "not in letters"
            if c.verdict == "not in letters"
            else ("n/a" if c.ours is None else f"{c.ours:g}{unit}")
        )
        published.add_row(
            c.figure, ours, c.published, c.period, Text(c.verdict, style=VERDICT_STYLE[c.verdict])
        )
    out: list[RenderableType] = [head, published]
    out.extend(_breakdown(b) for b in report.breakdowns if b.groups)
    out.append(_pairs(report))
    if report.contradicted:
        table = Table(title="Rationales contradicted by the record", title_justify="left", show_lines=True)
        for column in ("item", "fact", "rationale says", "summary documents"):
            table.add_column(column, overflow="fold", max_width=48)
        for c in report.contradicted[:SHOWN]:
            table.add_row(
                f"{c.case_id} {c.item_id}: {c.text}", ", ".join(c.facts), c.rationale_quote, c.summary_quote
            )
        out.append(table)
    for e in report.errors[:SHOWN]:
        out.append(Text(f"error: {e.error}", style="red"))
    return out


def _pairs(report: AuditReport) -> RenderableType:
    table = Table(title="Inconsistent determinations (best ranked)", title_justify="left", show_lines=True)
    for column in ("family", "agree", "Upheld", "Overturned", "differ on"):
        table.add_column(column, overflow="fold", max_width=40)
    for group in report.inconsistent[:SHOWN]:
        table.add_row(
            group.family,
            f"{group.agreeing}/{group.compared}",
            "\n".join(f"{m.case_id} {m.item_id}: {m.text}" for m in group.upheld[:3]),
            "\n".join(f"{m.case_id} {m.item_id}: {m.text}" for m in group.overturned[:3]),
            ", ".join(group.differing) or "nothing",
        )
    return Group(table) if report.inconsistent else Text("No inconsistent determinations.")
