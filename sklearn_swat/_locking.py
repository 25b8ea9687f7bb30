"""One writer per folder: an ``flock`` held for a run's length, shared by the long-running commands."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive_folder(folder: Path, lock_name: str, busy: Callable[[str], Exception]) -> Iterator[None]:
    """Hold an exclusive lock on ``folder``, or raise ``busy(pid)`` if another process holds it.

    The lock is an ``flock`` on ``folder / lock_name``, which holds the
    owner's pid (``busy`` gets it as text, empty if unknown): the system
    releases it when the process ends, even killed, so a crash never blocks
    the next run. Where ``flock`` is missing (Windows) or refused (some
    network file systems), or the folder is read-only (then nothing can be
    written to it anyway), the run goes on without the lock. The file is
    removed as the lock is given back.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    path = folder / lock_name
    fd = None
    while fd is None:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            raise busy(pid) from None
        except OSError as exc:
            os.close(fd)
            fd = None
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL):
                raise
            break
        # The process that held the lock before removes the file as it ends: if it did so
        # between our open and our lock, ours is a lock on a removed file; take the new one.
        try:
            current = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            current = False
        if not current:
            os.close(fd)
            fd = None
    if fd is None:
        yield
        return
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        # Remove the file while still holding the lock, so no process can lock it in between.
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)
