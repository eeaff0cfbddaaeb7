"""What the command line names, walked into the inputs of a run.

Every file is read once however often it is named (directly, through a folder or a link); every
entry left out is named with the reason; a path that cannot be read becomes a failed input of its
own and never stops the others. Nothing is opened here except folders: a FIFO or a device is told
apart by its status, so a walk never blocks on one.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import InputError
from engine.limits import check_bytes, limits

CASE_SUFFIXES = (".yaml", ".yml")
LETTER_SUFFIXES = (".pdf", ".txt")
STDIN = "-"


@dataclass(frozen=True)
class Entry:
    """One input of a run: a file to read (or standard input, already read), or why it cannot be."""

    path: str
    problem: str | None = None
    data: bytes | None = None

    @property
    def is_case_file(self) -> bool:
        return self.path.lower().endswith(CASE_SUFFIXES)


@dataclass(frozen=True)
class Skipped:
    """An entry of a folder (or a repeated path) that is deliberately not read, and why."""

    path: str
    reason: str


@dataclass
class Inputs:
    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def readable(self) -> list[Entry]:
        return [e for e in self.entries if e.problem is None]


def _kind_of(mode: int) -> str | None:
    """What a non-regular, non-folder entry is, in words; None for a regular file or a folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _unreachable(path: str, exc: OSError) -> str:
    """Why `os.stat` failed, in words that say what the path is."""
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: the link leads back to itself"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        if os.path.islink(path):
            return f"broken symbolic link: its target {os.readlink(path)!r} does not exist"
        return "no such file or folder"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return f"cannot access: {exc.strerror or exc}"


class _Walker:
    def __init__(self, suffixes: Sequence[str]) -> None:
        self.suffixes = tuple(suffixes)
        self.found = Inputs()
        self.seen_files: dict[tuple[int, int], str] = {}
        self.seen_folders: dict[tuple[int, int], str] = {}
        self.read_stdin = False
        self.wanted_files = 0

    def named(self, path: str) -> None:
        """A path given on the command line: any readable file counts, whatever its suffix."""
        if path == STDIN:
            self.stdin()
            return
        try:
            status = os.stat(path)
        except OSError as exc:
            self.found.entries.append(Entry(path, _unreachable(path, exc)))
            return
        if stat.S_ISDIR(status.st_mode):
            self.folder(path, status)
        elif (kind := _kind_of(status.st_mode)) is not None:
            self.found.entries.append(Entry(path, f"{kind}, not a letter or case file"))
        else:
            self.file(path, status)

    def stdin(self) -> None:
        if self.read_stdin:
            self.found.skipped.append(Skipped(STDIN, "standard input named twice; read once"))
            return
        self.read_stdin = True
        limit = limits().max_bytes
        data = sys.stdin.buffer.read(limit + 1)
        try:
            check_bytes(len(data), "<stdin>")
        except InputError as exc:
            self.found.entries.append(Entry(STDIN, exc.message))
            return
        self.found.entries.append(Entry(STDIN, data=data))

    def file(self, path: str, status: os.stat_result) -> None:
        self.wanted_files += 1
        identity = (status.st_dev, status.st_ino)
        first = self.seen_files.get(identity)
        if first is not None:
            why = "named twice" if first == path else f"the same file as {first}"
            self.found.skipped.append(Skipped(path, f"{why}; read once"))
            return
        self.seen_files[identity] = path
        self.found.entries.append(Entry(path))

    def folder(self, root: str, status: os.stat_result) -> None:
        # depth first, names sorted, without recursion: a deep tree cannot exhaust the stack
        pending: list[tuple[str, os.stat_result]] = [(root, status)]
        wanted_before = self.wanted_files
        problems_before = len(self.found.entries)
        while pending:
            path, folder_status = pending.pop()
            identity = (folder_status.st_dev, folder_status.st_ino)
            first = self.seen_folders.get(identity)
            if first is not None:
                why = "named twice" if first == path else f"the same folder as {first}"
                self.found.skipped.append(Skipped(path, f"{why} (a link back into the walk?); walked once"))
                continue
            self.seen_folders[identity] = path
            pending.extend(reversed(self.folder_entries(path)))
        nothing_found = self.wanted_files == wanted_before and len(self.found.entries) == problems_before
        if nothing_found and root not in {s.path for s in self.found.skipped}:
            self.found.entries.append(
                Entry(root, "folder holds no case files (.yaml, .yml) or letters (.pdf, .txt)")
            )

    def folder_entries(self, path: str) -> list[tuple[str, os.stat_result]]:
        """Read one folder: its files become entries, its subfolders are returned to walk."""
        try:
            with os.scandir(path) as scan:
                names = sorted(entry.name for entry in scan)
        except OSError as exc:
            self.found.entries.append(Entry(path, f"cannot read folder: {_unreachable(path, exc)}"))
            return []
        subfolders = []
        for name in names:
            child = os.path.join(path, name)
            wanted = name.lower().endswith(self.suffixes)
            if name.startswith("."):
                self.found.skipped.append(Skipped(child, "hidden"))
                continue
            try:
                status = os.stat(child)
            except OSError as exc:
                self.problem(child, _unreachable(child, exc), wanted)
                continue
            if stat.S_ISDIR(status.st_mode):
                subfolders.append((child, status))
            elif (kind := _kind_of(status.st_mode)) is not None:
                self.problem(child, f"{kind}, not a letter or case file", wanted)
            elif wanted:
                self.file(child, status)
            else:
                self.found.skipped.append(
                    Skipped(child, "not a case file or letter (.yaml, .yml, .pdf, .txt)")
                )
        return subfolders

    def problem(self, path: str, reason: str, wanted: bool) -> None:
        # a name that promises a letter or case is a failed input; anything else is only skipped
        if wanted:
            self.found.entries.append(Entry(path, reason))
        else:
            self.found.skipped.append(Skipped(path, reason))


def find_inputs(
    paths: Iterable[str | Path], suffixes: Sequence[str] = (*CASE_SUFFIXES, *LETTER_SUFFIXES)
) -> Inputs:
    """The inputs named by `paths` (files, folders walked recursively, `-` for standard input)."""
    walker = _Walker(suffixes)
    for path in paths:
        walker.named(str(path))
    return walker.found


def read_bytes(path: str) -> bytes:
    """A regular file's bytes, refused past the size limit; a FIFO or device is refused unopened
    for reading (opened non-blocking, so even a path swapped for a FIFO cannot hang the run)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(path, f"cannot read file: {_unreachable(path, exc)}") from None
    with os.fdopen(descriptor, "rb") as stream:
        status = os.fstat(descriptor)
        kind = _kind_of(status.st_mode)
        if stat.S_ISDIR(status.st_mode):
            raise InputError(path, "a folder, not a file")
        if kind is not None:
            raise InputError(path, f"{kind}, not a letter or case file")
        check_bytes(status.st_size, path)
        try:
            data = stream.read(limits().max_bytes + 1)
        except OSError as exc:
            raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    check_bytes(len(data), path)
    return data


def entry_bytes(entry: Entry) -> bytes:
    return entry.data if entry.data is not None else read_bytes(entry.path)


def display_path(path: str | Path) -> str:
    return "<stdin>" if str(path) == STDIN else str(path)
