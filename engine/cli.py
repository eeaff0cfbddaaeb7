"""`imr`: the command line. Thin: it parses arguments and hands over to the modules that do the work.

Exit codes: 0 done; 1 the engine broke an invariant (a bug); 2 bad input, told in one line that
names the file and line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from engine.errors import InputError
from engine.evaluate import EngineError

if TYPE_CHECKING:
    from engine.report import CaseOutcome
    from engine.rules import RulePack

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Re-evaluate California workers' compensation IMR determinations against the guidelines they cite.",
)
rules_app = typer.Typer(
    no_args_is_help=True, help="List, show, lint and test the guideline rules; measure their coverage."
)
app.add_typer(rules_app, name="rules")

stdout = Console(soft_wrap=False)

T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]
AsOfOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Date that picks the guideline editions when a case has no UR, decision or cited date.",
    ),
]
InputsArgument = Annotated[
    list[Path], typer.Argument(help="Case YAML files, IMR letters (PDF or text), or folders.")
]
WorkersOption = Annotated[int, typer.Option(help="Worker processes (0: one per core).")]
RulesOption = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="Rule files or folders to use instead of the bundled rules/."),
]


def _error_line(message: str) -> None:
    # plain write: a rich console would wrap a long path onto several lines
    sys.stderr.write(" ".join(message.split()) + "\n")


def _fail(message: str, code: int) -> NoReturn:
    _error_line(message)
    raise typer.Exit(code)


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; bad input and engine errors end in one line, never a traceback."""
    try:
        return action()
    except InputError as exc:
        _fail(f"error: {exc.one_line()}", 2)
    except EngineError as exc:
        _fail(f"internal error: {exc}", 1)
    except Exception as exc:
        # a bug, not bad input: one line for the user; IMR_DEBUG=1 shows the traceback
        if os.environ.get("IMR_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set IMR_DEBUG=1 for the traceback)", 1)


def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


def _pack(rules: list[Path] | None) -> RulePack:
    from engine.rules import load_rules

    return load_rules(rules) if rules else load_rules()


def _evaluate_inputs(
    paths: list[Path], rules: list[Path] | None, as_of: dt.datetime | None, workers: int, progress: bool
) -> tuple[RulePack, list[CaseOutcome]]:
    from engine.batch import run_paths

    pack = _pack(rules)
    return pack, run_paths(paths, pack, as_of.date() if as_of else None, workers, progress=progress)


def _report_unreadable(outcomes: list[CaseOutcome]) -> int:
    """One line per input that could not be read; exit code 2 if there was any."""
    for outcome in outcomes:
        if outcome.error:
            _error_line(f"error: {outcome.error}")
    return 2 if any(o.error for o in outcomes) else 0


@app.command()
def check(
    paths: InputsArgument,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    rules: RulesOption = None,
    workers: WorkersOption = 0,
) -> None:
    """Re-evaluate every disputed item: recorded outcome, predicted outcome, reproduced or flagged."""
    from engine.audit.agreement import agreement
    from engine.report import check_json, check_table, summary_line

    def body() -> int:
        pack, outcomes = _evaluate_inputs(paths, rules, as_of, workers, progress=not as_json)
        stats = agreement(outcomes)
        if as_json:
            _print_json({**check_json(pack, outcomes), "summary": stats.as_json()})
        else:
            stdout.print(check_table(outcomes))
            stdout.print(summary_line(outcomes) + f"  (rules {pack.version})")
            if stats.items:
                stdout.print(stats.line())
        return _report_unreadable(outcomes)

    raise typer.Exit(guarded(body))


@app.command()
def explain(
    case: Annotated[Path, typer.Argument(help="One case YAML file or IMR letter.")],
    item: Annotated[str | None, typer.Argument(help="Item number (default: every item).")] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    rules: RulesOption = None,
) -> None:
    """Every criterion of every rule that applies: status, facts, evidence quote, citation."""
    from engine.batch import read_case
    from engine.evaluate import Evaluator
    from engine.report import explain as explain_case
    from engine.report import explain_json

    def body() -> None:
        pack = _pack(rules)
        loaded = read_case(case)
        if item is not None and item not in {i.item_id for i in loaded.items}:
            raise InputError(
                case, f"no item {item!r}; items are " + ", ".join(i.item_id for i in loaded.items)
            )
        result = Evaluator(pack).evaluate(loaded, as_of.date() if as_of else None)
        if as_json:
            _print_json(explain_json(result, pack, item))
        else:
            for renderable in explain_case(result, pack, item):
                stdout.print(renderable)

    guarded(body)


