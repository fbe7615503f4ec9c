"""Scenes whose inputs did not change are not rendered again, not even constructed.

manim's own cache skips re-rendering an unchanged animation, but it still builds the
whole scene to hash every animation: about 30 s for the lecture at any quality. Here a
scene's finished render (its movie, sections and what it said and showed) is stored
under a key made of everything it depends on:

* the code it runs: the scene's own module, the scene modules it imports, its package's
  ``__init__`` and the data modules that reads (``scenes/numbers.py``), and the modules of
  ``lessonkit`` and ``mathcore`` that it and the code running it (the worker, the formula
  batch, segments) import, followed from import to import; manim's version;
* how it is rendered: quality, clip container, transparency;
* the values of the lesson keys it read, recorded while it rendered
  (:attr:`lessonkit.config.Lesson.reads`).

Editing ``practice.z`` re-renders PracticeProblem1 and nothing else; editing a scene's
file re-renders that scene; editing ``lessonkit/scene.py`` re-renders everything, and
editing ``lessonkit/deck.py`` or ``watch.py``, which no scene runs, re-renders nothing. Entries are
written once and never changed, so runs sharing a cache can read them at any time. Using
an entry sets its folder's time, and its speech files', for :mod:`lessonkit.cachelimit`.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import pickle
import re
import shutil
import tempfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from lessonkit.cachelimit import mark_used
from lessonkit.config import read_again

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Project packages whose modules a scene's render may run (the scene's own package is added).
PROJECT_PACKAGES = ("lessonkit", "mathcore")
#: What runs every scene, whatever the scene imports: the worker, the formula batch, segments.
RUNNERS = ("lessonkit.jobs", "lessonkit.texbatch", "lessonkit.segments")
#: Bump to drop every stored entry (a change in what an entry holds).
FORMAT = 2


def _module_file(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin) if spec is not None and spec.origin else None


def _project_file(module: str) -> Path | None:
    """The file of a module of :data:`PROJECT_PACKAGES`, found without importing anything
    (None for a name that is no module, such as ``mathcore.sigmoid``)."""
    base = PROJECT_ROOT.joinpath(*module.split("."))
    return next((file for file in (base.with_suffix(".py"), base / "__init__.py") if file.is_file()), None)


def _imported_modules(path: Path, packages: tuple[str, ...], members: bool = False) -> list[str]:
    """Names of the modules of ``packages`` that ``path`` imports, anywhere in it (inside
    functions too). With ``members``, ``from lessonkit import deck`` names ``lessonkit``
    and ``lessonkit.deck``, which may be a module."""
    return [name for name in _imports(path, *_stamp(path), members) if name.split(".")[0] in packages]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_bytes())


#: Import statements, found by pattern rather than by parsing (parsing the lecture's files
#: took most of a second of an unchanged render). A pattern may also match in a string or
#: comment: a file hashed that need not be, never one missed.
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)|import[ \t]+([^\n#]+))",
                     re.MULTILINE)


@lru_cache(maxsize=None)
def _imports(path: Path, size: int, mtime: int, members: bool) -> tuple[str, ...]:
    # Keyed by size and time too: a file saved while --watch runs is read again.
    names = []
    for found in _IMPORT.finditer(path.read_text(encoding="utf-8", errors="replace")):
        module, imported, modules = found.groups()
        if module is not None:
            names.append(module)
            if members:
                names += [f"{module}.{name.split()[0]}" for name in imported.strip("()").replace("\\", " ").split(",")
                          if name.split()]
        else:
            names += [name.split()[0] for name in modules.split(",") if name.split()]
    return tuple(names)


def _imported_scene_modules(path: Path, package: str) -> list[Path]:
    """Files of the modules of ``package`` that ``path`` imports (one level)."""
    found = (_module_file(name) for name in _imported_modules(path, (package,)) if name != package)
    return [file for file in found if file is not None and file != path]


def _runs(roots: list[Path]) -> set[Path]:
    """``roots`` and the files of every module of :data:`PROJECT_PACKAGES` they import,
    and those import, and so on."""
    files: set[Path] = set()
    todo = list(roots)
    while todo:
        file = todo.pop()
        if file in files:
            continue
        files.add(file)
        todo += [found for found in map(_project_file, _imported_modules(file, PROJECT_PACKAGES, members=True))
                 if found is not None]
    return files


def _defines_classes(path: Path) -> bool:
    return _has_class(path, *_stamp(path))


@lru_cache(maxsize=None)
def _has_class(path: Path, size: int, mtime: int) -> bool:
    return any(isinstance(node, ast.ClassDef) for node in ast.walk(_tree(path)))


def code_files(module: str) -> set[Path]:
    """The source files a scene in ``module`` runs (see the module docs)."""
    known = _code_files_found.get((module, PROJECT_ROOT))
    if known is not None and all(_stamp(path) == stamp for path, stamp in known.items()):
        return set(known)
    files = _find_code_files(module)
    _code_files_found[(module, PROJECT_ROOT)] = {path: _stamp(path) for path in files}
    return files


#: What :func:`code_files` found, by module, with each file's size and time then: found
#: again only when one of them changed (the lecture's scenes share most of their files).
_code_files_found: dict[tuple[str, Path], dict[Path, tuple[int, int]]] = {}


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return stat.st_size, stat.st_mtime_ns


def _find_code_files(module: str) -> set[Path]:
    package = module.split(".")[0]
    own = _module_file(module)
    scene_files = [] if own is None else [own, *_imported_scene_modules(own, package)]
    init = _module_file(package) if package != module else None
    if own is not None and init is not None and init.name == "__init__.py":
        # The package's own file, and the data modules it reads (no scene classes in them).
        scene_files += [init, *(path for path in _imported_scene_modules(init, package)
                                if not _defines_classes(path))]
    return _runs([*(file for file in map(_project_file, RUNNERS) if file is not None), *scene_files])


def code_fingerprint(module: str) -> str:
    """A hash of the source a scene in ``module`` runs, and of manim's version."""
    import manim

    digest = hashlib.sha256(f"{FORMAT} manim {manim.__version__}".encode())
    for path in sorted(code_files(module)):
        digest.update(str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path).encode())
        digest.update(_file_hash(path, *_stamp(path)))
    return digest.hexdigest()


