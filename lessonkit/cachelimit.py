"""A size limit on a render cache: the least recently used entries go first.

A cache folder holds *units*: what one writer creates whole and a reader uses whole (a
kept set of output files, one stored array, one stored scene render, one spoken line).
:data:`UNITS` names them by pattern; nothing else in the folder is ever removed (locks,
the folders of running renders, temporaries being built, which start with a dot), though
its bytes count towards the total. The code that reads and writes a unit calls
:func:`mark_used` on it, which sets its modification time to now: access times are not
to be trusted (``noatime``, ``relatime``), and a unit's *files* are not touched where
their times mean something (kept outputs are checked by their size and time), only the
unit's folder.

Sizes count each file once, by ``(st_dev, st_ino)``, however many hard links it has
in the cache. A file that also has a link outside the cache (kept outputs are
hard-linked into the output folder) is not counted at all, and a unit holding such a
file is not removed: deleting the cache's link frees nothing while the other link holds
the file (an output entry would free only its index). So the total is what deleting the whole cache would free (``du`` counts the
shared files too).

Renders hold :func:`in_use` (a shared lock) while they read and write the cache;
:func:`enforce_limit` takes it exclusively, and removes nothing while another render holds
it. A unit is renamed aside before it is deleted, so an eviction that is killed midway
leaves whole units or none under their own names; what it left aside goes at the next.

>>> import tempfile
>>> cache = Path(tempfile.mkdtemp())
>>> for key, size in (("aa1", 600), ("aa2", 600)):
...     (cache / "sound" / "aa").mkdir(parents=True, exist_ok=True)
...     _ = (cache / "sound" / "aa" / f"{key}.npy").write_bytes(bytes(size))
>>> old = cache / "sound" / "aa" / "aa1.npy"; os.utime(old, (0, 0))
>>> enforce_limit(cache, 1000, used_since=time.time()).line()
'cache: 1.2 KB over the 1.0 KB limit, removed 1 entry (600 bytes) least recently used'
>>> old.exists(), sorted(path.name for path in (cache / "sound" / "aa").iterdir())
(False, ['aa2.npy'])
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

#: The units of a render cache, as patterns relative to it; each match is removed whole.
UNITS = (
    "outputs/*/*",                        # lessonkit.outputcache.OutputCache: one entry's folder
    "sound/*/*.npy",                      # lessonkit.outputcache.ArrayCache: one array
    "scenes/*/*/*",                       # lessonkit.scenecache: one stored render (one set of lesson values)
    "voice/*.wav",                        # lessonkit.voices: one spoken line
    "texstore/*.svg",                     # lessonkit.texbatch: one typeset formula, linked into Tex/
    "Tex/*",                              # manim: one scene's LaTeX folder (lessonkit.jobs)
    "texts/*/*",                          # manim: one scene's Pango texts at one quality
    "videos/*/partial_movie_files/*/*",   # manim: one animation's partial movie
    "videos/*/*.*",                       # manim: a scene's last movie and captions at a quality
    "videos/*/sections/*",                # manim: a section of a scene's last movie
    "segments/*/*/*",                     # lessonkit.jobs: one segment's own folders
)
#: Where units go between being taken out of place and deleted.
ASIDE = ".evicting"
#: Held shared by each render while it uses the cache, exclusively by an eviction.
USE_LOCK = Path("locks") / "cache-in-use"
#: What a size may end with (decimal, as disks and the log lines count).
SIZE_UNITS = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_SIZE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([KMGT]?)(B?)", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes in a size such as ``20G``, ``500M``, ``1.5T``, ``4096B`` or ``0`` (decimal
    units). A number other than 0 needs its unit: ``20`` is far more likely to mean 20 GB
    than 20 bytes, a limit that would empty the cache. ValueError, with a line for people,
    for anything else.

    >>> parse_size("20G"), parse_size("500mb"), parse_size("4096B"), parse_size("0")
    (20000000000, 500000000, 4096, 0)
    """
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a size; give a number of bytes with K, M, G or T, "
                         "e.g. 20G or 500M (0: no limit)")
    number, unit, bytes_sign = found.groups()
    if float(number) != 0 and not unit and not bytes_sign:
        raise ValueError(f"{text!r} is not a size: it has no unit; write {number}G for gigabytes or "
                         f"{number}M for megabytes (0: no limit)")
    return int(float(number) * SIZE_UNITS[unit.upper()])


