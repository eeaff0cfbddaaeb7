"""Case files out, and extracted cases measured against hand-transcribed ones.

`write_case` writes a case as YAML that `engine.facts.load_case` reads back to the same case; it
never overwrites a file unless asked. `compare_cases` scores an extracted case against a
transcription of the same letter, item by item: a fact is a true positive when its name, its item and
the value the item sees (its own, else the case finding) agree; `summarize` gives precision and
recall per fact over many pairs, with item count and item text agreement. `compare_transcribed(paths)`
runs the comparison for case files whose letters are found among the development letters (`imr
extract --compare cases/2014-2015`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from engine.errors import InputError
from engine.facts import Case, Documented, FactValue, load_case
from engine.paths import LETTERS_DIR

try:
    from importlib.metadata import PackageNotFoundError, version

    ENGINE_VERSION = version("imr-engine")
except (ImportError, PackageNotFoundError):  # running from a source tree that is not installed
    ENGINE_VERSION = "unknown"


# --- writing ----------------------------------------------------------------------------------------


class _CaseDumper(yaml.SafeDumper):
    """Block style, long quotes folded by the emitter, key order as in the model."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _represent_date(dumper: yaml.SafeDumper, value: dt.date) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


def _represent_list(dumper: yaml.SafeDumper, value: list[object]) -> yaml.SequenceNode:
    # spans ([start, end]) on one line
    flow = bool(value) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_CaseDumper.add_representer(str, _represent_str)
_CaseDumper.add_representer(list, _represent_list)
_CaseDumper.add_representer(dt.date, _represent_date)


def case_yaml(case: Case) -> str:
    """The case as YAML text, with a header naming it an extracted draft."""
    document = case.model_dump(mode="python", exclude_defaults=True)
    body = yaml.dump(document, Dumper=_CaseDumper, sort_keys=False, allow_unicode=True, width=110)
    source = case.source.file if case.source is not None else "unknown"
    header = (
        f"# Extracted by imr-engine {ENGINE_VERSION} from {source} -- a draft: check every fact against\n"
        "# the letter before relying on it. Evidence spans index the letter's normalized text.\n"
    )
    return header + body


def case_json(case: Case) -> dict[str, object]:
    return case.model_dump(mode="json", exclude_defaults=True)


def _file_mode() -> int:
    """The mode a new file gets under the user's umask (mkstemp alone would make it 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_case(case: Case, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write `case` to `path` as YAML; an existing file is only replaced when `overwrite` is true.

    The file appears whole or not at all (written beside it, then renamed), with the mode the
    user's umask gives a new file.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise InputError(target, "file exists; not overwritten (pass overwrite=True / --force to replace it)")
    text = case_yaml(case)
    temporary: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, _file_mode())
        os.replace(temporary, target)
    except OSError as exc:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
        raise InputError(target, f"cannot write case file: {exc.strerror or exc}") from None
    return target


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 100


def case_filename(case: Case) -> str:
    """A file name for a case: its id, with anything a file name should not hold replaced."""
    stem = _UNSAFE_NAME.sub("_", case.case_id).lstrip(".")[:_MAX_NAME] or "case"
    return stem + ".yaml"


@dataclass
class Written:
    """What `write_cases` did: the file each source went to, notes on renamed files, problems."""

    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def write_cases(cases: Sequence[tuple[str, Case]], folder: Path, *, overwrite: bool = False) -> Written:
    """One case file per source in `folder`, named by case id. Two sources of one case id both
    keep their file (the second is numbered, and a note says so); a file that existed before is
    replaced only when `overwrite` is true, and never one this call wrote."""
    written = Written()
    first_source: dict[str, str] = {}
    taken: set[str] = set()
    for source, case in cases:
        name = case_filename(case)
        if name in taken:
            stem, number = name.removesuffix(".yaml"), 2
            while f"{stem}-{number}.yaml" in taken:
                number += 1
            renamed = f"{stem}-{number}.yaml"
            written.notes.append(
                f"{source} and {first_source[name]} are both case {case.case_id!r}; "
                f"wrote {renamed} beside {name} so both are kept"
            )
            name = renamed
        taken.add(name)
        first_source.setdefault(name, source)
        try:
            written.files[source] = write_case(case, folder / name, overwrite=overwrite)
        except InputError as exc:
            written.problems.append(f"{exc.one_line()} (from {source})")
    return written


# --- comparing ----------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FactKey(_Strict):
    """A fact's place: its item (None for a case finding) and its name."""

    item_id: str | None
    name: str


class FactDifference(_Strict):
    key: FactKey
    extracted: FactValue | None
    transcribed: FactValue | None


class FactComparison(_Strict):
    """One extracted case against its transcription."""

    case_id: str
    true_positives: list[FactKey]
    false_positives: list[FactDifference]
    false_negatives: list[FactDifference]
    items_extracted: int
    items_transcribed: int
    items_text_agree: int


class FactScore(_Strict):
    name: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float | None:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else None

    @property
    def recall(self) -> float | None:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else None


class ComparisonSummary(_Strict):
    """Precision and recall per fact name and overall, over many case pairs."""

    cases: int
    per_fact: list[FactScore]
    overall: FactScore
    # over the facts some transcription documents: extraction may know facts added after the
    # transcriptions were written, which they cannot confirm
    overall_transcribed: FactScore
    items_extracted: int
    items_transcribed: int
    items_text_agree: int

    def rows(self) -> list[tuple[str, int, int, int, float | None, float | None]]:
        """(fact, tp, fp, fn, precision, recall) per fact, then the overall rows ("all facts", and
        "transcribed facts": those some transcription documents)."""
        scores = [*self.per_fact, self.overall, self.overall_transcribed]
        return [
            (s.name, s.true_positives, s.false_positives, s.false_negatives, s.precision, s.recall)
            for s in scores
        ]


