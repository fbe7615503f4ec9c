"""The render pipeline: scenes in parallel processes, clips, the joined lecture,
captions offset to the lecture's timeline, and a manifest.

``render.py`` is the command line over :func:`render_lecture`; tests call it directly
with a tiny :class:`Quality`.
"""

from __future__ import annotations

import concurrent.futures as futures
import datetime
import importlib
import json
import multiprocessing
import shutil
import time
import traceback
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Sequence

import srt

from lessonkit.config import PROJECT_ROOT, Lesson
from lessonkit.video import VideoError, atomic_path, join_clips, probe

DEFAULT_CACHE_DIR = PROJECT_ROOT / ".cache" / "manim"


@dataclass(frozen=True)
class Quality:
    """Pixel size and frame rate of a render."""

    name: str
    width: int
    height: int
    fps: int

    @property
    def folder(self) -> str:
        """manim's name for this quality's folder, e.g. ``480p15``."""
        return f"{self.height}p{self.fps}"


QUALITIES: dict[str, Quality] = {
    "low": Quality("low", 854, 480, 15),
    "medium": Quality("medium", 1280, 720, 30),
    "high": Quality("high", 1920, 1080, 60),
    "4k": Quality("4k", 3840, 2160, 60),
}


@dataclass(frozen=True)
class SceneJob:
    """One scene to render in a worker process (everything in it pickles)."""

    index: int
    module: str
    name: str
    lesson: dict[str, Any]
    quality: Quality
    cache_dir: Path


@dataclass(frozen=True)
class SceneRender:
    """Where a worker left a scene's outputs."""

    index: int
    name: str
    movie: Path
    subcaptions: Path | None
    seconds: float


@dataclass
class ClipEntry:
    """One clip of the manifest."""

    scene: str
    title: str
    file: str
    duration: float
    width: int
    height: int
    fps: float
    frames: int
    start: float
    captions: list[dict[str, Any]] = field(default_factory=list)


class RenderError(RuntimeError):
    """A scene failed to render; the message names it."""


# --- in the worker process ------------------------------------------------------------


def scene_cache_paths(job: SceneJob) -> tuple[Path, Path]:
    """The scene's partial-movie folder and its 'render in progress' marker."""
    videos = job.cache_dir / "videos" / job.quality.folder
    return videos / "partial_movie_files" / job.name, videos / "partial_movie_files" / f".{job.name}.rendering"


def render_scene(job: SceneJob) -> SceneRender:
    """Render one scene with manim's caching; runs in a worker process.

    A marker file brackets the render. If a previous render of this scene was killed
    midway (the marker is still there), its cached partial movies may be truncated, so
    they are deleted first; a render that fails deletes them too.
    """
    from manim import tempconfig

    from lessonkit.config import use_lesson

    started = time.perf_counter()
    use_lesson(job.lesson)
    scene_class = getattr(importlib.import_module(job.module), job.name)
    partial_dir, marker = scene_cache_paths(job)
    if marker.exists():
        shutil.rmtree(partial_dir, ignore_errors=True)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    settings = {
        "pixel_width": job.quality.width,
        "pixel_height": job.quality.height,
        "frame_rate": job.quality.fps,
        "media_dir": str(job.cache_dir),
        # Own LaTeX and text folders per scene: parallel workers sharing one delete
        # each other's temporary files. Text's cached SVGs also depend on the pixel
        # width (Pango wraps at it) but their names do not, hence one folder per quality.
        "tex_dir": str(job.cache_dir / "Tex" / job.name),
        "text_dir": str(job.cache_dir / "texts" / job.quality.folder / job.name),
        "save_sections": True,
        "write_to_movie": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
    }
    try:
        with tempconfig(settings):
            scene = scene_class()
            scene.render()
            writer = scene.manager.file_writer
            movie = Path(writer.movie_file_path)
            subcaptions = writer.output_plan.subcaption_file
        probe(movie, decode=True, fps=job.quality.fps)  # a clip that does not decode is a failure
    except BaseException:
        shutil.rmtree(partial_dir, ignore_errors=True)
        raise
    finally:
        marker.unlink(missing_ok=True)
    return SceneRender(
        index=job.index,
        name=job.name,
        movie=movie,
        subcaptions=Path(subcaptions) if subcaptions and Path(subcaptions).exists() else None,
        seconds=time.perf_counter() - started,
    )


def _render_in_worker(job: SceneJob) -> SceneRender:
    try:
        return render_scene(job)
    except Exception as error:
        # Exceptions from manim may not pickle; send back a one-line summary and the trace.
        raise RenderError(f"{type(error).__name__}: {error}\n{traceback.format_exc()}") from None


# --- in the parent process --------------------------------------------------------------


def read_subcaptions(path: Path | None) -> list[srt.Subtitle]:
    if path is None:
        return []
    return list(srt.parse(path.read_text(encoding="utf-8")))


