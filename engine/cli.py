"""`imr`: the command line. Thin: it parses arguments and hands over to the modules that do the work.

Exit codes (engine/cliconv.py): 0 done; 1 internal error (a bug); 2 bad input or usage, told in
one line that names the file and line; 3 rule tests failed; 130 interrupted; 141 output closed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from engine.cliconv import (
    EXIT_CODES_HELP,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_TESTS_FAILED,
    AsOfOption,
    InputsArgument,
    JsonOption,
    MaxBytesOption,
    MaxCharsOption,
    MaxItemsOption,
    QuietOption,
    RulesOption,
    TimeoutOption,
    WorkersOption,
    apply_limits,
    error_line,
    note_line,
    out,
    plain_help_types,
    run_command,
    set_quiet,
    version_callback,
)
from engine.errors import InputError
from engine.terminal import plain

if TYPE_CHECKING:
    from engine.batch import Run
    from engine.report import CaseOutcome
    from engine.rules import RulePack

plain_help_types()
_CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    add_completion=True,
    no_args_is_help=True,
    context_settings=_CONTEXT,
    help="Re-evaluate California workers' compensation IMR determinations against the guidelines they cite. "
    + EXIT_CODES_HELP,
)
rules_app = typer.Typer(
    no_args_is_help=True,
    context_settings=_CONTEXT,
    help="List, show, lint and test the guideline rules; measure their coverage.",
)
app.add_typer(rules_app, name="rules")
cache_app = typer.Typer(
    no_args_is_help=True,
    context_settings=_CONTEXT,
    help="Where the cache of checked rules and vocabularies is, what it holds; clear it.",
)
app.add_typer(cache_app, name="cache")


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Re-evaluate California workers' compensation IMR determinations against the guidelines they cite."""


def _pack(rules: list[Path] | None) -> RulePack:
    from engine.rules import load_rules

    return load_rules(rules) if rules else load_rules()


def _evaluate_inputs(
    paths: list[Path],
    rules: list[Path] | None,
    as_of: dt.datetime | None,
    workers: int,
    timeout: float,
    progress: bool,
) -> tuple[RulePack, Run]:
    from engine.batch import RunSettings, run_paths

    pack = _pack(rules)
    settings = RunSettings(workers=workers, timeout=timeout, progress=progress)
    return pack, run_paths(paths, pack, as_of.date() if as_of else None, settings)


def _report_failures(run: Run) -> int:
    """One line per input that could not be had and per entry left out; the run's exit code."""
    for skipped in run.skipped:
        note_line(f"skipped: {skipped.path}: {skipped.reason}")
    for outcome in run.outcomes:
        if outcome.error:
            error_line(f"error: {outcome.error}")
        elif outcome.retried:
            note_line(f"note: {outcome.path}: {outcome.retried}; read again in a fresh process")
    return _exit_code(run.outcomes)


def _exit_code(outcomes: list[CaseOutcome]) -> int:
    if any(o.failure == "internal" for o in outcomes):
        return EXIT_INTERNAL
    return EXIT_INPUT if any(o.error for o in outcomes) else EXIT_OK


def _skipped_json(run: Run) -> list[dict[str, str]]:
    return [{"path": s.path, "reason": s.reason} for s in run.skipped]


@app.command()
def check(
    paths: InputsArgument,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    rules: RulesOption = None,
    workers: WorkersOption = 0,
    timeout: TimeoutOption = 120.0,
    quiet: QuietOption = False,
    max_bytes: MaxBytesOption = None,
    max_chars: MaxCharsOption = None,
    max_items: MaxItemsOption = None,
) -> None:
    """Re-evaluate every disputed item: recorded outcome, predicted outcome, reproduced or flagged."""
    from engine.audit.agreement import agreement
    from engine.report import check_json, check_table, summary_line

    def body() -> int:
        set_quiet(quiet)
        apply_limits(max_bytes, max_chars, max_items)
        pack, run = _evaluate_inputs(paths, rules, as_of, workers, timeout, progress=not quiet)
        stats = agreement(run.outcomes)
        if as_json:
            out.json(
                {**check_json(pack, run.outcomes), "summary": stats.as_json(), "skipped": _skipped_json(run)}
            )
        else:
            out.print(check_table(run.outcomes))
            out.print(plain(summary_line(run.outcomes) + f"  (rules {pack.version})"))
            if stats.items:
                out.print(plain(stats.line()))
        return _report_failures(run)

    run_command(body)


