"""Where the project's data lives: rules/, guidelines/ and cases/ sit beside the engine package."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = PROJECT_ROOT / "rules"
GUIDELINES_DIR = PROJECT_ROOT / "guidelines"
CASES_DIR = PROJECT_ROOT / "cases"
