"""Small IMR letters in the MAXIMUS form, written for the tests that need a letter of a given shape.

They are read exactly as a real letter is (engine.letters.parse and extract); nothing in them is
copied from a real letter.
"""

from __future__ import annotations

_HEADER = """Case Number: CM99-{number}
Date Assigned: 01/10/2017 Date of Injury: 03/01/2016
Decision Date: 02/01/2017 UR Denial Date: 01/05/2017
Priority: Standard Application
HOW THE IMR FINAL DETERMINATION WAS MADE
MAXIMUS Federal Services sent the complete case file to an expert reviewer.
The Expert Reviewer has the following credentials:
State(s) of Licensure: California
Certification(s)/Specialty: Orthopedic Surgery
CLINICAL CASE SUMMARY
The expert reviewer developed the following clinical case summary based on a review of the
case file, including all medical records:
{summary}
IMR ISSUES, DECISIONS AND RATIONALES
The Final Determination was based on decisions for the disputed items/services set forth below:
"""
_ITEM = """{heading}: {decision}
Claims Administrator guideline: The Claims Administrator did not cite any medical evidence
for its decision.
MAXIMUS guideline: {maximus}
Decision rationale: {rationale}
"""


def letter(number: str, summary: str, *items: tuple[str, str, str], maximus: str | None = None) -> str:
    """A letter with this case number suffix, case summary and (heading, decision, rationale) items;
    `maximus` is the reviewer's guideline line of every item (default: none cited)."""
    text = _HEADER.format(number=number, summary=summary)
    for heading, decision, rationale in items:
        cited = maximus or "The Expert Reviewer did not cite any medical evidence for its decision."
        text += _ITEM.format(heading=heading, decision=decision, rationale=rationale, maximus=cited)
    return text
