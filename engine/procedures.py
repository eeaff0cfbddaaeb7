"""Surgical procedures: the surgery subtypes of guidelines/treatments.yaml as a procedure table.

Each surgery subtype is one procedure. Besides its words it may carry CPT codes (a code or a
"low-high" range, optionally followed by the body region the code implies), the body regions the
procedure implies when a request names none, whether it only names an approach ("arthroscopy"),
and the group of the Postsurgical Treatment Guidelines whose course of therapy follows it. This
module checks those entries and answers the lookups the item reader and the evaluator need.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from engine.yamlio import YamlDocument

SURGERY = "surgery"

_CPT_ENTRY = re.compile(
    r"^(?P<low>[A-Z]?\d{4,5})(?:-(?P<high>[A-Z]?\d{4,5}))?(?:\s+(?P<region>[a-z][a-z0-9_]*))?$"
)
_GROUP_ENTRY = re.compile(r"^(?P<group>[a-z][a-z0-9_]*)(?:\s+(?P<region>[a-z][a-z0-9_]*))?$")


@dataclass(frozen=True, slots=True)
class CptCode:
    """What one CPT code identifies: a procedure, and the body region when the code implies one."""

    procedure: str
    region: str | None


@dataclass(frozen=True)
class ProcedureTable:
    """Lookups over the surgery subtypes (see the module docstring)."""

    codes: dict[str, CptCode]
    regions: dict[str, tuple[str, ...]]
    approaches: frozenset[str]
    # procedure -> (region or None for any region, postsurgical group), in file order
    postsurgical: dict[str, tuple[tuple[str | None, str], ...]]
    postsurgical_precedence: tuple[str, ...]

    def code(self, code: str) -> CptCode | None:
        return self.codes.get(code.upper())

    def is_approach(self, procedure: str) -> bool:
        return procedure in self.approaches

    def implied_region(self, procedures: Iterable[str]) -> str | None:
        """The one body region the named procedures imply, or None when they imply none or several."""
        implied = {region for p in procedures for region in self.regions.get(p, ())[:1]}
        return implied.pop() if len(implied) == 1 else None

    def postsurgical_group(self, procedures: Sequence[str], region: str | None) -> str | None:
        """The Postsurgical Treatment Guidelines group that governs therapy after these procedures."""
        groups = set()
        for procedure in procedures:
            for group_region, group in self.postsurgical.get(procedure, ()):
                if group_region is None or group_region == region:
                    groups.add(group)
                    break
        return next((g for g in self.postsurgical_precedence if g in groups), None)


class _Subtype(Protocol):
    """The fields of a treatment subtype this module reads (engine.vocab.TreatmentSubtype)."""

    @property
    def id(self) -> str: ...

    @property
    def approach(self) -> bool: ...

    @property
    def regions(self) -> list[str]: ...

    @property
    def cpt(self) -> list[str]: ...

    @property
    def postsurgical(self) -> list[str]: ...


def build_procedure_table(
    doc: YamlDocument,
    kind_index: int,
    subtypes: Sequence[_Subtype],
    region_ids: frozenset[str],
    precedence: Sequence[str],
) -> ProcedureTable:
    """Check the surgery subtypes' procedure entries (file:line errors) and index them."""
    singles: dict[str, CptCode] = {}
    ranged: dict[str, CptCode] = {}
    regions: dict[str, tuple[str, ...]] = {}
    postsurgical: dict[str, tuple[tuple[str | None, str], ...]] = {}
    for j, subtype in enumerate(subtypes):
        loc: tuple[str | int, ...] = ("kinds", kind_index, "subtypes", j)
        for k, region in enumerate(subtype.regions):
            if region not in region_ids:
                raise doc.error((*loc, "regions", k), f"unknown body region {region!r}")
        regions[subtype.id] = tuple(subtype.regions)
        for k, entry in enumerate(subtype.cpt):
            match = _CPT_ENTRY.match(entry)
            if match is None:
                raise doc.error(
                    (*loc, "cpt", k), f"CPT entry {entry!r}: write CODE, LOW-HIGH, optionally a region"
                )
            region = match.group("region")
            if region is not None and region not in region_ids:
                raise doc.error((*loc, "cpt", k), f"unknown body region {region!r}")
            codes = _expand(match.group("low"), match.group("high"))
            if codes is None:
                raise doc.error((*loc, "cpt", k), f"CPT range {entry!r} runs backwards or mixes code forms")
            target = singles if len(codes) == 1 else ranged
            for code in codes:
                if code in target and target[code].procedure != subtype.id:
                    raise doc.error(
                        (*loc, "cpt", k), f"CPT {code} already identifies {target[code].procedure!r}"
                    )
                target[code] = CptCode(subtype.id, region)
        groups = []
        for k, entry in enumerate(subtype.postsurgical):
            match = _GROUP_ENTRY.match(entry)
            if match is None or match.group("group") not in precedence:
                raise doc.error(
                    (*loc, "postsurgical", k),
                    f"postsurgical entry {entry!r}: write GROUP [REGION], a group of postsurgical_precedence",
                )
            region = match.group("region")
            if region is not None and region not in region_ids:
                raise doc.error((*loc, "postsurgical", k), f"unknown body region {region!r}")
            groups.append((region, match.group("group")))
        postsurgical[subtype.id] = tuple(groups)
    # a code listed on its own names its procedure more exactly than a range that spans it
    codes = {**ranged, **singles}
    return ProcedureTable(
        codes=codes,
        regions=regions,
        approaches=frozenset(s.id for s in subtypes if s.approach),
        postsurgical=postsurgical,
        postsurgical_precedence=tuple(precedence),
    )


def _expand(low: str, high: str | None) -> list[str] | None:
    if high is None:
        return [low]
    if not (low.isdigit() and high.isdigit() and len(low) == len(high)) or int(high) < int(low):
        return None
    return [f"{n:0{len(low)}d}" for n in range(int(low), int(high) + 1)]