def shifted(subtitles: Sequence[srt.Subtitle], seconds: float) -> list[srt.Subtitle]:
    """``subtitles`` moved ``seconds`` later on the timeline."""
    delta = datetime.timedelta(seconds=seconds)
    return [srt.Subtitle(index=0, start=s.start + delta, end=s.end + delta, content=s.content) for s in subtitles]


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def clip_name(index: int, scene: str) -> str:
    """``NN-SceneName``, numbered from 01 in lecture order."""
    return f"{index + 1:02d}-{scene}"


@dataclass
class RenderResult:
    """What :func:`render_lecture` wrote."""

    out_dir: Path
    clips: list[ClipEntry]
    lecture: Path
    captions: Path
    manifest: Path
    seconds: float


Progress = Callable[[str], None]


def render_lecture(
    scenes: Sequence[type],
    lesson: Lesson,
    out_dir: Path,
    *,
    quality: Quality = QUALITIES["high"],
    jobs: int = 1,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    progress: Progress = lambda message: None,
) -> RenderResult:
    """Render ``scenes`` (in this order) and write clips, lecture, captions and manifest.

    Raises RenderError naming the first scene that failed; nothing is written under a
    final name unless it is complete.
    """
    started = time.perf_counter()
    lesson_data = lesson.to_dict()
    render_jobs = [
        SceneJob(index, scene.__module__, scene.__name__, lesson_data, quality, Path(cache_dir).resolve())
        for index, scene in enumerate(scenes)
    ]
    renders = _run_jobs(render_jobs, max(1, jobs), progress)

    out_dir = Path(out_dir)
    clips_dir = out_dir / "clips"
    entries: list[ClipEntry] = []
    all_captions: list[srt.Subtitle] = []
    clip_paths: list[Path] = []
    start = 0.0
    for job, scene in zip(render_jobs, scenes):
        render = renders[job.index]
        target = clips_dir / f"{clip_name(job.index, job.name)}.mp4"
        with atomic_path(target) as temporary:
            shutil.copyfile(render.movie, temporary)
        info = probe(target, fps=quality.fps)
        captions = read_subcaptions(render.subcaptions)
        entries.append(
            ClipEntry(
                scene=job.name,
                title=scene.title_for(lesson),
                file=target.relative_to(out_dir).as_posix(),
                duration=info.duration,
                width=info.width,
                height=info.height,
                fps=float(info.fps),
                frames=info.frames,
                start=start,
                captions=[
                    {"start": c.start.total_seconds(), "end": c.end.total_seconds(), "text": c.content}
                    for c in captions
                ],
            )
        )
        all_captions.extend(shifted(captions, start))
        clip_paths.append(target)
        start += info.duration

    progress(f"joining {len(clip_paths)} clips into lecture.mp4")
    lecture = out_dir / "lecture.mp4"
    join_clips(clip_paths, lecture, quality.fps)
    captions_path = out_dir / "lecture.srt"
    write_text(captions_path, srt.compose(all_captions, reindex=True))
    manifest_path = out_dir / "manifest.json"
    manifest = {
        "lecture": {"file": "lecture.mp4", "captions": "lecture.srt", "duration": start,
                    "width": quality.width, "height": quality.height, "fps": quality.fps},
        "clips": [asdict(entry) for entry in entries],
    }
    write_text(manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return RenderResult(out_dir, entries, lecture, captions_path, manifest_path, time.perf_counter() - started)


def _run_jobs(render_jobs: list[SceneJob], jobs: int, progress: Progress) -> dict[int, SceneRender]:
    total = len(render_jobs)
    renders: dict[int, SceneRender] = {}
    if jobs == 1:
        for job in render_jobs:
            progress(f"[{len(renders)}/{total}] rendering {job.name}")
            try:
                renders[job.index] = render_scene(job)
            except Exception as error:
                raise RenderError(f"scene {job.name} failed: {type(error).__name__}: {error}") from error
            progress(f"[{len(renders)}/{total}] {job.name} done in {renders[job.index].seconds:.1f} s")
        return renders

    # Fresh interpreters: manim's global config must not leak between scenes.
    context = multiprocessing.get_context("spawn")
    with futures.ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=context) as pool:
        pending = {pool.submit(_render_in_worker, job): job for job in render_jobs}
        progress(f"[0/{total}] rendering {total} scenes in {min(jobs, total)} processes")
        try:
            for future in futures.as_completed(pending):
                job = pending[future]
                try:
                    renders[job.index] = future.result()
                except RenderError as error:
                    summary, _, trace = str(error).partition("\n")
                    raise RenderError(f"scene {job.name} failed: {summary}") from RenderError(trace)
                except futures.process.BrokenProcessPool:
                    raise RenderError(f"scene {job.name} failed: its worker process died") from None
                progress(f"[{len(renders)}/{total}] {job.name} done in {renders[job.index].seconds:.1f} s")
        except BaseException:
            for future in pending:
                future.cancel()
            _terminate(pool)
            raise
    return renders


def _terminate(pool: futures.ProcessPoolExecutor) -> None:
    """Stop workers now (on failure or Ctrl-C) instead of waiting for running scenes."""
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