@lru_cache(maxsize=None)
def _file_hash(path: Path, size: int, mtime: int) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def _folder(cache_dir: Path, job) -> Path:
    """Where a scene's entries for this code and these render settings live."""
    key = hashlib.sha256(json.dumps([code_fingerprint(job.module), job.module, job.name, job.quality.width,
                                     job.quality.height, job.quality.fps, job.render_format, job.transparent])
                         .encode()).hexdigest()[:24]
    return Path(cache_dir) / "scenes" / job.name / key


def _cacheable(lesson: Mapping[str, Any]) -> bool:
    # A teacher's recordings can change on disk under the same lesson values.
    return lesson.get("voice", {}).get("name") != "recorded"


def lookup(job) -> Any | None:
    """The stored render of ``job``'s scene if nothing it depends on changed, else None."""
    if not _cacheable(job.lesson):
        return None
    folder = _folder(job.cache_dir, job)
    if not folder.is_dir():
        return None
    for entry in sorted(folder.glob("*/entry.pickle"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            stored = pickle.loads(entry.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            continue
        if stored.get("format") != FORMAT or not read_again(job.lesson, stored["reads"]):
            continue
        render = stored["render"]
        base = entry.parent
        render = replace(render, index=job.index, movie=base / render.movie,
                         sections=[(name, base / path) for name, path in render.sections], seconds=0.0,
                         synthesized=0)
        files = [render.movie, *(path for _, path in render.sections), *(path for _, path in render.sounds)]
        if all(path.is_file() for path in files):
            mark_used(base)
            for _, sound in render.sounds:
                mark_used(sound)
            return render
    return None


def store(job, render, reads: Mapping[str, Any]) -> None:
    """Keep ``render`` (its movie and sections copied) for later runs; written aside and
    renamed into place, so a reader never sees half an entry."""
    if not _cacheable(job.lesson):
        return
    folder = _folder(job.cache_dir, job)
    name = hashlib.sha256(pickle.dumps(sorted(reads.items(), key=lambda item: item[0]))).hexdigest()[:16]
    final = folder / name
    if final.exists():
        mark_used(final)
        return
    folder.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=folder))
    try:
        shutil.copyfile(render.movie, building / render.movie.name)
        (building / "sections").mkdir()
        sections = []
        for index, (section, path) in enumerate(render.sections):
            target = Path("sections") / f"{index:03d}{path.suffix}"
            shutil.copyfile(path, building / target)
            sections.append((section, target))
        relative = replace(render, movie=Path(render.movie.name), sections=sections)
        entry = {"format": FORMAT, "reads": dict(reads), "render": relative}
        (building / "entry.pickle").write_bytes(pickle.dumps(entry))
        building.rename(final)
    except OSError:
        # Another run stored the same entry first, or the disk is full: the render stands anyway.
        shutil.rmtree(building, ignore_errors=True)
