"""A content-addressed cache of checked data (rule packs, vocabularies), so a cold `imr` is fast.

The key is the bytes of every input file and of the code that builds the value: a changed rule,
vocabulary or loader can never be served stale. An unwritable cache only costs speed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "imr-engine"


def content_key(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_cached(name: str, inputs: Sequence[Path], build: Callable[[], T], expected: type[T]) -> T:
    """`build()`'s value for these inputs, from the cache when the inputs are unchanged."""
    path = _cache_dir() / f"{name}-{content_key(inputs)}.pickle"
    try:
        with path.open("rb") as stream:
            value = pickle.load(stream)
        if isinstance(value, expected):
            return value
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    except OSError:
        pass
    return value
