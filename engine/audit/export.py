"""`imr audit --export parquet DIR`: every table of the database as DIR/<table>.parquet, for DuckDB,
pandas or Spark. Columns keep their SQLite types (INTEGER as int64, TEXT as string; the header
dates as date32); JSON columns stay JSON text. Files that already exist are not overwritten."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from engine.audit.schema import TABLES
from engine.errors import InputError

ROWS_PER_BATCH = 50_000


def check_exportable(folder: Path) -> list[Path]:
    """The files an export writes; refused if any exists or pyarrow is missing (checked before a run too)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError(None, "--export parquet needs pyarrow: pip install 'imr-engine[audit]'") from None
    targets = [folder / f"{table}.parquet" for table in TABLES]
    existing = [t for t in targets if t.exists()]
    if existing:
        raise InputError(existing[0], "exists; refusing to overwrite it (export into an empty folder)")
    return targets


def export_parquet(db: sqlite3.Connection, folder: Path) -> list[Path]:
    targets = check_exportable(folder)
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(folder, f"cannot create the folder: {exc.strerror}") from None
    for table, target in zip(TABLES, targets, strict=True):
        columns = db.execute(f"PRAGMA table_info({table})").fetchall()
        names = [c[1] for c in columns]
        types = [_arrow_type(pa, name, declared) for _, name, declared, *_ in columns]
        schema = pa.schema(list(zip(names, types, strict=True)))
        cursor = db.execute(f"SELECT {', '.join(names)} FROM {table}")
        partial = target.with_name(f".{target.name}.partial")
        with pq.ParquetWriter(partial, schema) as writer:
            while rows := cursor.fetchmany(ROWS_PER_BATCH):
                arrays = [
                    pa.array([_converted(row[i], types[i], pa) for row in rows], type=types[i])
                    for i in range(len(names))
                ]
                writer.write_batch(pa.record_batch(arrays, schema=schema))
        partial.replace(target)
    return targets


def _arrow_type(pa: Any, name: str, declared: str) -> Any:
    if name.endswith("_date"):
        return pa.date32()
    return pa.int64() if declared.upper() == "INTEGER" else pa.string()


def _converted(value: Any, arrow_type: Any, pa: Any) -> Any:
    if value is not None and arrow_type == pa.date32():
        return dt.date.fromisoformat(value)
    return value
