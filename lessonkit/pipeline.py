"""The render pipeline: scenes in parallel processes, clips, the joined lecture,
captions offset to the lecture's timeline, and a manifest.

``render.py`` is the command line over :func:`render_lecture`; tests call it directly
with a tiny :class:`Quality`.
"""

from __future__ import annotations

import atexit
import concurrent.futures as futures
import contextlib
import fcntl
import importlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import srt

from lessonkit.captions import Caption, chapters_text, chapters_vtt, shift, to_srt, to_vtt, within
from lessonkit.config import PROJECT_ROOT, Lesson
from lessonkit.theme import Theme
from lessonkit.video import atomic_path, join_clips, last_frame, probe, to_gif, transcode_to_mp4

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


#: Clip formats: the container manim renders for each (GIF is made from the MP4).
CLIP_FORMATS = {"mp4": "mp4", "webm": "webm", "gif": "mp4", "mov": "mov"}
#: Formats that can carry an alpha channel (WebM: VP9 yuva420p; MOV: QuickTime Animation, argb).
TRANSPARENT_FORMATS = ("webm", "mov")


@dataclass(frozen=True)
class SceneJob:
    """One scene to render in a worker process (everything in it pickles)."""

    index: int
    module: str
    name: str
    lesson: dict[str, Any]
    quality: Quality
    cache_dir: Path
    render_format: str = "mp4"
    transparent: bool = False
    #: This run's own folder: the scene's movie, sections and captions are copied here while
    #: the scene's cache is locked, so another run on the same cache cannot overwrite them.
    run_dir: Path | None = None


@dataclass(frozen=True)
class SceneRender:
    """Where a worker left a scene's outputs."""

    index: int
    name: str
    movie: Path
    subcaptions: Path | None
    sections: list[tuple[str, Path]]
    seconds: float


@dataclass
class StepEntry:
    """One step of a clip: a section of the scene, from one pause to the next."""

    name: str
    file: str
    poster: str
    captions_srt: str
    captions_vtt: str
    start: float
    duration: float
    narration: list[str]


@dataclass
class ClipEntry:
    """One clip of the manifest."""

    scene: str
    title: str
    file: str
    poster: str
    captions_srt: str
    captions_vtt: str
    duration: float
    width: int
    height: int
    fps: float
    frames: int
    start: float
    captions: list[dict[str, Any]] = field(default_factory=list)
    steps: list[StepEntry] = field(default_factory=list)


class RenderError(RuntimeError):
    """A scene failed to render; the message names it."""


# --- in the worker process ------------------------------------------------------------


def scene_cache_paths(job: SceneJob) -> tuple[Path, Path]:
    """The scene's partial-movie folder and its 'render in progress' marker."""
    videos = job.cache_dir / "videos" / job.quality.folder
    return videos / "partial_movie_files" / job.name, videos / "partial_movie_files" / f".{job.name}.rendering"


@contextlib.contextmanager
def scene_cache_lock(cache_dir: Path, scene: str) -> Iterator[None]:
    """Hold ``scene``'s lock in ``cache_dir``: another process rendering the same scene into
    the same cache waits; other scenes go on in parallel.

    manim names a scene's movie and sections the same whatever the lesson, writes partial
    movies under their final names and cleans LaTeX temporaries by pattern, so two runs of
    one scene must not overlap. The lock is per scene, not per quality, because the LaTeX
    folder is shared by all qualities. The kernel releases it if the process dies.
    """
    lock_path = cache_dir / "locks" / f"{scene}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _copy_out(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(source, folder / source.name))


def render_scene(job: SceneJob) -> SceneRender:
    """Render one scene with manim's caching; runs in a worker process.

    The scene's lock in the cache is held throughout (see :func:`scene_cache_lock`), and
    with ``job.run_dir`` the results are copied there before it is released. A marker
    file brackets the render. If a previous render of this scene was killed midway (the
    marker is still there), its cached partial movies may be truncated, so they are
    deleted first; a render that fails deletes them too.
    """
    from lessonkit.config import use_lesson

    started = time.perf_counter()
    use_lesson(job.lesson)
    scene_class = getattr(importlib.import_module(job.module), job.name)
    with scene_cache_lock(job.cache_dir, job.name):
        movie, subcaptions, sections = _render_locked(job, scene_class)
    return SceneRender(
        index=job.index,
        name=job.name,
        movie=movie,
        subcaptions=subcaptions,
        sections=sections,
        seconds=time.perf_counter() - started,
    )


