"""Write a file so that it appears complete or not at all: a temporary file beside the target, then a rename.

An interrupted write (Ctrl-C, a crash, a full disk) leaves the target as it was and removes the temporary file.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s directory; on success rename it to ``target``.

    The file gets the permissions an ordinary new file would (``mkstemp`` makes it private).
    """
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        os.chmod(tmp_name, 0o666 & ~_umask())
        yield Path(tmp_name)
        os.replace(tmp_name, target)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def write_text(target: Path, text: str) -> Path:
    """Write ``text`` to ``target`` atomically."""
    with replacing(target) as tmp:
        tmp.write_text(text)
    return Path(target)
