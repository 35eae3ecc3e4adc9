"""Writing outputs so that a crash or an interruption never leaves a half-written file,
and never replaces an existing one unless asked to.

>>> with atomic_output(Path("out.txt")) as tmp:   # written beside, renamed on success
...     _ = tmp.write_text("全部写完才出现")
>>> Path("out.txt").read_text()
'全部写完才出现'
>>> refuse_overwrite(Path("out.txt"), force=False)
Traceback (most recent call last):
...
jixiao.atomic.OutputExists: out.txt exists (pass force=True to overwrite)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class OutputExists(FileExistsError):
    """The output file exists and ``force`` was not given (the CLI: exit 2, or 1 in a batch)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists (pass force=True to overwrite)")
        self.path = path


class OutputIsFolder(OutputExists):
    """The output path is a folder where a file name was expected."""


def refuse_overwrite(path: Path, *, force: bool) -> None:
    """Raise :class:`OutputIsFolder` for a folder, :class:`OutputExists` for an existing
    file unless ``force``.

    >>> refuse_overwrite(Path("/"), force=True)
    Traceback (most recent call last):
    ...
    jixiao.atomic.OutputIsFolder: / exists (pass force=True to overwrite)
    """
    if path.is_dir():
        raise OutputIsFolder(path)
    if path.exists() and not force:
        raise OutputExists(path)


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