def _render_locked(job: SceneJob, scene_class: type) -> tuple[Path, Path | None, list[tuple[str, Path]]]:
    from manim import tempconfig

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
        "format": job.render_format,
        "transparent": job.transparent,
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
            sections_dir = Path(writer.sections_output_dir)
            sections = [(section.name, sections_dir / section.video) for section in writer.sections
                        if section.video is not None]
        probe(movie, decode=True, fps=job.quality.fps)  # a clip that does not decode is a failure
    except BaseException:
        shutil.rmtree(partial_dir, ignore_errors=True)
        raise
    finally:
        marker.unlink(missing_ok=True)
    subcaptions = Path(subcaptions) if subcaptions and Path(subcaptions).exists() else None
    if job.run_dir is not None:
        own = job.run_dir / clip_name(job.index, job.name)
        movie = _copy_out(movie, own)
        subcaptions = _copy_out(subcaptions, own) if subcaptions else None
        sections = [(name, _copy_out(path, own / "sections")) for name, path in sections]
    return movie, subcaptions, sections


def _start_worker(parent_pid: int) -> None:
    """Initialise a worker process: it dies with its parent and leaves signals to it.

    The parent stops the workers on SIGINT, SIGTERM or SIGHUP; a worker that took a
    terminal's Ctrl-C itself would print a traceback. If the parent is killed outright
    (SIGKILL), the kernel kills the worker too (Linux), or the worker notices (elsewhere).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # tqdm (manim's progress bars, off here) would make a named semaphore per worker; a
    # terminated worker cannot remove it, and multiprocessing then warns of a leak at exit.
    import tqdm

    tqdm.tqdm.set_lock(threading.RLock())
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)

    def watch_parent() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch_parent, name="watch-parent", daemon=True).start()


def _render_in_worker(job: SceneJob) -> SceneRender:
    try:
        return render_scene(job)
    except Exception as error:
        # Exceptions from manim may not pickle; send back a one-line summary and the trace.
        raise RenderError(f"{type(error).__name__}: {error}\n{traceback.format_exc()}") from None


# --- in the parent process --------------------------------------------------------------


def read_subcaptions(path: Path | None) -> list[Caption]:
    if path is None:
        return []
    return [(c.start.total_seconds(), c.end.total_seconds(), c.content)
            for c in srt.parse(path.read_text(encoding="utf-8"))]


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


def _write_clip(source: Path, target: Path, clip_format: str) -> None:
    """Put a rendered video at ``target`` in the clip format (GIF is converted from MP4)."""
    if clip_format == "gif":
        to_gif(source, target)
    else:
        with atomic_path(target) as temporary:
            shutil.copyfile(source, temporary)


def _write_captions(stem: Path, captions: list[Caption]) -> tuple[Path, Path]:
    srt_path, vtt_path = stem.with_suffix(".srt"), stem.with_suffix(".vtt")
    write_text(srt_path, to_srt(captions))
    write_text(vtt_path, to_vtt(captions))
    return srt_path, vtt_path


def _write_poster(source: Path, target: Path, transparent: bool) -> Path:
    with atomic_path(target) as temporary:
        last_frame(source, alpha=transparent).save(temporary, format="PNG")
    return target


def render_lecture(
    scenes: Sequence[type],
    lesson: Lesson,
    out_dir: Path,
    *,
    quality: Quality = QUALITIES["high"],
    jobs: int = 1,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    clip_format: str = "mp4",
    transparent: bool = False,
    decks: bool = True,
    progress: Progress = lambda message: None,
) -> RenderResult:
    """Render ``scenes`` (in this order) and write clips (whole scenes and per-step), posters,
    captions, the joined lecture, chapters, the manifest and (with ``decks``) the slide decks.

    Raises RenderError naming the first scene that failed, ValueError for a format
    that cannot be transparent. Nothing is written under a final name unless it is complete.
    """
    if clip_format not in CLIP_FORMATS:
        raise ValueError(f"unknown clip format {clip_format!r}; known: {', '.join(CLIP_FORMATS)}")
    if transparent and clip_format not in TRANSPARENT_FORMATS:
        raise ValueError(f"{clip_format} has no alpha channel; use --format webm or --format mov with --transparent")
    started = time.perf_counter()
    lesson_data = lesson.to_dict()
    render_jobs = [
        SceneJob(index, scene.__module__, scene.__name__, lesson_data, quality, Path(cache_dir).resolve(),
                 CLIP_FORMATS[clip_format], transparent)
        for index, scene in enumerate(scenes)
    ]
    renders = _run_jobs(render_jobs, max(1, jobs), progress)

    out_dir = Path(out_dir)
    clips_dir = out_dir / "clips"
    relative = lambda path: Path(path).relative_to(out_dir).as_posix()  # noqa: E731
    entries: list[ClipEntry] = []
    lecture_captions: list[Caption] = []
    start = 0.0
    progress(f"writing clips, steps, posters and captions ({clip_format})")
    for job, scene in zip(render_jobs, scenes):
        render = renders[job.index]
        name = clip_name(job.index, job.name)
        target = clips_dir / f"{name}.{clip_format}"
        _write_clip(render.movie, target, clip_format)
        info = probe(render.movie, fps=quality.fps)  # timing from the render (a GIF's rate is lower)
        captions = read_subcaptions(render.subcaptions)
        srt_path, vtt_path = _write_captions(clips_dir / name, captions)
        entry = ClipEntry(
            scene=job.name, title=scene.title_for(lesson), file=relative(target),
            poster=relative(_write_poster(render.movie, clips_dir / f"{name}.png", transparent)),
            captions_srt=relative(srt_path), captions_vtt=relative(vtt_path),
            duration=info.duration, width=info.width, height=info.height, fps=float(info.fps), frames=info.frames,
            start=start, captions=[{"start": a, "end": b, "text": text} for a, b, text in captions],
        )
        step_start = 0.0
        for number, (step_name, source) in enumerate(render.sections, start=1):
            step_info = probe(source, fps=quality.fps)
            stem = clips_dir / name / f"{number:02d}-{step_name}"
            step_target = stem.with_suffix(f".{clip_format}")
            _write_clip(source, step_target, clip_format)
            step_captions = within(captions, step_start, step_start + step_info.duration)
            step_srt, step_vtt = _write_captions(stem, step_captions)
            entry.steps.append(StepEntry(
                name=step_name, file=relative(step_target),
                poster=relative(_write_poster(source, stem.with_suffix(".png"), transparent)),
                captions_srt=relative(step_srt), captions_vtt=relative(step_vtt),
                start=step_start, duration=step_info.duration, narration=[text for _, _, text in step_captions],
            ))
            step_start += step_info.duration
        entries.append(entry)
        lecture_captions.extend(shift(captions, start))
        start += info.duration

    lecture = out_dir / "lecture.mp4"
    progress(f"joining {len(entries)} clips into lecture.mp4")
    if clip_format in ("mp4", "gif") and not transparent:
        join_clips([renders[job.index].movie for job in render_jobs], lecture, quality.fps)
    else:
        # WebM and MOV clips do not stream-copy into an MP4 that plays everywhere: re-encode.
        transcode_to_mp4([out_dir / entry.file for entry in entries], lecture, quality.fps,
                         background=Theme.from_lesson(lesson).background)
    captions_path = out_dir / "lecture.srt"
    write_text(captions_path, to_srt(lecture_captions))
    write_text(out_dir / "lecture.vtt", to_vtt(lecture_captions))
    chapters = [(entry.start, entry.title) for entry in entries]
    write_text(out_dir / "chapters.txt", chapters_text(chapters))
    write_text(out_dir / "chapters.vtt", chapters_vtt(chapters, start))
    manifest_path = out_dir / "manifest.json"
    manifest = {
        "lecture": {"file": "lecture.mp4", "captions_srt": "lecture.srt", "captions_vtt": "lecture.vtt",
                    "chapters": "chapters.txt", "chapters_vtt": "chapters.vtt", "duration": start,
                    "width": quality.width, "height": quality.height, "fps": quality.fps,
                    "title": lesson.lesson.title},
        "clip_format": clip_format,
        "transparent": transparent,
        "clips": [asdict(entry) for entry in entries],
    }
    write_text(manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    if decks:
        from lessonkit.deck import write_pptx, write_slides_html

        progress("writing slides.html and lecture.pptx")
        write_slides_html(manifest, out_dir, Theme.from_lesson(lesson))
        write_pptx(manifest, out_dir)
    return RenderResult(out_dir, entries, lecture, captions_path, manifest_path, time.perf_counter() - started)


def start_run(cache_dir: Path) -> Path:
    """A folder in ``cache_dir`` for this run's own copies of its scenes' outputs.

    It is removed when the process exits; folders left by runs that were killed are
    removed here (a live run holds the lock in its folder, a dead one cannot).
    """
    runs = Path(cache_dir) / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    # One run at a time sweeps and creates, so no run sweeps a folder another has just made.
    with open(runs / ".sweep.lock", "a") as sweep_lock:
        fcntl.flock(sweep_lock, fcntl.LOCK_EX)
        for folder in runs.iterdir():
            with contextlib.suppress(OSError), open(folder / ".lock", "a") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
        run_dir = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=runs))
        lock_file = open(run_dir / ".lock", "a")
        fcntl.flock(lock_file, fcntl.LOCK_EX)
    atexit.register(_end_run, run_dir, lock_file)
    return run_dir


def _end_run(run_dir: Path, lock_file) -> None:
    shutil.rmtree(run_dir, ignore_errors=True)
    lock_file.close()


def _run_jobs(render_jobs: list[SceneJob], jobs: int, progress: Progress) -> dict[int, SceneRender]:
    if render_jobs:
        run_dir = start_run(render_jobs[0].cache_dir)
        render_jobs = [replace(job, run_dir=run_dir) for job in render_jobs]
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
    with futures.ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=context,
                                     initializer=_start_worker, initargs=(os.getpid(),)) as pool:
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
