"""Scenes whose inputs did not change are not rendered again, not even constructed.

manim's own cache skips re-rendering an unchanged animation, but it still builds the
whole scene to hash every animation: about 30 s for the lecture at any quality. Here a
scene's finished render (its movie, sections and what it said and showed) is stored
under a key made of everything it depends on:

* the code it runs: the scene's own module, the scene modules it imports, its package's
  ``__init__`` and the data modules that reads (``scenes/numbers.py``), and every source
  file of ``lessonkit`` and ``mathcore``; manim's version;
* how it is rendered: quality, clip container, transparency;
* the values of the lesson keys it read, recorded while it rendered
  (:attr:`lessonkit.config.Lesson.reads`).

Editing ``practice.z`` re-renders PracticeProblem1 and nothing else; editing a scene's
file re-renders that scene; editing ``lessonkit`` re-renders everything. Entries are
written once and never changed, so runs sharing a cache can read them at any time.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import pickle
import shutil
import tempfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from lessonkit.config import read_again

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Packages every scene runs, whatever it imports.
SHARED_SOURCES = ("lessonkit", "mathcore")
#: Bump to drop every stored entry (a change in what an entry holds).
FORMAT = 1


def _module_file(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin) if spec is not None and spec.origin else None


def _imported_scene_modules(path: Path, package: str) -> list[Path]:
    """Files of the modules of ``package`` that ``path`` imports (one level)."""
    files = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module else
                 [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
        for name in names:
            if name.split(".")[0] == package and name != package:
                found = _module_file(name)
                if found is not None and found != path:
                    files.append(found)
    return files


@lru_cache(maxsize=None)
def code_fingerprint(module: str) -> str:
    """A hash of the source a scene in ``module`` runs (see the module docs)."""
    import manim

    digest = hashlib.sha256(f"{FORMAT} manim {manim.__version__}".encode())
    own = _module_file(module)
    files = sorted(p for package in SHARED_SOURCES for p in (PROJECT_ROOT / package).rglob("*")
                   if p.is_file() and p.suffix in (".py", ".tex", ".html", ".toml"))
    if own is not None:
        package = module.split(".")[0]
        files += [own, *sorted(set(_imported_scene_modules(own, package)))]
        init = _module_file(package) if package != module else None
        if init is not None and init.name == "__init__.py":
            # The package's own file, and the data modules it reads (no scene classes in them).
            files += [init, *sorted(path for path in set(_imported_scene_modules(init, package))
                                    if not any(isinstance(node, ast.ClassDef)
                                               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))))]
    for path in files:
        digest.update(str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


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
