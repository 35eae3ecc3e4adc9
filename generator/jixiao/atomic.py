"""Writing outputs so that a crash or an interruption never leaves a half-written file.

>>> with atomic_output(Path("/tmp/out.xlsx")) as tmp:   # doctest: +SKIP
...     write_something(tmp)                              # renamed to out.xlsx on success
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` (same extension); renamed over ``path`` on success,
    removed on any failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".jixiao-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
