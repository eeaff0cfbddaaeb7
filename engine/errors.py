"""The one error type a user ever sees: bad input, named by file and line."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input (rule file, case file, letter, vocabulary). The CLI prints it on one line, exit 2."""

    def __init__(self, path: str | Path | None, message: str, line: int | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.message = " ".join(message.split())
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"