@app.command()
def explain(
    case: Annotated[
        Path, typer.Argument(metavar="CASE", help="One case YAML file or IMR letter; - reads standard input.")
    ],
    item: Annotated[
        str | None, typer.Argument(metavar="ITEM", help="Item number (default: every item).")
    ] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    rules: RulesOption = None,
    max_bytes: MaxBytesOption = None,
    max_chars: MaxCharsOption = None,
    max_items: MaxItemsOption = None,
) -> None:
    """Every criterion of every rule that applies: status, facts, evidence quote, citation."""
    from engine.batch import located, read_case
    from engine.evaluate import Evaluator
    from engine.inputs import find_inputs
    from engine.report import explain as explain_case
    from engine.report import explain_json

    def body() -> int:
        apply_limits(max_bytes, max_chars, max_items)
        pack = _pack(rules)
        if case.is_dir():
            raise InputError(
                case, "a folder: explain takes one case file or letter (imr check reads folders)"
            )
        (entry,) = find_inputs([case]).entries
        if entry.problem is not None:
            raise InputError(case, entry.problem)
        loaded = read_case(entry.path, entry.data)
        if item is not None and item not in {i.item_id for i in loaded.items}:
            raise InputError(
                case, f"no item {item!r}; items are " + ", ".join(i.item_id for i in loaded.items)
            )
        try:
            result = Evaluator(pack).evaluate(loaded, as_of.date() if as_of else None)
        except InputError as exc:
            raise located(exc, entry.path) from None
        if as_json:
            out.json(explain_json(result, pack, item))
        else:
            for renderable in explain_case(result, pack, item):
                out.print(renderable)
        return EXIT_OK

    run_command(body)


@app.command()
def extract(
    letters: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="LETTER",
            help="IMR letters (PDF or text) or folders of them; - reads standard input.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", metavar="FOLDER", help="Folder to write one case YAML per letter into."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace case files that existed before this run.")
    ] = False,
    compare: Annotated[
        list[Path] | None,
        typer.Option(
            "--compare",
            metavar="PATH",
            help="Hand-transcribed cases to score extraction against (per-fact precision and recall).",
        ),
    ] = None,
    as_json: JsonOption = False,
    workers: WorkersOption = 0,
    timeout: TimeoutOption = 120.0,
    quiet: QuietOption = False,
    max_bytes: MaxBytesOption = None,
    max_chars: MaxCharsOption = None,
    max_items: MaxItemsOption = None,
) -> None:
    """Read letters into cases, with the evidence of every fact; or score extraction with --compare."""
    from engine.batch import RunSettings, extract_paths
    from engine.letters.caseio import case_json, case_yaml, compare_transcribed, write_cases

    def scores() -> int:
        _, summary = compare_transcribed(compare or [])
        if as_json:
            out.json(summary.model_dump())
            return EXIT_OK
        from rich.table import Table

        table = Table(title=f"extraction against {summary.cases} hand-transcribed cases")
        for column in ("fact", "agree", "extra", "missed", "precision", "recall"):
            table.add_column(column)
        for name, tp, fp, fn, precision, recall in summary.rows():
            table.add_row(
                plain(name),
                str(tp),
                str(fp),
                str(fn),
                "n/a" if precision is None else f"{precision:.2f}",
                "n/a" if recall is None else f"{recall:.2f}",
            )
        out.print(table)
        out.print(
            f"items: {summary.items_extracted} extracted, {summary.items_transcribed} transcribed, "
            f"{summary.items_text_agree} with the same text"
        )
        return EXIT_OK

    def body() -> int:
        set_quiet(quiet)
        apply_limits(max_bytes, max_chars, max_items)
        if compare:
            return scores()
        if not letters:
            raise InputError(None, "name letters to extract, or --compare CASES")
        run = extract_paths(letters, RunSettings(workers=workers, timeout=timeout, progress=not quiet))
        cases = [(o.path, o.case) for o in run.outcomes if o.case is not None]
        written = write_cases(cases, output, overwrite=force) if output is not None else None
        if as_json:
            out.json(
                {
                    "letters": [
                        {"path": o.path, "error": o.error, "failure": o.failure}
                        if o.case is None
                        else {"path": o.path, "case": case_json(o.case)}
                        | (
                            {"written": str(written.files[o.path])}
                            if written and o.path in written.files
                            else {}
                        )
                        for o in run.outcomes
                    ],
                    "skipped": _skipped_json(run),
                }
            )
        elif written is None:
            for source, case in cases:
                out.console.file.write(f"# {source}\n{case_yaml(case)}---\n")
        else:
            for source, path in written.files.items():
                out.print(plain(f"{source} -> {path}"))
        if written is not None:
            for note in written.notes:
                note_line(f"note: {note}")
            for problem in written.problems:
                error_line(f"error: {problem}")
        code = _report_failures(run)
        return code or (EXIT_INPUT if written is not None and written.problems else EXIT_OK)

    run_command(body)


