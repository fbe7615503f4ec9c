"""A scene rendered in a worker process: the job, its result, the cache folders and lock
it renders under, and the worker pool's plumbing. The pipeline (:mod:`lessonkit.pipeline`),
the formula batch (:mod:`lessonkit.texbatch`) and segments and clusters
(:mod:`lessonkit.segments`) build on it; it knows nothing of them.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import fcntl
import importlib
import json
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from lessonkit.cachelimit import mark_used
from lessonkit.captions import Caption
from lessonkit.config import PROJECT_ROOT
from lessonkit.video import atomic_path, check_whole

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
class Segment:
    """One segment of a scene: sections ``first_section`` to ``last_section`` (from 0), which
    are animations ``first_animation`` to ``last_animation`` (-1: to the scene's end)."""

    part: int
    parts: int
    first_section: int
    last_section: int
    first_animation: int
    last_animation: int

    @property
    def folder(self) -> str:
        """The segment's own folder name in the cache (its animations)."""
        last = "end" if self.last_animation < 0 else str(self.last_animation)
        return f"{self.first_animation}-{last}"


def segment_settings(job: "SceneJob") -> dict[str, Any]:
    """manim settings for rendering ``job.segment``: its animation range, and folders of its own
    (so segments of one scene render at once), started from the scene's typeset formulas."""
    segment = job.segment
    assert segment is not None
    own = job.cache_dir / "segments" / job.quality.folder / job.name / segment.folder
    tex_dir, text_dir = own / "Tex", own / "texts"
    # The plan typeset the scene's formulas and texts; each segment starts with copies.
    for source, target in ((job.cache_dir / "Tex" / job.name, tex_dir),
                           (job.cache_dir / "texts" / job.quality.folder / job.name, text_dir)):
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
    return {"video_dir": str(own / "videos"), "tex_dir": str(tex_dir), "text_dir": str(text_dir),
            "from_animation_number": segment.first_animation, "upto_animation_number": segment.last_animation}


def segment_cache_paths(job: "SceneJob") -> tuple[Path, Path]:
    """The segment's partial-movie folder and its 'render in progress' marker."""
    assert job.segment is not None
    videos = job.cache_dir / "segments" / job.quality.folder / job.name / job.segment.folder / "videos"
    return videos / "partial_movie_files" / job.name, videos / "partial_movie_files" / f".{job.name}.rendering"


def keep_drawn_sections(scene) -> None:
    """Have manim write only the sections the segment draws: a section before the segment's
    range holds only skipped animations (manim would try to join no files into it)."""
    writer = scene._get_manager().file_writer
    combine = writer.combine_to_section_videos

    def combine_drawn() -> None:
        for section in writer.sections:
            if section.video is not None and not section.get_clean_partial_movie_files():
                section.video = None
        combine()

    writer.combine_to_section_videos = combine_drawn


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
    #: This run's own folder: the scene's movie and sections are copied here while
    #: the scene's cache is locked, so another run on the same cache cannot overwrite them.
    run_dir: Path | None = None
    #: The scene's position in the lecture (from 1), which its files are named by.
    number: int = 0
    #: Render only this range of the scene's animations (see :mod:`lessonkit.segments`).
    segment: Segment | None = None
    #: Hash the animations of a first render too (see :func:`first_render`): an edit will follow.
    expect_edits: bool = False

    @property
    def tex_dir(self) -> Path:
        """manim's LaTeX folder for this scene: its own, all qualities (see :func:`scene_cache_lock`)."""
        return self.cache_dir / "Tex" / self.name


@dataclass(frozen=True)
class SceneRender:
    """Where a worker left a scene's outputs, and what the scene said when."""

    index: int
    name: str
    movie: Path
    sections: list[tuple[str, Path]]
    seconds: float
    #: Caption cues on the scene's timeline, frame-exact: (start, end, text).
    cues: list[Caption] = field(default_factory=list)
    #: The speech to mix into the scene's sound track: (start in seconds, sound file).
    sounds: list[tuple[float, Path]] = field(default_factory=list)
    #: (id, text) of every line said, in order.
    utterances: list[tuple[str, str]] = field(default_factory=list)
    #: Lines the voice had to synthesize (0 when all came from the cache).
    synthesized: int = 0
    #: The scene's title as shown (placeholders filled in).
    title: str = ""
    #: What the scene's layout check found: "Scene.beat: what crosses what".
    layout_problems: list[str] = field(default_factory=list)
    #: The lesson's values the scene read (path -> value): what its render depends on.
    reads: dict[str, Any] = field(default_factory=dict)
    #: Every number the scene showed: label, value, text, source (its mathcore expression), steps.
    numbers: list[dict[str, Any]] = field(default_factory=list)
    #: The formulas (LaTeX) each step showed first: step name -> formulas in order.
    formulas: dict[str, list[str]] = field(default_factory=dict)


class RenderError(RuntimeError):
    """A scene failed to render; the message names it."""


def scene_cache_paths(job: SceneJob) -> tuple[Path, Path]:
    """The scene's partial-movie folder and its 'render in progress' marker."""
    videos = job.cache_dir / "videos" / job.quality.folder
    return videos / "partial_movie_files" / job.name, videos / "partial_movie_files" / f".{job.name}.rendering"


#: What manim names an animation's movie when it does not hash the animation.
_UNHASHED = "uncached_*"


def first_render(partial_dir: Path) -> bool:
    """Whether a scene has no animations in manim's cache at this quality (``partial_dir``),
    so that manim need not hash its animations: there is nothing to find by their hashes,
    and hashing them (every mobject serialized, each play) took about 30% of a 480p15
    render. The next render hashes them and drops the unhashed movies. Under
    ``render.py --watch`` (:attr:`SceneJob.expect_edits`) the first render hashes too."""
    movies = list(partial_dir.glob("*.*")) if partial_dir.is_dir() else []
    if not movies:
        return True
    for movie in partial_dir.glob(_UNHASHED):
        movie.unlink(missing_ok=True)
    return False


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


#: Each scene's last render time in seconds, by scene (whatever its quality), in the cache.
TIMES_FILE = "render-seconds.json"


def longest_first(jobs: Sequence[SceneJob], cache_dir: Path,
                  estimates: Mapping[str, float] | None = None) -> list[SceneJob]:
    """``jobs`` in the order a pool of workers should start them: the longest first, so
    that the render does not end with one long scene on one worker while the others wait.
    A scene's length is its last render time in ``cache_dir`` (see :func:`record_times`);
    for a cache that has not timed every scene, ``estimates`` (a measure that grows with
    it: the formula batch's run of each scene without frames); else the lecture's order."""
    known = read_times(cache_dir)
    for lengths in (known, estimates or {}):
        if all(job.name in lengths for job in jobs):
            return sorted(jobs, key=lambda job: -lengths[job.name])  # stable: ties keep the lecture's order
    return list(jobs)


def read_times(cache_dir: Path) -> dict[str, float]:
    try:
        times = json.loads((cache_dir / TIMES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: it is only a hint
    return {str(name): float(seconds) for name, seconds in times.items()} if isinstance(times, dict) else {}


def record_times(cache_dir: Path, renders: Sequence["SceneRender"]) -> None:
    """Keep each of ``renders``' render time in ``cache_dir`` for :func:`longest_first`."""
    if not renders:
        return
    times = read_times(cache_dir) | {render.name: round(render.seconds, 2) for render in renders}
    with atomic_path(cache_dir / TIMES_FILE) as temporary:
        temporary.write_text(json.dumps(times, indent=1, sort_keys=True), encoding="utf-8")


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
    from lessonkit.config import active_lesson, use_lesson

    started = time.perf_counter()
    use_lesson(job.lesson)
    scene_class = getattr(importlib.import_module(job.module), job.name)
    # A segment has folders of its own, so segments of one scene render at once.
    lock = job.name if job.segment is None else f"{job.name}.{job.segment.folder}"
    with scene_cache_lock(job.cache_dir, lock):
        scene, movie, sections = _render_locked(job, scene_class)
    return SceneRender(
        index=job.index,
        name=job.name,
        movie=movie,
        sections=sections,
        seconds=time.perf_counter() - started,
        cues=list(getattr(scene, "cues", [])),
        sounds=[(start, Path(path)) for start, path in getattr(scene, "sounds", [])],
        utterances=list(getattr(scene, "utterances", [])),
        synthesized=getattr(scene, "synthesized", 0),
        title=getattr(scene, "title_words", None) or scene_class.title_for(active_lesson()),
        layout_problems=list(getattr(scene, "layout_problems", [])),
        numbers=[asdict(number) for number in getattr(scene, "shown", {}).values()],
        formulas=dict(getattr(scene, "step_formulas", {})),
        reads=dict(active_lesson().reads),
    )


#: Above this many pixels a frame, x264 holds fewer frames. At 4K each frame it holds costs
#: about 30 MB: with its defaults (40 frames of lookahead, 3 B-frames) a 4K worker peaked at
#: 2.18 GiB; with 3 and 1 (and one queued frame), 0.90 GiB, and its clip was 11% smaller at
#: the same CRF. Without lookahead (no macroblock tree) it was 0.99 GiB and 26% larger.
_LARGE_FRAME_PIXELS = 1920 * 1080
_LARGE_FRAME_X264 = {"rc-lookahead": "3", "bf": "1"}
#: The drawn frames manim may queue for its encoder, in bytes (its default, 8 frames, is
#: 265 MB at 4K): 4 at 1080p, 1 at 4K. The encoder takes each from the queue before it
#: encodes it, so drawing and encoding still overlap.
_FRAME_QUEUE_BYTES = 32 * 2**20
#: x264's speed at the preview quality (low, 480p15), where a render is looked at, not kept:
#: "veryfast" took the colour conversion and encoding of Saturation's 608 frames from 6.7 to
#: 4.5 ms of CPU a frame, and the file from 0.24 to 0.20 MB, at a PSNR of 43.0 dB instead of
#: 44.9 against the drawn frames. The other qualities keep x264's "medium".
_PREVIEW_X264 = {"preset": "veryfast"}
#: The quality a render is previewed at (looked at, not kept): quicker, for some sharpness.
PREVIEW = "low"


def encoder_settings(quality: Quality, render_format: str, transparent: bool) -> dict[str, Any]:
    """manim's encoder settings that bound a worker's memory at ``quality``: how many drawn
    frames wait for the encoder, and how many frames x264 holds."""
    frame_bytes = quality.width * quality.height * 4
    settings: dict[str, Any] = {"encoder_queue_size": max(1, min(8, _FRAME_QUEUE_BYTES // frame_bytes))}
    if render_format in ("mp4", "mov") and not transparent:
        if quality.name == PREVIEW:
            settings["video_encoder_options"] = dict(_PREVIEW_X264)
        elif quality.width * quality.height > _LARGE_FRAME_PIXELS:
            settings["video_encoder_options"] = dict(_LARGE_FRAME_X264)
    return settings


def manim_settings(job: SceneJob) -> dict[str, Any]:
    """manim's settings for rendering ``job``'s whole scene into its cache."""
    return encoder_settings(job.quality, job.render_format, job.transparent) | {
        "pixel_width": job.quality.width,
        "pixel_height": job.quality.height,
        "frame_rate": job.quality.fps,
        "media_dir": str(job.cache_dir),
        # Own LaTeX and text folders per scene: parallel workers sharing one delete
        # each other's temporary files. Text's cached SVGs also depend on the pixel
        # width (Pango wraps at it) but their names do not, hence one folder per quality.
        "tex_dir": str(job.tex_dir),
        "text_dir": str(job.cache_dir / "texts" / job.quality.folder / job.name),
        "save_sections": True,
        "format": job.render_format,
        "transparent": job.transparent,
        "progress_bar": "none",
        "verbosity": "WARNING",
    }


def _render_locked(job: SceneJob, scene_class: type) -> tuple[Any, Path, list[tuple[str, Path]]]:
    """Render with the scene's lock held; the scene, and its movie and sections (copies in
    ``job.run_dir`` if given). A segment's movie is its range; its sections, the ones in it."""
    from manim import tempconfig

    from lessonkit.heldframes import store_held_pictures_once
    from lessonkit.scene import LessonScene

    partial_dir, marker = scene_cache_paths(job) if job.segment is None else segment_cache_paths(job)
    if marker.exists():
        shutil.rmtree(partial_dir, ignore_errors=True)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    settings = manim_settings(job)
    if job.segment is not None:
        settings.update(segment_settings(job))
    elif first_render(partial_dir) and not job.expect_edits:
        settings["disable_caching"] = True
    # The pipeline builds each clip's sound track itself (mixed, loudness-normalized, cut per step).
    narration_to_movie, LessonScene.narration_to_movie = LessonScene.narration_to_movie, False
    # A preview stores each held picture once: 0.05 ms a held frame instead of 3.9 at 480p15,
    # at some of the held pictures' sharpness (see lessonkit.heldframes).
    store_held_pictures_once(job.quality.name == PREVIEW)
    try:
        with tempconfig(settings):
            scene = scene_class()
            if job.segment is not None:
                keep_drawn_sections(scene)
            scene.render()
            writer = scene.manager.file_writer
            movie = Path(writer.movie_file_path)
            sections_dir = Path(writer.sections_output_dir)
            sections = [(section.name, sections_dir / section.video) for section in writer.sections
                        if section.video is not None]
            used = [*(path for path in writer.partial_movie_files if path), settings["tex_dir"],
                    settings["text_dir"]]
        check_whole(movie)  # a clip cut short, or whose end does not decode, is a failure
    except BaseException:
        shutil.rmtree(partial_dir, ignore_errors=True)
        raise
    finally:
        marker.unlink(missing_ok=True)
        LessonScene.narration_to_movie = narration_to_movie
    # For lessonkit.cachelimit: what this render read from the cache (manim sets only access times).
    for path in used:
        mark_used(path)
    if job.segment is not None:
        mark_used(Path(settings["video_dir"]).parent)
    if job.run_dir is not None:
        own = job.run_dir / clip_name(job.number, job.name)
        if job.segment is not None:
            own = own / "segments" / job.segment.folder
        movie = _copy_out(movie, own)
        sections = [(name, _copy_out(path, own / "sections")) for name, path in sections]
    return scene, movie, sections


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


def clip_name(number: int, scene: str) -> str:
    """``NN-SceneName``: the scene's position in the lecture, from 01."""
    return f"{number:02d}-{scene}"


def draw_no_frames(scene: Any) -> None:
    """For a run of ``scene`` that skips its animations and looks at no picture (the
    formula batch's, a segment plan's): manim's Cairo renderer would still draw the still
    part of the picture at each play it skips."""
    scene.renderer.update_frame = lambda *args, **kwargs: None


def worker_pool(workers: int) -> futures.ProcessPoolExecutor:
    """``workers`` fresh interpreters (spawned, not forked: manim's global config must not
    leak from this process) that die with this one (see :func:`_start_worker`)."""
    import multiprocessing

    return futures.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_start_worker, initargs=(os.getpid(),))


def _terminate(pool: futures.ProcessPoolExecutor) -> None:
    """Stop workers now (on failure or Ctrl-C) instead of waiting for running scenes."""
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