def _facts_by_key(case: Case) -> dict[FactKey, FactValue]:
    """What each item sees: the case findings overlaid by the item's own facts (a finding kept for the
    case in one reading and for each item it bears on in another is the same reading)."""
    found: dict[FactKey, FactValue] = {}
    for item in case.items:
        for layer in (case.findings, item.facts):
            for name, documented in layer.items():
                if isinstance(documented, Documented):
                    found[FactKey(item_id=item.item_id, name=name)] = documented.value
    return found


def _agree(left: FactValue, right: FactValue) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return abs(float(left) - float(right)) < 1e-6
    if isinstance(left, list) and isinstance(right, list):
        return sorted(map(str, left)) == sorted(map(str, right))
    return left == right


def _same_text(left: str, right: str) -> bool:
    return " ".join(left.split()).casefold() == " ".join(right.split()).casefold()


def compare_cases(extracted: Case, transcribed: Case) -> FactComparison:
    """Score `extracted` against `transcribed` (see the module docstring); items pair by item_id."""
    got = _facts_by_key(extracted)
    wanted = _facts_by_key(transcribed)
    true_positives: list[FactKey] = []
    false_positives: list[FactDifference] = []
    false_negatives: list[FactDifference] = []
    for key, value in got.items():
        expected = wanted.get(key)
        if expected is not None and _agree(value, expected):
            true_positives.append(key)
        else:
            false_positives.append(FactDifference(key=key, extracted=value, transcribed=expected))
    for key, expected in wanted.items():
        value = got.get(key)
        if value is None or not _agree(value, expected):
            false_negatives.append(FactDifference(key=key, extracted=value, transcribed=expected))
    extracted_items = {item.item_id: item for item in extracted.items}
    return FactComparison(
        case_id=transcribed.case_id,
        true_positives=true_positives,
        false_positives=false_positives,
        false_negatives=false_negatives,
        items_extracted=len(extracted.items),
        items_transcribed=len(transcribed.items),
        items_text_agree=sum(
            1
            for item in transcribed.items
            if item.item_id in extracted_items and _same_text(extracted_items[item.item_id].text, item.text)
        ),
    )


def summarize(comparisons: Iterable[FactComparison]) -> ComparisonSummary:
    """Precision and recall per fact name over many comparisons."""
    counts: dict[str, list[int]] = {}
    cases = items_extracted = items_transcribed = items_text_agree = 0
    for comparison in comparisons:
        cases += 1
        items_extracted += comparison.items_extracted
        items_transcribed += comparison.items_transcribed
        items_text_agree += comparison.items_text_agree
        for key in comparison.true_positives:
            counts.setdefault(key.name, [0, 0, 0])[0] += 1
        for difference in comparison.false_positives:
            counts.setdefault(difference.key.name, [0, 0, 0])[1] += 1
        for difference in comparison.false_negatives:
            counts.setdefault(difference.key.name, [0, 0, 0])[2] += 1
    per_fact = [
        FactScore(name=name, true_positives=tp, false_positives=fp, false_negatives=fn)
        for name, (tp, fp, fn) in sorted(counts.items())
    ]
    overall = _total("all facts", per_fact)
    transcribed = _total("transcribed facts", [s for s in per_fact if s.true_positives + s.false_negatives])
    return ComparisonSummary(
        cases=cases,
        per_fact=per_fact,
        overall=overall,
        overall_transcribed=transcribed,
        items_extracted=items_extracted,
        items_transcribed=items_transcribed,
        items_text_agree=items_text_agree,
    )


def _total(name: str, scores: Sequence[FactScore]) -> FactScore:
    return FactScore(
        name=name,
        true_positives=sum(s.true_positives for s in scores),
        false_positives=sum(s.false_positives for s in scores),
        false_negatives=sum(s.false_negatives for s in scores),
    )


def transcribed_case_files(paths: Sequence[Path]) -> list[Path]:
    """Case files named directly or found in the folders given, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in (".yaml", ".yml")))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(path, "no such file or folder")
    if not files:
        raise InputError(paths[0] if paths else None, "no case files (.yaml) to compare against")
    return files


def letter_of(case: Case, case_path: Path, letters_dir: Path = LETTERS_DIR) -> Path:
    """The letter a transcribed case was read from: its source file, under the letters folder."""
    if case.source is None:
        raise InputError(case_path, "case names no source letter (source.file) to compare with")
    named = Path(case.source.file)
    for candidate in (named, letters_dir / named, case_path.parent / named):
        if candidate.is_file():
            return candidate
    raise InputError(case_path, f"source letter {case.source.file!r} not found (looked in {letters_dir})")


def compare_transcribed(
    paths: Sequence[Path], letters_dir: Path = LETTERS_DIR
) -> tuple[list[FactComparison], ComparisonSummary]:
    """Extract the letter of every transcribed case in `paths` and compare (one comparison each)."""
    from engine.letters.extract import extract_case

    comparisons = []
    for case_path in transcribed_case_files(paths):
        transcribed = load_case(case_path)
        extracted = extract_case(letter_of(transcribed, case_path, letters_dir))
        comparisons.append(compare_cases(extracted, transcribed))
    return comparisons, summarize(comparisons)
