"""Scenes split into segments by animation ranges, and jobs sent to a Dask cluster.

A long scene bounds the lecture's wall time however many cores there are. manim can
render a range of a scene's animations (``config.from_animation_number`` and
``upto_animation_number``, the CLI's ``-n a,b``): the animations before the range run
without drawing a frame (as a cached animation does), the scene stops after its last.
Here a scene is split at its sections (the beats, each one slide step), so that every
step lies whole in one segment:

1. :func:`plan_scene` runs the scene without drawing anything (``skip_animations``) and
   notes each section's animations and seconds; it also typesets the scene's formulas.
2. :func:`split` groups the sections into contiguous segments of about equal seconds.
3. Each segment is rendered (:func:`lessonkit.pipeline.render_scene` with
   ``SceneJob.segment``); manim writes the sections it draws (:func:`lessonkit.jobs.keep_drawn_sections`).
4. :func:`join` puts the segments' sections end to end (stream copy again) into the
   scene's movie. The frames are manim's own: a skipped animation leaves the scene in the
   state a drawn one does, which the pipeline's cache already relies on (a re-render with
   every animation cached writes nothing new).

The last segment runs the scene to its end, so it has seen every beat: its captions,
speech, numbers and formulas are the whole scene's (``LessonScene`` counts frames of
skipped animations the same as drawn ones).

:func:`run` drives plans, segments and whole scenes on a :class:`Pool`: the local process
pool, or a Dask distributed cluster (:func:`connect`). A Dask worker renders into its own
cache (``$LESSONKIT_WORKER_CACHE``, default ``~/.cache/lessonkit-worker``) and sends back
the files' bytes with the result (:class:`Shipment`); workers need no shared disk, but
must run the same project code, which each job checks.
"""

from __future__ import annotations

import concurrent.futures as futures
import importlib
import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from lessonkit.jobs import SceneJob, SceneRender, Segment

#: Where a Dask worker keeps its own manim cache, voice cache and per-job folders.
WORKER_CACHE_ENV = "LESSONKIT_WORKER_CACHE"
#: Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT = 10


class ClusterError(RuntimeError):
    """The Dask scheduler cannot be reached, or a worker cannot run this project's jobs."""


@dataclass(frozen=True)
class SectionPlan:
    """A section (beat) of a scene as its plan saw it: name, animations, seconds of video."""

    name: str
    animations: int
    seconds: float


@dataclass(frozen=True)
class ScenePlan:
    """A scene's sections in order, and the seconds the plan took."""

    index: int
    sections: list[SectionPlan]
    seconds: float

    @property
    def animations(self) -> int:
        return sum(section.animations for section in self.sections)


# --- in a worker -------------------------------------------------------------------------


def plan_scene(job: "SceneJob") -> ScenePlan:
    """Run ``job``'s scene without drawing a frame and note its sections' animations and
    seconds (and typeset its formulas into the scene's LaTeX folder, which segments start from)."""
    from manim import tempconfig

    from lessonkit.config import use_lesson
    from lessonkit.jobs import draw_no_frames, manim_settings, scene_cache_lock
    from lessonkit.scene import LessonScene

    started = time.perf_counter()
    use_lesson(job.lesson)
    scene_class = getattr(importlib.import_module(job.module), job.name)
    # A video output (so every play is noted), but no frame drawn and no section written.
    settings = {**manim_settings(job), "save_sections": False}
    narration_to_movie, LessonScene.narration_to_movie = LessonScene.narration_to_movie, False
    try:
        with scene_cache_lock(job.cache_dir, job.name), tempconfig(settings):
            scene = scene_class(skip_animations=True)
            draw_no_frames(scene)
            writer = scene._get_manager().file_writer
            durations: list[tuple[int, float]] = []
            note_partial = writer.add_partial_movie_file

            def note(hash_animation: str | None) -> None:
                # Called once per play, when its run time is known: (section, seconds).
                durations.append((id(writer.sections[-1]), scene.duration))
                note_partial(hash_animation)

            writer.add_partial_movie_file = note
            scene.render()
    finally:
        LessonScene.narration_to_movie = narration_to_movie
    sections = [SectionPlan(section.name, len(section.partial_movie_files),
                            sum(seconds for owner, seconds in durations if owner == id(section)))
                for section in writer.sections]
    return ScenePlan(job.index, sections, time.perf_counter() - started)