@app.command()
def audit(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            help="IMR letters (PDF or text), case YAML files, or folders of them; none: report on --db.",
            show_default=False,
        ),
    ] = None,
    db: Annotated[
        Path,
        typer.Option(
            "--db", metavar="FILE", help="The audit database: created, or added to (never overwritten)."
        ),
    ] = Path("imr-audit.db"),
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", help="Also write the report as one self-contained HTML page."),
    ] = None,
    workers: WorkersOption = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print every figure and list as one JSON document.")
    ] = False,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            metavar="ADDRESS",
            help="Audit on this Dask scheduler (tcp://host:port) instead of local worker processes.",
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
    timeout: TimeoutOption = 120.0,
    quiet: QuietOption = False,
    max_bytes: MaxBytesOption = None,
    max_chars: MaxCharsOption = None,
    max_items: MaxItemsOption = None,
) -> None:
    """Audit many determinations into a database and report on it: figures beside the published
    ones, flagged items, inconsistent pairs, rationales contradicted by the record. Resumable: an
    input already in the database under the same rules is skipped."""
    from engine.audit.command import AuditRequest, run_audit_command

    def body() -> int:
        set_quiet(quiet)
        apply_limits(max_bytes, max_chars, max_items)
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
            timeout=timeout,
            progress=not quiet,
        )
        return run_audit_command(request, _pack, out, error_line, note_line)

    run_command(body)


@app.command()
def precheck(
    request: Annotated[
        Path | None,
        typer.Argument(help="Request file (YAML, see --schema) or a FHIR QuestionnaireResponse (JSON)."),
    ] = None,
    as_json: JsonOption = False,
    rules: RulesOption = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the JSON Schema of a request file.")
    ] = False,
    interactive: Annotated[
        str | None,
        typer.Option(
            "--interactive",
            metavar="TREATMENT",
            help="Ask the facts the rules need for TREATMENT, print the verdict, write the request file.",
        ),
    ] = None,
    questionnaire: Annotated[
        str | None,
        typer.Option(
            "--questionnaire",
            metavar="TREATMENT",
            help="Write the questions for TREATMENT as a FHIR R4 Questionnaire.",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            metavar="TREATMENT",
            help="Write a request skeleton listing the facts the rules need.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File to write (request, template or questionnaire)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --output file if it exists.")] = False,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="Request date for --template/--questionnaire (default today).",
        ),
    ] = None,
) -> None:
    """What would pass, fail or need documentation in a request, and what request would comply."""
    from engine.precheck.command import PrecheckOptions, run

    options = PrecheckOptions(
        request=request,
        as_json=as_json,
        rules=rules,
        schema=schema,
        interactive=interactive,
        questionnaire=questionnaire,
        template=template,
        output=output,
        force=force,
        as_of=as_of.date() if as_of else None,
    )
    run_command(lambda: run(options, lambda: _pack(rules), out.console))


