"""Write a file so that it appears complete or not at all: a temporary file beside the target, then a rename.

An interrupted write (Ctrl-C, a crash, a full disk) leaves the target as it was and removes the temporary file.
Only a regular file is ever replaced: a directory, a device, a pipe, a socket or a symbolic link at the target is
refused (renaming over ``/dev/null`` would turn the device node into a results file). A failed write (a full
disk, a file-size limit) is a :class:`~simnet.base.errors.UsageError` naming the file, never a traceback.

:func:`claimed` reserves a target for one process from before its content exists (a run checks its output path,
simulates for hours, then writes): a second writer to the same path is refused at once instead of after it too
has simulated.
"""
from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

try:
    import fcntl
except ImportError:  # not POSIX: claims cannot be made, and nothing is refused for want of one
    fcntl = None

from simnet.base.errors import UsageError, shown_path

__all__ = ["PathLike", "check_replaceable", "check_directory", "replacing", "write_text", "created_directories",
           "claimed"]

PathLike = Union[str, Path]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_replaceable(target: PathLike, parameter: str = "") -> Path:
    """Refuse a ``target`` that exists and is not a regular file, or whose name ends with a slash.

    A path such as ``runs/`` names a directory to the user even when it does not exist yet, while ``Path``
    would silently drop the slash and write a file called ``runs``.
    """
    text = os.fspath(target)
    if text.endswith(("/", os.sep)) or text in ("", ".", ".."):
        raise UsageError(f"{text or '(empty)'} names a directory; give a file name such as {text.rstrip('/') or '.'}"
                         f"/run.h5", parameter=parameter)
    path = Path(text)
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # (a parent that is a file is the directory check's)
        return path
    except OSError as err:
        raise UsageError(f"cannot use {shown_path(path)}: {err.strerror or err}", parameter=parameter) from None
    what = _kind(mode)
    if what == "a directory":
        raise UsageError(f"{path} is a directory; give a file name such as {path}/run.h5", parameter=parameter)
    if what:
        raise UsageError(f"{path} is {what}, not a regular file; simnet replaces only regular files: choose "
                         f"another path", parameter=parameter)
    return path


def _kind(mode: int) -> str:
    """What a non-regular file is ("" for a regular file)."""
    for test, what in ((stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "" if stat.S_ISREG(mode) else "not a regular file"


def check_directory(directory: PathLike, parameter: str = "", what: str = "directory", create: bool = True) -> Path:
    """Make sure files can be created in ``directory`` (``what`` it is, for messages).

    A missing directory is created with its parents when ``create``; otherwise only its nearest existing
    ancestor is checked (a plan that builds nothing leaves nothing behind).
    """
    directory = Path(directory) if str(directory) else Path(".")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{what} {directory} is not a directory", parameter=parameter)
    if not directory.exists():
        if not create:
            ancestor = next(p for p in directory.absolute().parents if p.exists())
            if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
                raise UsageError(f"cannot create {what} {directory}: {ancestor} is not a writable directory",
                                 parameter=parameter)
            return directory
        try:
            directory.mkdir(parents=True)
        except OSError as err:
            raise UsageError(f"cannot create {what} {directory}: {err.strerror or err}",
                             parameter=parameter) from None
    try:
        probe = tempfile.NamedTemporaryFile(dir=directory, prefix=".simnet-probe-", delete=True)
        probe.close()
    except OSError as err:
        raise UsageError(f"cannot write to {what} {directory}: {err.strerror or err}", parameter=parameter) from None
    return directory


@contextmanager
def replacing(target: PathLike) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s directory; on success rename it to ``target``.

    The file gets the permissions an ordinary new file would (``mkstemp`` makes it private). An ``OSError``
    while writing it (no space left, a file-size limit, an I/O error) becomes a :class:`UsageError`.
    """
    target = check_replaceable(target)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise UsageError(f"cannot write {target}: {err.strerror or err}") from None
    os.close(fd)
    try:
        os.chmod(tmp_name, 0o666 & ~_umask())
        yield Path(tmp_name)
        # A non-regular file may have appeared at the target since the caller's checks.
        check_replaceable(target)
        os.replace(tmp_name, target)
    except OSError as err:
        raise UsageError(f"cannot write {target}: {err.strerror or err}; nothing was written there") from None
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def write_text(target: PathLike, text: str) -> Path:
    """Write ``text`` to ``target`` atomically."""
    with replacing(target) as tmp:
        tmp.write_text(text)
    return Path(target)


@contextmanager
def created_directories(directory: PathLike) -> Iterator[Path]:
    """Run the block; if it fails, remove again the directories up to ``directory`` that did not exist before
    it and are empty (so that refused or failed work leaves no empty output folders behind)."""
    directory = Path(directory).absolute()
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    try:
        yield directory
    except BaseException:
        for created in missing:  # innermost first
            try:
                created.rmdir()
            except OSError:
                break
        raise


@contextmanager
def claimed(target: PathLike, parameter: str = "") -> Iterator[Path]:
    """Hold ``target`` for this process until the block ends; another process claiming it meanwhile is refused.

    The claim is an exclusive ``flock`` on ``.<name>.lock`` beside the target, removed at the end (a process
    killed outright leaves the empty lock file, which the next claim takes over: the kernel released its lock).
    """
    target = Path(target)
    if fcntl is None:
        yield target
        return
    lock_path = target.parent / f".{target.name}.lock"
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise UsageError(f"cannot write to {target.parent}: {err.strerror or err}", parameter=parameter) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise UsageError(f"{target} is being written by another simnet process; wait for it to finish or "
                             "choose another path", parameter=parameter) from None
        # The holder before us may have removed the lock file after we opened it: then our lock is on a file
        # no one else will find, so take the one now at the path.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock_path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield target
    finally:
        Path(lock_path).unlink(missing_ok=True)
        os.close(fd)
