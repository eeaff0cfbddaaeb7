"""What every `imr` command shares: exit codes, output streams, error lines, and common options.

A command body is a function returning its exit code, run through `run_command`, so that bad
input, engine failures, Ctrl-C and a closed pipe each end the same way on every command. Results
go to standard output (tables, or one JSON document with `--json`); errors, notes and progress go
to standard error, so output stays clean when redirected. Tables piped to a file or another
program are not cut to the 80 columns rich assumes without a terminal.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from engine.errors import InputError
from engine.terminal import safe

EXIT_OK = 0
EXIT_INTERNAL = 1  # the engine failed: a bug, never the user's input
EXIT_INPUT = 2  # bad input or usage: one line naming the file (and line)
EXIT_TESTS_FAILED = 3  # `imr rules test`: some rule tests fail
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_OUTPUT_CLOSED = 141  # standard output closed early, as by `| head` (128 + SIGPIPE)

EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 internal error (a bug); 2 bad input or usage; 3 rule tests failed; "
    "130 interrupted; 141 output closed early."
)

# Without a terminal rich would wrap at 80 columns and cut case ids; piped output keeps its lines.
_PIPED_WIDTH = 1_000_000


def _stdout_console() -> Console:
    piped = not sys.stdout.isatty()
    return Console(soft_wrap=False, highlight=False, width=_PIPED_WIDTH if piped else None)


class Output:
    """Standard output for results; `--quiet` silences notes (never results or errors)."""

    def __init__(self) -> None:
        self.console = _stdout_console()
        self.quiet = False

    def print(self, *renderables: Any) -> None:
        self.console.print(*renderables)

    def json(self, document: Any) -> None:
        sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")


out = Output()


def error_line(message: str) -> None:
    """One line on standard error, whatever the message holds (file text is made inert)."""
    # a plain write: a rich console would wrap a long path onto several lines
    sys.stderr.write(safe(" ".join(str(message).split())) + "\n")


def note_line(message: str) -> None:
    if not out.quiet:
        error_line(message)


def _detach_stdout() -> None:
    # the interpreter flushes stdout at exit; a closed pipe would then print a second error
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def guarded(action: Callable[[], int | None]) -> int:
    """Run a command body; every way it can end is an exit code and at most one line, never a traceback."""
    from engine.evaluate import EngineError

    try:
        code = action() or EXIT_OK
        sys.stdout.flush()
        return code
    except InputError as exc:
        error_line(f"error: {exc.one_line()}")
        return EXIT_INPUT
    except EngineError as exc:
        error_line(f"internal error: {exc}")
        return EXIT_INTERNAL
    except BrokenPipeError:
        _detach_stdout()
        error_line("imr: output closed before it was complete")
        return EXIT_OUTPUT_CLOSED
    except KeyboardInterrupt:
        error_line("imr: interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        # a bug, not bad input: one line for the user; IMR_DEBUG=1 shows the traceback
        if os.environ.get("IMR_DEBUG"):
            raise
        error_line(f"internal error: {type(exc).__name__}: {exc} (set IMR_DEBUG=1 for the traceback)")
        return EXIT_INTERNAL


def run_command(action: Callable[[], int | None]) -> NoReturn:
    raise typer.Exit(guarded(action))


# --- options every command spells the same way -------------------------------------------------

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]
QuietOption = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No progress bar and no notes; results and errors only."),
]
AsOfOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        metavar="YYYY-MM-DD",
        help="Date that picks the guideline editions when a case has no UR, decision or cited date.",
    ),
]
InputsArgument = Annotated[
    list[Path],
    typer.Argument(
        metavar="PATH",
        help="Case YAML files, IMR letters (PDF or text), or folders of them; - reads standard input.",
        show_default=False,
    ),
]
WorkersOption = Annotated[int, typer.Option(min=0, metavar="N", help="Worker processes (0: one per core).")]
TimeoutOption = Annotated[
    float,
    typer.Option(
        min=1, metavar="SECONDS", help="Give up on an input that takes longer than this (its line says so)."
    ),
]
RulesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        metavar="PATH",
        help="Rule files or folders to use instead of the bundled rules/ (repeatable).",
    ),
]


def _size(value: str) -> int:
    from engine.limits import parse_size

    try:
        return parse_size(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


MaxBytesOption = Annotated[
    int | None,
    typer.Option(
        parser=_size, metavar="SIZE", help="Largest input file read (default 10M; 500k, 20M, 1G...)."
    ),
]
MaxCharsOption = Annotated[
    int | None,
    typer.Option(parser=_size, metavar="COUNT", help="Longest letter text read, in characters (default 1M)."),
]
MaxItemsOption = Annotated[
    int | None,
    typer.Option(min=1, metavar="N", help="Most disputed items read from one input (default 100)."),
]


def apply_limits(max_bytes: int | None, max_chars: int | None, max_items: int | None) -> None:
    from engine.limits import set_limits

    set_limits(max_bytes, max_chars, max_items)


def set_quiet(quiet: bool) -> None:
    out.quiet = quiet


# --- help texts in words, not Python types ------------------------------------------------------


def _usage_name(argument: Any) -> str:
    name = argument.metavar or argument.name.upper()
    if argument.nargs != 1:
        name += "..."
    return name if argument.required else f"[{name}]"


def plain_help_types() -> None:
    """Typer prints each parameter's Python type in help (`<list[Path]>`, `<bool>`) and braces
    around required arguments (`{paths}...`). The options here name their values with a metavar;
    arguments show theirs as their name, in the usage line as `PATH...` and `[ITEM]`."""
    from typer import core

    option = getattr(core, "TyperOption", None)
    if option is not None and hasattr(option, "display_type_rich"):
        typed = option.display_type_rich
        option.display_type_rich = lambda self, ctx: None if self.is_flag else typed(self, ctx)
    argument = getattr(core, "TyperArgument", None)
    if argument is None:
        return
    if hasattr(argument, "display_type_rich"):
        argument.display_type_rich = lambda self, ctx: None
    if hasattr(argument, "_usage_display_name"):
        argument._usage_display_name = _usage_name
    if hasattr(argument, "_rich_display_name"):
        argument._rich_display_name = lambda self: _usage_name(self).strip("[]")


def version_callback(value: bool) -> None:
    if value:
        from engine.letters.caseio import ENGINE_VERSION

        sys.stdout.write(f"imr {ENGINE_VERSION}\n")
        raise typer.Exit(EXIT_OK)
