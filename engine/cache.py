"""A content-addressed cache of checked data (rule packs, vocabularies), so a cold `imr` is fast.

The key is the bytes of every input file and of the code that builds the value: a changed rule,
vocabulary or loader can never be served stale. An unusable cache only costs speed.

Entries are pickles, and unpickling runs code, so an entry is only read when this user wrote it:
each carries an HMAC-SHA256 of its name and content under a random key kept in the cache folder
(mode 0600), and the folder, the key and the entry must be this user's and not writable by
others. A file planted in the folder, or an entry changed in place, fails the check and is rebuilt
over. The folder is held to MAX_ENTRIES entries and MAX_BYTES, least recently used first out.
`imr cache clear` empties it; `imr cache info` says where it is and what it holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import secrets
import stat
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

MAX_ENTRIES = 48
MAX_BYTES = 64_000_000
_MAGIC = b"imr-cache 1\n"
_SUFFIX = ".imrcache"
_KEY_FILE = "key"
_KEY_SIZE = 32
# entries of earlier versions (which may still be running), and writes a crash left behind
_STALE_SUFFIXES = (".pickle", ".tmp")
_STALE_AGE = {".pickle": 86_400.0, ".tmp": 3_600.0}


def cache_dir() -> Path:
    """$IMR_CACHE_DIR, else $XDG_CACHE_HOME/imr-engine, else ~/.cache/imr-engine."""
    if os.environ.get("IMR_CACHE_DIR"):
        return Path(os.environ["IMR_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "imr-engine"


def _ours(status: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    return status.st_uid == os.getuid() and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _usable_dir() -> Path | None:
    folder = cache_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = os.lstat(folder)
    except OSError:
        return None
    return folder if stat.S_ISDIR(status.st_mode) and _ours(status) else None


def _key(folder: Path) -> bytes | None:
    """This user's cache key, made on first use; None when the key file is not safely ours."""
    path = folder / _KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        pass
    except OSError:
        return None
    else:
        key = secrets.token_bytes(_KEY_SIZE)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(key)
        return key
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode) or not _ours(status) or status.st_mode & 0o077:
            return None
        key = stream.read(_KEY_SIZE + 1)
    return key if len(key) == _KEY_SIZE else None


def content_key(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _seal(key: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).digest()


def _read_entry(path: Path, key: bytes) -> bytes | None:
    """The payload of an entry this user wrote, unchanged since; None for anything else."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode) or not _ours(status) or status.st_size > MAX_BYTES:
            return None
        data = stream.read(MAX_BYTES + 1)
    head = len(_MAGIC) + hashlib.sha256().digest_size
    if not data.startswith(_MAGIC) or len(data) <= head:
        return None
    seal, payload = data[len(_MAGIC) : head], data[head:]
    if not hmac.compare_digest(seal, _seal(key, path.name, payload)):
        return None
    return payload


def _write_entry(folder: Path, path: Path, key: bytes, payload: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(_MAGIC + _seal(key, path.name, payload) + payload)
        os.replace(temporary, path)
    except OSError:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def load_cached(name: str, inputs: Sequence[Path], build: Callable[[], T], expected: type[T]) -> T:
    """`build()`'s value for these inputs, from the cache when the inputs are unchanged."""
    folder = _usable_dir()
    key = _key(folder) if folder is not None else None
    if folder is None or key is None:
        return build()
    path = folder / f"{name}-{content_key(inputs)}{_SUFFIX}"
    payload = _read_entry(path, key)
    if payload is not None:
        try:
            value = pickle.loads(payload)
        except Exception:  # an entry of an older loader: its classes may have changed
            value = None
        if isinstance(value, expected):
            with contextlib.suppress(OSError):
                os.utime(path)  # recently used: kept longest
            return value
    value = build()
    try:
        _write_entry(folder, path, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        prune(folder)
    except (OSError, pickle.PicklingError):
        pass
    return value


@dataclass(frozen=True)
class CacheInfo:
    path: Path
    entries: int
    size: int
    usable: bool


def _entries(folder: Path) -> list[tuple[float, int, Path]]:
    found = []
    try:
        with os.scandir(folder) as scan:
            for entry in scan:
                if entry.is_file(follow_symlinks=False) and entry.name.endswith((_SUFFIX, *_STALE_SUFFIXES)):
                    status = entry.stat(follow_symlinks=False)
                    found.append((status.st_mtime, status.st_size, Path(entry.path)))
    except OSError:
        return []
    return sorted(found)


def prune(folder: Path) -> None:
    """Least recently used entries out until at most MAX_ENTRIES and MAX_BYTES remain; files of an
    earlier cache format and writes left by a crash out once they are old."""
    now = time.time()
    current = []
    for mtime, size, path in _entries(folder):
        if path.suffix in _STALE_AGE:
            if now - mtime > _STALE_AGE[path.suffix]:
                path.unlink(missing_ok=True)
        else:
            current.append((mtime, size, path))
    total = sum(size for _, size, _ in current)
    while current and (len(current) > MAX_ENTRIES or total > MAX_BYTES):
        _, size, path = current.pop(0)
        path.unlink(missing_ok=True)
        total -= size


def info() -> CacheInfo:
    folder = cache_dir()
    entries = [e for e in _entries(folder) if e[2].name.endswith(_SUFFIX)] if folder.is_dir() else []
    return CacheInfo(folder, len(entries), sum(size for _, size, _ in entries), _usable_dir() is not None)


def clear() -> int:
    """Remove every entry and the key; the number of files removed."""
    folder = cache_dir()
    removed = 0
    for _, _, path in _entries(folder) if folder.is_dir() else []:
        path.unlink(missing_ok=True)
        removed += 1
    key = folder / _KEY_FILE
    if key.is_file() and not key.is_symlink():
        key.unlink()
        removed += 1
    return removed