@rules_app.command("list")
def rules_list(rules: RulesOption = None, as_json: JsonOption = False) -> None:
    """One line per rule: id, edition, what it applies to, number of criteria."""
    from rich.table import Table

    def body() -> int:
        pack = _pack(rules)
        if as_json:
            out.json(
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
            return EXIT_OK
        table = Table(title=f"{len(pack.rules)} rules, {len(pack.criteria)} criteria (rules {pack.version})")
        for column in ("rule", "edition", "applies to", "criteria", "title"):
            table.add_column(column)
        table.columns[0].no_wrap = True
        for r in pack.rules:
            table.add_row(
                plain(r.id),
                plain(r.edition),
                plain(" and ".join(leaf.describe() for leaf in r.applies_to)),
                str(len(r.criteria)),
                plain(r.title),
            )
        out.print(table)
        return EXIT_OK

    run_command(body)


@rules_app.command("show")
def rules_show(
    rule_id: Annotated[str, typer.Argument(metavar="ID", help="A rule or criterion id.")],
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """A rule with its criteria: text, condition, citation, what "not documented" means."""
    from rich.text import Text

    def body() -> int:
        pack = _pack(rules)
        rule = pack.by_id.get(rule_id) or (
            pack.by_id[pack.criteria[rule_id].rule_id] if rule_id in pack.criteria else None
        )
        if rule is None:
            raise InputError(None, f"no rule or criterion {rule_id!r}")
        if as_json:
            out.json(
                {
                    "rules_version": pack.content_hash,
                    "id": rule.id,
                    "title": rule.title,
                    "file": rule.file,
                    "line": rule.line,
                    "edition": rule.edition,
                    "effective_from": rule.effective_from,
                    "effective_to": rule.effective_to,
                    "applies_to": [leaf.describe() for leaf in rule.applies_to],
                    "combine": rule.combine,
                    "at_least": rule.at_least,
                    "criteria": [
                        {
                            "id": c.id,
                            "text": c.text,
                            "when": c.condition.describe(),
                            "citation": c.citation.as_json(),
                            "when_not_documented": "blocks"
                            if c.blocks_when_not_documented
                            else "does_not_block",
                            "uncertain": c.uncertain,
                        }
                        for c in rule.criteria
                    ],
                }
            )
            return EXIT_OK
        out.print(
            Text.assemble(plain(rule.id, "bold"), ": ", plain(f"{rule.title}  ({rule.file}:{rule.line})"))
        )
        out.print(
            plain(f"edition {rule.edition}, in force {rule.effective_from} to {rule.effective_to or 'now'}")
        )
        out.print(plain("applies to: " + " and ".join(leaf.describe() for leaf in rule.applies_to)))
        out.print(plain(f"combine: {rule.combine}" + (f" {rule.at_least}" if rule.at_least else "")))
        for c in rule.criteria:
            out.print(Text.assemble("\n  ", plain(c.id, "bold"), " ", plain(c.text)))
            out.print(plain(f"    when: {c.condition.describe()}"))
            out.print(plain(f"    citation: {c.citation.describe()}"))
            if c.blocks_when_not_documented:
                out.print(plain("    not documented: blocks"))
            else:
                out.print(plain(f"    not documented: set aside: {c.set_aside_because}"))
            if c.uncertain:
                out.print(plain(f"    uncertain: {c.uncertain}", "magenta"))
        return EXIT_OK

    run_command(body)


@rules_app.command("coverage")
def rules_coverage(
    paths: InputsArgument,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
    rules: RulesOption = None,
    workers: WorkersOption = 0,
    timeout: TimeoutOption = 120.0,
    quiet: QuietOption = False,
    max_bytes: MaxBytesOption = None,
    max_chars: MaxCharsOption = None,
    max_items: MaxItemsOption = None,
    halves: Annotated[
        bool,
        typer.Option(
            "--halves",
            help="Also give the agreement on each half of the letters, split by case number "
            "(even: A, odd: B; see engine/devsplit.py).",
        ),
    ] = False,
) -> None:
    """Share of items with an applicable rule, by treatment kind; the items no rule covers."""
    from rich.table import Table

    from engine.audit.agreement import agreement, coverage
    from engine.devsplit import HALVES, half_of

    def body() -> int:
        set_quiet(quiet)
        apply_limits(max_bytes, max_chars, max_items)
        pack, run = _evaluate_inputs(paths, rules, as_of, workers, timeout, progress=not quiet)
        found = coverage(run.outcomes)
        stats = agreement(run.outcomes)
        by_half = (
            {
                half: agreement([o for o in run.outcomes if o.result and half_of(o.result.case_id) == half])
                for half in HALVES
            }
            if halves
            else {}
        )
        if as_json:
            out.json(
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
                    **({"halves": {h: a.as_json() for h, a in by_half.items()}} if halves else {}),
                    "errors": [
                        {"source": o.path, "error": o.error, "failure": o.failure}
                        for o in run.outcomes
                        if o.error
                    ],
                    "skipped": _skipped_json(run),
                }
            )
        else:
            table = Table(title=f"coverage: {found.covered}/{found.items} items have an applicable rule")
            for column in ("kind", "items", "covered", "share"):
                table.add_column(column)
            for k in found.by_kind:
                table.add_row(plain(k.kind), str(k.items), str(k.covered), f"{k.covered / k.items:.0%}")
            out.print(table)
            for case_id, item_id, kind, text in found.uncovered:
                out.print(plain(f"not covered: {case_id} item {item_id} [{kind}] {text}"))
            if stats.items:
                out.print(plain(stats.line()))
            for half, half_stats in by_half.items():
                out.print(plain(f"half {half}: {half_stats.line()}"))
        return _report_failures(run)

    run_command(body)


@rules_app.command("lint")
def rules_lint(rules: RulesOption = None, as_json: JsonOption = False) -> None:
    """Load every rule file strictly and compile it into durable_rules; report the first problem."""
    from engine.evaluate import durable_matcher
    from engine.vocab import load_vocabulary

    def body() -> int:
        pack = _pack(rules)
        matcher = durable_matcher(pack, load_vocabulary())
        matcher.create_all()
        matcher.close()
        if as_json:
            out.json(
                {
                    "ok": True,
                    "rules_version": pack.content_hash,
                    "files": len(pack.files),
                    "rules": len(pack.rules),
                    "criteria": len(pack.criteria),
                }
            )
        else:
            out.print(f"ok: {len(pack.files)} files, {len(pack.rules)} rules, {len(pack.criteria)} criteria")
        return EXIT_OK

    run_command(body)


@rules_app.command("test")
def rules_test(
    tests: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH", help="Rule test files or folders (default tests/rules).", show_default=False
        ),
    ] = None,
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the YAML rule tests through durable_rules and the oracle, and check they cover every threshold.

    Exit code 3 when any test fails (2 is bad input, 1 an engine failure).
    """
    from engine.ruletests import load_rule_tests, run_rule_tests

    def body() -> int:
        pack = _pack(rules)
        loaded = load_rule_tests(tests) if tests else load_rule_tests()
        report = run_rule_tests(pack, loaded, check_coverage=not tests)
        passed = report.tests - len({f.where for f in report.failures})
        if as_json:
            out.json(
                {
                    "rules_version": pack.content_hash,
                    "tests": report.tests,
                    "passed": passed,
                    "failures": [{"where": f.where, "message": f.message} for f in report.failures],
                }
            )
        else:
            for failure in report.failures:
                out.print(plain(f"FAIL {failure}"))
            out.print(f"{passed} passed, {len(report.failures)} failed")
        if not report.ok:
            error_line(f"imr: {len(report.failures)} rule test failures")
            return EXIT_TESTS_FAILED
        return EXIT_OK

    run_command(body)


@cache_app.command("info")
def cache_info(as_json: JsonOption = False) -> None:
    """The cache folder, its entries and their size."""
    from engine import cache

    def body() -> int:
        found = cache.info()
        if as_json:
            out.json(
                {
                    "path": str(found.path),
                    "entries": found.entries,
                    "bytes": found.size,
                    "usable": found.usable,
                    "max_entries": cache.MAX_ENTRIES,
                    "max_bytes": cache.MAX_BYTES,
                }
            )
        else:
            state = "" if found.usable else " (not used: not this user's, or writable by others)"
            out.print(plain(f"{found.path}: {found.entries} entries, {found.size / 1e6:.1f} MB{state}"))
        return EXIT_OK

    run_command(body)


@cache_app.command("clear")
def cache_clear(as_json: JsonOption = False) -> None:
    """Remove every cache entry (they are rebuilt as needed: the next run is only slower)."""
    from engine import cache

    def body() -> int:
        removed = cache.clear()
        if as_json:
            out.json({"path": str(cache.cache_dir()), "removed": removed})
        else:
            out.print(plain(f"{cache.cache_dir()}: removed {removed} files"))
        return EXIT_OK

    run_command(body)


def main() -> None:
    app()