# --- in the parent ------------------------------------------------------------------------


def split(plan: ScenePlan, parts: int) -> list[Segment]:
    """Group ``plan``'s sections into at most ``parts`` contiguous segments of about equal
    seconds (each section whole in one segment; a segment's last animation is inclusive)."""
    sections = plan.sections
    parts = max(1, min(parts, len(sections)))
    total = sum(section.seconds for section in sections) or 1.0
    groups: list[list[int]] = [[]]
    done = 0.0
    for number, section in enumerate(sections):
        # Start a new group when this one has its share, keeping one section for each group left.
        left = len(sections) - number
        if groups[-1] and len(groups) < parts and (done >= total * len(groups) / parts or left <= parts - len(groups)):
            groups.append([])
        groups[-1].append(number)
        done += section.seconds
    segments = []
    first_animation = 0
    for part, group in enumerate(groups):
        count = sum(sections[number].animations for number in group)
        last = -1 if part == len(groups) - 1 else first_animation + count - 1
        segments.append(Segment(part, len(groups), group[0], group[-1], first_animation, last))
        first_animation += count
    return segments


def join(job: "SceneJob", parts: Sequence["SceneRender"], folder: Path) -> "SceneRender":
    """A scene's render from its segments' renders (in order): the sections end to end, joined
    by stream copy into the scene's movie in ``folder``; what it said and showed from the last
    segment, which ran the whole scene."""
    from lessonkit.jobs import clip_name
    from lessonkit.video import join_clips

    sections = [section for part in parts for section in part.sections]
    movie = folder / clip_name(job.number, job.name) / f"{job.name}{parts[-1].movie.suffix}"
    join_clips([path for _, path in sections], movie, job.quality.fps)
    return replace(parts[-1], index=job.index, movie=movie, sections=sections,
                   seconds=sum(part.seconds for part in parts),
                   synthesized=max(part.synthesized for part in parts))


# --- pools: local processes or a Dask cluster ----------------------------------------------


class Pool:
    """Where jobs run: ``submit(function, job)`` a future, ``wait(pending)`` the finished ones,
    ``result(future)`` its value (files already in the parent's cache)."""

    def submit(self, function: Callable, job: "SceneJob") -> Any:
        raise NotImplementedError

    def wait(self, pending: Sequence[Any]) -> set[Any]:
        raise NotImplementedError

    def result(self, future: Any, job: "SceneJob") -> Any:
        return future.result()

    def cancel(self, pending: Sequence[Any]) -> None:
        for future in pending:
            future.cancel()


class LocalPool(Pool):
    """The local process pool (``concurrent.futures``); results name files in the shared cache."""

    def __init__(self, executor: futures.Executor) -> None:
        self.executor = executor

    def submit(self, function: Callable, job: "SceneJob") -> futures.Future:
        return self.executor.submit(function, job)

    def wait(self, pending: Sequence[futures.Future]) -> set[futures.Future]:
        return futures.wait(pending, return_when=futures.FIRST_COMPLETED).done


