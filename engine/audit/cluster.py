"""The same audit on an existing Dask cluster (`imr audit --cluster ADDRESS`).

Each Dask worker process builds its own durable_rules host once (cached by the rules version) and
audits chunks of letters; this process hands out the chunks, a few per worker at a time, and
writes every result to the database itself. The workers read the letters by path, so they must
see the same files (a shared filesystem) and have imr-engine installed.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Sequence

from engine.audit.record import AuditWorker, LetterRecord, failed
from engine.errors import InputError
from engine.rules import RulePack

# Letters per task: enough to make the scheduler's hand-over cheap, few enough to keep every
# worker busy to the end and to lose little when a worker dies.
CHUNK = 8

_workers: dict[str, AuditWorker] = {}
_workers_lock = threading.Lock()


def _worker_for(pack: RulePack, as_of: dt.date | None) -> AuditWorker:
    key = f"{pack.content_hash}:{as_of}"
    with _workers_lock:
        if key not in _workers:
            _workers[key] = AuditWorker(pack, as_of)
        return _workers[key]


def audit_chunk(pack: RulePack, as_of: dt.date | None, chunk: list[tuple[str, str]]) -> list[LetterRecord]:
    """Runs on a Dask worker."""
    worker = _worker_for(pack, as_of)
    return [worker.audit(path, sha) for path, sha in chunk]


class ClusterDispatcher:
    """Chunks of letters to a Dask cluster, results as they complete."""

    def __init__(self, address: str, pack: RulePack, as_of: dt.date | None) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError(
                None, "--cluster needs dask.distributed: pip install 'imr-engine[audit]'"
            ) from None
        try:
            self.client = Client(address, timeout="5s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise InputError(None, f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.pack_future = self.client.scatter(pack, broadcast=True, hash=False)
        self.as_of = as_of
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def results(self, tasks: Sequence[tuple[str, str]]) -> Iterator[LetterRecord]:
        from distributed import as_completed

        source = (list(tasks[i : i + CHUNK]) for i in range(0, len(tasks), CHUNK))
        chunk_of = {}
        initial = []
        for _ in range(3 * self.workers):
            chunk = next(source, None)
            if chunk is None:
                break
            future = self.client.submit(audit_chunk, self.pack_future, self.as_of, chunk, pure=False)
            chunk_of[future.key] = chunk
            initial.append(future)
        if not initial:
            return
        running = as_completed(initial, loop=self.client.loop)
        for future in running:
            chunk = chunk_of.pop(future.key)
            try:
                yield from future.result()
            except Exception as exc:  # the task failed on the cluster (a worker died, twice or more)
                for path, sha in chunk:
                    yield failed(
                        path,
                        sha,
                        f"{path}: failed on the cluster: {type(exc).__name__}: {exc}",
                        "worker_died",
                        worker="cluster",
                    )
            following = next(source, None)
            if following is not None:
                successor = self.client.submit(
                    audit_chunk, self.pack_future, self.as_of, following, pure=False
                )
                chunk_of[successor.key] = following
                running.add(successor)

    def close(self) -> None:
        self.client.close()