@app.command()
def extract(
    letters: Annotated[
        list[Path] | None, typer.Argument(help="IMR letters (PDF or text) or folders of them.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Folder to write one case YAML per letter into.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite case files that already exist.")] = False,
    compare: Annotated[
        list[Path] | None,
        typer.Option("--compare", help="Hand-transcribed cases to score extraction against (per-fact P/R)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Read letters into cases, with the evidence of every fact; or score extraction with --compare."""
    from engine.batch import input_files
    from engine.letters.caseio import case_filename, case_yaml, compare_transcribed, write_case
    from engine.letters.extract import extract_case

    def scores() -> None:
        _, summary = compare_transcribed(compare or [])
        if as_json:
            _print_json(summary.model_dump())
            return
        from rich.table import Table

        table = Table(title=f"extraction against {summary.cases} hand-transcribed cases")
        for column in ("fact", "agree", "extra", "missed", "precision", "recall"):
            table.add_column(column)
        for name, tp, fp, fn, precision, recall in summary.rows():
            table.add_row(
                name,
                str(tp),
                str(fp),
                str(fn),
                "n/a" if precision is None else f"{precision:.2f}",
                "n/a" if recall is None else f"{recall:.2f}",
            )
        stdout.print(table)
        stdout.print(
            f"items: {summary.items_extracted} extracted, {summary.items_transcribed} transcribed, "
            f"{summary.items_text_agree} with the same text"
        )

    def body() -> int:
        if compare:
            scores()
            return 0
        if not letters:
            raise InputError(None, "name letters to extract, or --compare CASES")
        failed = False
        for path in input_files(letters):
            try:
                case = extract_case(path)
                if output is None:
                    sys.stdout.write(f"# {path}\n{case_yaml(case)}---\n")
                else:
                    written = write_case(case, output / case_filename(case), overwrite=force)
                    stdout.print(f"{path} -> {written}", markup=False, highlight=False)
            except InputError as exc:
                _error_line(f"error: {exc.one_line()}")
                failed = True
        return 2 if failed else 0

    raise typer.Exit(guarded(body))


@app.command()
def audit(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="IMR letters (PDF or text), case YAML files, or folders; none: report on --db."),
    ] = None,
    db: Annotated[
        Path, typer.Option("--db", help="The audit database: created, or added to (never overwritten).")
    ] = Path("imr-audit.db"),
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the report as one self-contained HTML page.")
    ] = None,
    workers: WorkersOption = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print every figure and list as one JSON document.")
    ] = False,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster", help="Audit on this Dask scheduler (tcp://host:port) instead of local processes."
        ),
    ] = None,
    export: Annotated[
        tuple[str, Path] | None,
        typer.Option(
            "--export", metavar="parquet DIR", help="Also write every table as DIR/<table>.parquet."
        ),
    ] = None,
    as_of: AsOfOption = None,
    rules: RulesOption = None,
) -> None:
    """Audit many determinations into a database: figures, published figures beside them, inconsistent
    pairs, rationales contradicted by the record; resumable (inputs already audited are skipped)."""
    from engine.audit.command import AuditRequest, run_audit_command

    request = AuditRequest(
        paths=paths or [],
        db=db,
        html=html,
        workers=workers,
        as_json=as_json,
        cluster=cluster,
        export=export,
        as_of=as_of.date() if as_of else None,
        rules=rules,
    )
    raise typer.Exit(guarded(lambda: run_audit_command(request, _pack, stdout, _error_line)))