def connect(address: Any):
    """A Dask client connected to the scheduler at ``address`` (``tcp://host:8786``), or
    ``address`` itself if it is a client already. Raises ClusterError in one line."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--scheduler needs Dask: pip install 'dask[distributed]'") from None
    if isinstance(address, Client):
        return address
    from distributed.comm import parse_address, parse_host_port

    try:
        scheme, location = parse_address(str(address))
        if scheme in ("tcp", "tls"):
            # A plain connection first: a wrong address fails at once, and no half-made
            # client is left to hang the process at exit.
            socket.create_connection(parse_host_port(location), timeout=CONNECT_TIMEOUT).close()
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ClusterError(f"cannot reach the Dask scheduler at {address!r}: {reason} "
                           "(start one with `dask scheduler` and give its tcp://host:port)") from None


@dataclass
class Shipment:
    """A worker's result with the files it names, as bytes: ``run/...`` files go into the
    parent's run folder, ``cache/...`` files (spoken lines) into the parent's cache."""

    result: Any
    files: dict[str, bytes]
    worker: str = ""


def worker_cache() -> Path:
    """The cache a Dask worker renders into (its own disk)."""
    return Path(os.environ.get(WORKER_CACHE_ENV) or Path.home() / ".cache" / "lessonkit-worker").resolve()


def on_worker(function: Callable, job: "SceneJob", fingerprint: str) -> Shipment:
    """Run ``function(job)`` on a Dask worker, in the worker's own cache, and ship the result
    with its files' bytes. Refuses to run if the worker's project code differs from the parent's."""
    from lessonkit import scenecache
    from lessonkit.jobs import RenderError

    own = scenecache.code_fingerprint(job.module)
    if own != fingerprint:
        raise RenderError(f"worker {socket.gethostname()} runs other project code than the client "
                          "(install the same version on every worker)")
    cache = worker_cache()
    (cache / "runs").mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=cache / "runs"))
    try:
        local = replace(job, cache_dir=cache, run_dir=run_dir)
        return _pack(function(local), cache, run_dir)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _render_whole(job: "SceneJob") -> "SceneRender":
    """Render a scene or a segment (``job.segment``) in a worker."""
    from lessonkit.jobs import _render_in_worker

    return _render_in_worker(job)


def _plan(job: "SceneJob") -> ScenePlan:
    """Plan a scene in a worker; a failure comes back as a RenderError that pickles."""
    import traceback

    from lessonkit.jobs import RenderError

    try:
        return plan_scene(job)
    except Exception as error:
        raise RenderError(f"{type(error).__name__}: {error}\n{traceback.format_exc()}") from None


def _pack(result: Any, cache: Path, run_dir: Path) -> Shipment:
    files: dict[str, bytes] = {}

    def ship(path: Path) -> Path:
        path = Path(path)
        key = (Path("run") / path.relative_to(run_dir) if path.is_relative_to(run_dir)
               else Path("cache") / path.relative_to(cache))
        files[key.as_posix()] = path.read_bytes()
        return key

    from lessonkit.jobs import SceneRender

    if isinstance(result, SceneRender):
        result = replace(result, movie=ship(result.movie),
                         sections=[(name, ship(path)) for name, path in result.sections],
                         sounds=[(start, ship(path)) for start, path in result.sounds])
    return Shipment(result, files, socket.gethostname())


def unpack(shipment: Shipment, cache_dir: Path, run_dir: Path) -> Any:
    """Write a shipment's files into this run's folder and this cache; its result, with paths here."""
    from lessonkit.jobs import SceneRender
    from lessonkit.video import atomic_path

    roots = {"run": run_dir, "cache": cache_dir}

    def place(key: Path) -> Path:
        root, _, rest = Path(key).as_posix().partition("/")
        target = roots[root] / rest
        # Spoken lines are named by their content: one already here is the same file.
        if not (root == "cache" and target.is_file()):
            with atomic_path(target) as temporary:
                temporary.write_bytes(shipment.files[Path(key).as_posix()])
        return target

    result = shipment.result
    if isinstance(result, SceneRender):
        result = replace(result, movie=place(result.movie),
                         sections=[(name, place(path)) for name, path in result.sections],
                         sounds=[(start, place(path)) for start, path in result.sounds])
    return result


