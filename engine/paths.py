"""Where the project's data lives: rules/, guidelines/ and cases/ sit beside the engine package."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = PROJECT_ROOT / "rules"
GUIDELINES_DIR = PROJECT_ROOT / "guidelines"
CASES_DIR = PROJECT_ROOT / "cases"
# The development letters are shared beside the project, not bundled with it.
LETTERS_DIR = Path(os.environ.get("IMR_LETTERS_DIR", PROJECT_ROOT.parent / "shared" / "letters"))
