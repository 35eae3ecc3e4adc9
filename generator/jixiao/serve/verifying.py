"""Verifying uploads in worker processes, as many as the machine has cores.

Verification is pure Python: in the server's threads it would run one at a time under
the interpreter lock, however many cores there are. A burst of uploads (200 departments
near the deadline) is therefore verified by a pool of worker processes shared by the
whole server process, while the server's own threads parse requests and write the
archive. The workers are spawned, not forked: forking a threaded server can copy a lock
some other thread holds. Each worker keeps its own caches of templates and layouts
(:mod:`jixiao.read.record`), keyed by the template file and its modification time, so a
template changed on disk is read again there too.

On one core the upload is verified in the calling thread (a pool would only add copying).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..paths import TemplateSearchPath
from ..pool import tune_worker_gc
from ..signing import Keyring
from ..verify.verification import Verification, verify_file
from .errors import PortalError

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def verify_bytes(name: str, data: bytes, search: TemplateSearchPath, keys: Keyring | None) -> Verification:
    """:func:`jixiao.verify.verification.verify_file` on an upload's bytes (a worker's job)."""
    with tempfile.TemporaryDirectory(prefix="jixiao-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return verify_file(path, search=search, keys=keys)


def _worker_start(parent: int) -> None:
    """A worker's initialiser: the batch collector settings, and an end when the server is
    gone (killed, or stopped without shutting the pool down): nothing else would end it."""
    tune_worker_gc()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(2)
        os._exit(0)

    threading.Thread(target=watch, name="jixiao-parent-watch", daemon=True).start()


def _ready() -> bool:
    """A warm-up job: the worker has started and imported the verifier."""
    return True


def _shared_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=cores(), mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_worker_start, initargs=(os.getpid(),))
        return _pool


def start() -> None:
    """Start every worker now (``jixiao serve`` does, before it listens), so that the first
    uploads do not wait for workers to start and import the verifier."""
    if cores() > 1:
        pool = _shared_pool()
        for job in [pool.submit(_ready) for _ in range(cores())]:
            job.result()


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the worker processes (the server is stopping); a later upload starts new ones."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def verify_upload(name: str, data: bytes, search: TemplateSearchPath, keys: Keyring | None) -> Verification:
    """Verify an upload on the shared worker pool (in this thread on a one-core machine).

    A worker that died (the pool is then broken) costs this upload a 503 - nothing was
    stored, the department sends it again - and the next upload gets a fresh pool.
    """
    if cores() < 2:
        return verify_bytes(name, data, search, keys)
    pool = _shared_pool()
    try:
        return pool.submit(verify_bytes, name, data, search, keys).result()
    except BrokenProcessPool:
        _discard(pool)
        raise PortalError(503, "服务器繁忙，这份表格没有收下，请稍后重新上传", "U503") from None