class DaskPool(Pool):
    """Jobs on a Dask distributed cluster; results travel back as bytes (see :class:`Shipment`)."""

    def __init__(self, client, cache_dir: Path, run_dir: Path) -> None:
        from distributed import as_completed

        self.client, self.cache_dir, self.run_dir = client, cache_dir, run_dir
        # Futures are added as they are submitted (a plan's segments after the plan).
        self.finished = as_completed(loop=client.loop, raise_errors=False)

    def cancel(self, pending: Sequence[Any]) -> None:
        self.client.cancel(list(pending))

    def submit(self, function: Callable, job: "SceneJob") -> Any:
        from lessonkit import scenecache

        # The job runs in the worker's cache; its result comes back as bytes.
        key = f"{function.__name__.strip('_')}-{job.name}-{_segment_key(job)}-{time.time_ns()}"
        future = self.client.submit(on_worker, function, replace(job, run_dir=None),
                                    scenecache.code_fingerprint(job.module), pure=False, key=key)
        self.finished.add(future)
        return future

    def wait(self, pending: Sequence[Any]) -> set[Any]:
        return {next(self.finished)}

    def result(self, future: Any, job: "SceneJob") -> Any:
        return unpack(future.result(), self.cache_dir, self.run_dir)


def _segment_key(job: "SceneJob") -> str:
    return "whole" if job.segment is None else job.segment.folder


# --- the driver -----------------------------------------------------------------------------


def run(render_jobs: list["SceneJob"], pool: Pool, parts: int,
        progress: Callable[[str], None]) -> dict[int, "SceneRender"]:
    """Render ``render_jobs`` on ``pool``: with ``parts`` > 1 each scene is planned, split into
    up to ``parts`` segments rendered as separate jobs, and joined; else each is one job.
    Returns the renders by job index. Raises RenderError naming the first scene that failed.

    Each plan and segment is reported through ``progress`` with the seconds its job took
    (``plan TangentTrace: 6 sections, 23 animations, 4.1 s``; ``segment TangentTrace 2/3: 12.0 s``),
    which ``scripts/benchmark.py`` reads for its critical-path estimate."""
    from lessonkit.jobs import RenderError

    total = len(render_jobs)
    pending: dict[Any, tuple[str, SceneJob]] = {}
    segments_done: dict[int, list] = {}
    renders: dict[int, SceneRender] = {}
    planning: dict[int, float] = {}
    for job in render_jobs:
        if parts > 1:
            pending[pool.submit(_plan, job)] = ("plan", job)
        else:
            pending[pool.submit(_render_whole, job)] = ("scene", job)
    progress(f"[0/{total}] rendering {total} scenes" + (f" in up to {parts} segments each" if parts > 1 else ""))
    try:
        while pending:
            for future in pool.wait(list(pending)):
                kind, job = pending.pop(future)
                try:
                    result = pool.result(future, job)
                except RenderError as error:
                    summary, _, trace = str(error).partition("\n")
                    raise RenderError(f"scene {job.name} failed: {summary}") from RenderError(trace)
                except futures.process.BrokenProcessPool:
                    raise RenderError(f"scene {job.name} failed: its worker process died") from None
                except Exception as error:  # from a Dask worker: its own exception, or the connection's
                    raise RenderError(f"scene {job.name} failed: {type(error).__name__}: {error}") from error
                if kind == "plan":
                    planning[job.index] = result.seconds
                    progress(f"plan {job.name}: {len(result.sections)} sections, {result.animations} animations, "
                             f"{result.seconds:.1f} s")
                    segments = split(result, parts)
                    segments_done[job.index] = [None] * len(segments)
                    for segment in segments:
                        segment_job = replace(job, segment=segment)
                        pending[pool.submit(_render_whole, segment_job)] = ("segment", segment_job)
                    continue
                if kind == "segment":
                    done = segments_done[job.index]
                    done[job.segment.part] = result
                    progress(f"segment {job.name} {job.segment.part + 1}/{job.segment.parts}: {result.seconds:.1f} s")
                    if any(part is None for part in done):
                        continue
                    result = join(job, done, job.run_dir)
                renders[job.index] = result
                # Seconds of work, as for a whole scene: its plan and segments added up.
                progress(f"[{len(renders)}/{total}] {job.name} done in "
                         f"{result.seconds + planning.get(job.index, 0.0):.1f} s")
    except BaseException:
        pool.cancel(list(pending))
        raise
    return renders