def format_size(count: float) -> str:
    """``count`` bytes for people: ``600 bytes``, ``1.2 KB``, ``12.3 GB`` (decimal units)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def mark_used(path: Path | str) -> None:
    """Record that the unit at ``path`` (its folder, or a file that is the unit) was just used.
    Cheap (one ``utime``); a unit that is gone or read-only is left as it is."""
    with contextlib.suppress(OSError):
        os.utime(path)


@contextlib.contextmanager
def in_use(cache: Path | str) -> Iterator[None]:
    """Hold ``cache`` against eviction by other runs while the block reads and writes it."""
    with _use_lock(Path(cache), fcntl.LOCK_SH):
        yield


@contextlib.contextmanager
def _use_lock(cache: Path, how: int) -> Iterator[bool]:
    path = cache / USE_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock_file:
        try:
            fcntl.flock(lock_file, how)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Unit:
    """One unit of a cache: its path, when it was last used (ns), and the (device, inode)
    of each file link it holds."""

    path: Path
    used_ns: int
    links: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Usage:
    """What a cache holds: its units, each file's size by (device, inode), how many of its
    links lie in the cache, and the total of the files all of whose links do."""

    units: list[Unit]
    sizes: dict[tuple[int, int], int]
    links_inside: dict[tuple[int, int], int]
    shared: frozenset[tuple[int, int]]

    @property
    def total(self) -> int:
        return sum(size for inode, size in self.sizes.items() if inode not in self.shared)


def measure(cache: Path | str) -> Usage:
    """Every file of ``cache`` and the units they belong to (see the module docs)."""
    cache = Path(cache)
    roots = {path for pattern in UNITS for path in cache.glob(pattern)
             if not any(part.startswith(".") for part in path.relative_to(cache).parts)}
    sizes: dict[tuple[int, int], int] = {}
    links_inside: dict[tuple[int, int], int] = {}
    outside_links: dict[tuple[int, int], int] = {}
    held: dict[Path, list[tuple[int, int]]] = {root: [] for root in roots}
    for folder, _, files in os.walk(cache):
        for name in files:
            path = Path(folder, name)
            try:
                stat = path.lstat()
            except OSError:
                continue  # removed while we looked
            inode = (stat.st_dev, stat.st_ino)
            sizes[inode] = stat.st_size
            links_inside[inode] = links_inside.get(inode, 0) + 1
            outside_links[inode] = stat.st_nlink
            owner = next((parent for parent in (path, *path.parents) if parent in held), None)
            if owner is not None:
                held[owner].append(inode)
    shared = frozenset(inode for inode, links in outside_links.items() if links > links_inside[inode])
    units = []
    for root, links in held.items():
        try:
            used = root.stat().st_mtime_ns
        except OSError:
            continue
        units.append(Unit(root, used, tuple(links)))
    return Usage(units, sizes, links_inside, shared)


@dataclass(frozen=True)
class Eviction:
    """What :func:`enforce_limit` found and did."""

    total: int
    limit: int
    removed: int = 0
    freed: int = 0
    #: Another render held the cache: nothing was removed.
    busy: bool = False

    def line(self) -> str:
        """The one line a render logs, e.g. ``cache: 12.3 GB over the 10.0 GB limit, removed
        41 entries (2.4 GB) least recently used``."""
        over = f"cache: {format_size(self.total)} over the {format_size(self.limit)} limit"
        if self.busy:
            return f"{over}; another render is using it, nothing removed (the next render will)"
        entries = "1 entry" if self.removed == 1 else f"{self.removed} entries"
        line = f"{over}, removed {entries} ({format_size(self.freed)}) least recently used"
        if self.total - self.freed > self.limit:
            line += f"; {format_size(self.total - self.freed)} left, the rest in use by this render"
        return line


def enforce_limit(cache: Path | str, limit: int, used_since: float) -> Eviction | None:
    """Remove the least recently used units of ``cache`` until it holds at most ``limit``
    bytes (0: no limit). Units used at or after ``used_since`` (a ``time.time()``, the
    render's start) stay, over the limit or not. None when the cache is within the limit."""
    cache = Path(cache)
    if limit <= 0 or not cache.is_dir():
        return None
    with _use_lock(cache, fcntl.LOCK_EX | fcntl.LOCK_NB) as alone:
        if alone:
            _sweep_aside(cache)
        usage = measure(cache)
        if usage.total <= limit:
            return None
        if not alone:
            return Eviction(usage.total, limit, busy=True)
        return _evict(cache, usage, limit, int(used_since * 1e9))


def _evict(cache: Path, usage: Usage, limit: int, used_since_ns: int) -> Eviction:
    left = dict(usage.links_inside)
    total, removed, freed = usage.total, 0, 0
    for unit in sorted(usage.units, key=lambda unit: unit.used_ns):
        if total - freed <= limit or unit.used_ns >= used_since_ns:
            break
        if any(inode in usage.shared for inode in unit.links):
            continue  # held from outside the cache: removing it would free (almost) nothing
        if not _remove(cache, unit.path):
            continue
        removed += 1
        for inode in unit.links:
            left[inode] -= 1
            if left[inode] == 0 and inode not in usage.shared:
                freed += usage.sizes[inode]
    return Eviction(total, limit, removed, freed)


def _remove(cache: Path, path: Path) -> bool:
    """Rename ``path`` aside, then delete it: readers see the whole unit or none."""
    aside = cache / ASIDE
    aside.mkdir(exist_ok=True)
    target = Path(tempfile.mkdtemp(dir=aside)) / path.name
    try:
        path.rename(target)
    except OSError:
        return False
    _delete(target.parent)
    return True


def _sweep_aside(cache: Path) -> None:
    """Delete what an eviction killed midway left aside."""
    if (cache / ASIDE).is_dir():
        _delete(cache / ASIDE)


def _delete(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