@rules_app.command("list")
def rules_list(rules: RulesOption = None, as_json: JsonOption = False) -> None:
    """One line per rule: id, edition, what it applies to, number of criteria."""
    from rich.table import Table

    def body() -> None:
        pack = _pack(rules)
        if as_json:
            _print_json(
                {
                    "rules_version": pack.content_hash,
                    "rules": [
                        {
                            "id": r.id,
                            "title": r.title,
                            "edition": r.edition,
                            "file": r.file,
                            "applies_to": [leaf.describe() for leaf in r.applies_to],
                            "criteria": [c.id for c in r.criteria],
                        }
                        for r in pack.rules
                    ],
                }
            )
            return
        table = Table(title=f"{len(pack.rules)} rules, {len(pack.criteria)} criteria (rules {pack.version})")
        for column in ("rule", "edition", "applies to", "criteria", "title"):
            table.add_column(column)
        for r in pack.rules:
            table.add_row(
                r.id,
                r.edition,
                " and ".join(leaf.describe() for leaf in r.applies_to),
                str(len(r.criteria)),
                r.title,
            )
        stdout.print(table)

    guarded(body)


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(help="A rule or criterion id.")], rules: RulesOption = None
) -> None:
    """A rule with its criteria: text, condition, citation, what "not documented" means."""

    def body() -> None:
        pack = _pack(rules)
        rule = pack.by_id.get(rule_id) or (
            pack.by_id[pack.criteria[rule_id].rule_id] if rule_id in pack.criteria else None
        )
        if rule is None:
            raise InputError(None, f"no rule or criterion {rule_id!r}")
        stdout.print(f"[bold]{rule.id}[/bold]: {rule.title}  ({rule.file}:{rule.line})")
        stdout.print(
            f"edition {rule.edition}, in force {rule.effective_from} to {rule.effective_to or 'now'}"
        )
        stdout.print("applies to: " + " and ".join(leaf.describe() for leaf in rule.applies_to))
        stdout.print(f"combine: {rule.combine}" + (f" {rule.at_least}" if rule.at_least else ""))
        for c in rule.criteria:
            stdout.print(f"\n  [bold]{c.id}[/bold] {c.text}")
            stdout.print(f"    when: {c.condition.describe()}", markup=False)
            stdout.print(f"    citation: {c.citation.describe()}", markup=False)
            stdout.print(f"    not documented: {'blocks' if c.blocks_when_not_documented else 'set aside'}")
            if c.uncertain:
                stdout.print(f"    [magenta]uncertain: {c.uncertain}[/magenta]")

    guarded(body)


@rules_app.command("coverage")
def rules_coverage(
    paths: InputsArgument,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    rules: RulesOption = None,
    workers: WorkersOption = 0,
) -> None:
    """Share of items with an applicable rule, by treatment kind; the items no rule covers."""
    from rich.table import Table

    from engine.audit.agreement import agreement, coverage

    def body() -> int:
        pack, outcomes = _evaluate_inputs(paths, rules, as_of, workers, progress=not as_json)
        found = coverage(outcomes)
        stats = agreement(outcomes)
        if as_json:
            _print_json(
                {
                    "rules_version": pack.content_hash,
                    "items": found.items,
                    "covered": found.covered,
                    "by_kind": [k.__dict__ for k in found.by_kind],
                    "uncovered": [
                        dict(zip(("case_id", "item_id", "kind", "text"), u, strict=True))
                        for u in found.uncovered
                    ],
                    "agreement": stats.as_json(),
                    "errors": [{"source": o.path, "error": o.error} for o in outcomes if o.error],
                }
            )
        else:
            table = Table(title=f"coverage: {found.covered}/{found.items} items have an applicable rule")
            for column in ("kind", "items", "covered", "share"):
                table.add_column(column)
            for k in found.by_kind:
                table.add_row(k.kind, str(k.items), str(k.covered), f"{k.covered / k.items:.0%}")
            stdout.print(table)
            for case_id, item_id, kind, text in found.uncovered:
                stdout.print(
                    f"not covered: {case_id} item {item_id} [{kind}] {text}", markup=False, highlight=False
                )
            if stats.items:
                stdout.print(stats.line())
        return _report_unreadable(outcomes)

    raise typer.Exit(guarded(body))


@rules_app.command("lint")
def rules_lint(rules: RulesOption = None) -> None:
    """Load every rule file strictly and compile it into durable_rules; report the first problem."""
    from engine.evaluate import durable_matcher
    from engine.vocab import load_vocabulary

    def body() -> None:
        pack = _pack(rules)
        matcher = durable_matcher(pack, load_vocabulary())
        matcher.create_all()
        matcher.close()
        stdout.print(f"ok: {len(pack.files)} files, {len(pack.rules)} rules, {len(pack.criteria)} criteria")

    guarded(body)


@rules_app.command("test")
def rules_test(
    tests: Annotated[
        list[Path] | None, typer.Argument(help="Rule test files or folders (default tests/rules).")
    ] = None,
    rules: RulesOption = None,
) -> None:
    """Run the YAML rule tests through durable_rules and the oracle, and check they cover every threshold."""
    from engine.ruletests import load_rule_tests, run_rule_tests

    def body() -> int:
        pack = _pack(rules)
        loaded = load_rule_tests(tests) if tests else load_rule_tests()
        report = run_rule_tests(pack, loaded, check_coverage=not tests)
        for failure in report.failures:
            stdout.print(f"FAIL {failure}", markup=False, highlight=False)
        stdout.print(
            f"{report.tests - len({f.where for f in report.failures})} passed, {len(report.failures)} failed"
        )
        return 0 if report.ok else 1

    raise typer.Exit(guarded(body))


def main() -> None:
    app()
