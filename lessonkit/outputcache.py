"""Files a render wrote, kept under a key of what they were made from and put back into a
later render's folder instead of being written again.

A render writes a set of files (a clip, its poster, its steps) into the folder it is
building; :meth:`OutputCache.keep` hard-links them into an entry named by a key the
caller computes from everything the files depend on. A later render with the same key
calls :meth:`OutputCache.fetch`, which links the same files into its own folder: no
decoding, no encoding, no copying of bytes (it copies only where a hard link cannot be
made, across file systems). Nothing here knows what the files hold.

Entries are built aside and renamed into place, and never changed afterwards, so runs
sharing a cache can read them at any time. A file changed in place after it was kept
(an editor that writes into the output's copy, which is the same file) no longer matches
the size and modification time the entry recorded, and the entry is not used.

Using an entry (fetching it, or keeping one already there) sets its folder's time, never
its files' (they are the output's files too, and checked by their time), so that
:mod:`lessonkit.cachelimit` removes the least recently used first.

>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> (root / "built").mkdir(); _ = (root / "built" / "a.txt").write_text("hello")
>>> cache = OutputCache(root / "cache")
>>> cache.keep("k1", root / "built", ["a.txt"])
>>> cache.fetch("k1", root / "next", ["a.txt"]), (root / "next" / "a.txt").read_text()
(True, 'hello')
>>> cache.fetch("k2", root / "other", ["a.txt"])
False
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from lessonkit.cachelimit import mark_used
from lessonkit.video import current_umask

if TYPE_CHECKING:
    import numpy as np

#: Bump to drop every stored entry (a change in what an entry holds).
FORMAT = 1
_INDEX = "files.json"


def link_or_copy(source: Path, target: Path) -> None:
    """``source`` at ``target`` as a hard link, or a copy where the file system cannot link
    (another device, or no hard links at all)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES):
            raise
        shutil.copy2(source, target)


class OutputCache:
    """Sets of files by key, in ``folder`` (one sub-folder per key)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def _entry(self, key: str) -> Path:
        # A linked file keeps the mode it was written with (0666 less that run's umask):
        # a run under another umask gets files of its own.
        return self.folder / key[:2] / f"{key}-{current_umask():03o}"

    def fetch(self, key: str, into: Path, names: Sequence[str]) -> bool:
        """Link the files kept under ``key`` into ``into`` under their relative ``names``;
        False (and nothing linked) if there is no such entry, it holds other names, or a
        file of it changed since it was kept."""
        entry = self._entry(key)
        try:
            index = json.loads((entry / _INDEX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if index.get("format") != FORMAT or sorted(index.get("files", {})) != sorted(names):
            return False
        for name, (size, mtime_ns) in index["files"].items():
            try:
                stat = (entry / name).stat()
            except OSError:
                return False
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
                return False
        for name in names:
            link_or_copy(entry / name, into / name)
        mark_used(entry)
        return True

    def keep(self, key: str, built: Path, names: Sequence[str]) -> None:
        """Keep the files ``names`` (relative to ``built``) under ``key``, linked, not
        copied where possible. An entry already there stays as it is; a full disk or a
        race with another run only means nothing is kept."""
        entry = self._entry(key)
        if (entry / _INDEX).is_file():
            mark_used(entry)
            return
        entry.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=entry.parent))
        try:
            files = {}
            for name in names:
                link_or_copy(built / name, building / name)
                stat = (building / name).stat()
                files[name] = [stat.st_size, stat.st_mtime_ns]
            (building / _INDEX).write_text(json.dumps({"format": FORMAT, "files": files}), encoding="utf-8")
            building.rename(entry)
        except OSError:
            # Another run kept the same entry first (the rename fails), or the disk is full.
            shutil.rmtree(building, ignore_errors=True)


class ArrayCache:
    """numpy arrays by key, in ``folder``: what :meth:`get` made once is read back after.

    For results that take seconds to compute from inputs that rarely change (a scene's
    mixed sound track); the key must name everything the array depends on.
    """

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def get(self, key: str, make: Callable[[], "np.ndarray"]) -> "np.ndarray":
        """The array stored under ``key``, or ``make()``'s, stored for next time."""
        array = self.load(key)
        if array is None:
            array = self.put(key, make())
        return array

    def load(self, key: str) -> "np.ndarray | None":
        """The array stored under ``key``, or None."""
        import numpy as np

        path = self._path(key)
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        mark_used(path)  # the file is the entry; nothing checks its time
        return array

    def put(self, key: str, array: "np.ndarray") -> "np.ndarray":
        """Store ``array`` under ``key`` (replacing what was there, whole); returns it."""
        import numpy as np

        array = np.asarray(array)
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{key[:16]}-", suffix=".npy", dir=path.parent)
            with os.fdopen(handle, "wb") as file:
                np.save(file, array, allow_pickle=False)
            os.replace(temporary, path)
        except OSError:
            pass  # a full disk: the array stands anyway, it is only not kept
        return array

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npy"
