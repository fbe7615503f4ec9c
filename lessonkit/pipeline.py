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
import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from lessonkit.captions import Caption, chapters_text, chapters_vtt, shift, to_srt, to_vtt, within
from lessonkit import scenecache, segments, texbatch
from lessonkit.config import Lesson
from lessonkit.formats import ClipFormat, choose_format
from lessonkit.jobs import (
    DEFAULT_CACHE_DIR,
    QUALITIES,
    Quality,
    RenderError,
    SceneJob,
    SceneRender,
    _render_in_worker,
    _terminate,
    clip_name,
    longest_first,
    record_times,
    render_scene,
    scene_cache_lock,
    worker_pool,
)
from lessonkit.outputcache import ArrayCache, OutputCache
from lessonkit.scenetext import CLOSING_SECTION
from lessonkit.theme import Theme
from lessonkit.video import atomic_folder, atomic_path, join_clips, last_frame, probe, to_gif, transcode_to_mp4
from lessonkit.worksheet import WORKSHEET_FILES


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
    #: Every number on screen in this step: label, value, text, computed_by, function.
    numbers: list[dict[str, Any]] = field(default_factory=list)
    #: The formulas (LaTeX) this step shows first, for the transcript.
    formulas: list[str] = field(default_factory=list)


def step_numbers(numbers: Sequence[dict[str, Any]], step: str) -> list[dict[str, Any]]:
    """The numbers on screen in ``step``, as the manifest lists them: ``computed_by`` is the
    expression that computed the number (None if its scene does not say), ``function`` the
    mathcore function it calls (None for a value the lesson gives as it is)."""
    entries = []
    for number in numbers:
        if step in number["steps"]:
            call = re.match(r"\s*(\w+)\(", number["source"])
            # A scene that does not say where a number comes from: null, not a guess.
            entries.append({"label": number["label"], "value": number["value"], "text": number["text"],
                            "computed_by": number["source"] or None, "function": call.group(1) if call else None})
    return entries


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


# --- in the worker process ------------------------------------------------------------


# --- in the parent process --------------------------------------------------------------


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


@dataclass
class RenderResult:
    """What :func:`render_lecture` wrote."""

    out_dir: Path
    clips: list[ClipEntry]
    lecture: Path
    captions: Path
    manifest: Path
    seconds: float
    #: Lines of narration the voice synthesized in this run (0 when all came from its cache).
    synthesized: int = 0
    #: Integrated loudness of the lecture's sound (LUFS), None when silent.
    loudness: float | None = None


Progress = Callable[[str], None]


#: How a clip is made from the movie manim rendered, for formats whose pictures differ
#: from it (GIF's palette). Any other format is the rendered movie's video stream copied
#: into its own container, with its sound encoded by ``ClipFormat.audio_codec``.
CONVERTERS: dict[str, Callable[[Path, Path], None]] = {"gif": to_gif}


def _write_clip(source: Path, target: Path, clip_format: ClipFormat, fps: int, sound: "np.ndarray | None") -> None:
    """Put a rendered video at ``target`` in the clip format, with ``sound`` as its track
    (a converted format, GIF, has none)."""
    if clip_format.name in CONVERTERS:
        CONVERTERS[clip_format.name](source, target)
    else:
        join_clips([source], target, fps, audio=sound)


def _write_captions(stem: Path, captions: list[Caption]) -> tuple[Path, Path]:
    srt_path, vtt_path = stem.with_suffix(".srt"), stem.with_suffix(".vtt")
    write_text(srt_path, to_srt(captions))
    write_text(vtt_path, to_vtt(captions))
    return srt_path, vtt_path


def _write_poster(source: Path, target: Path, transparent: bool) -> Path:
    with atomic_path(target) as temporary:
        last_frame(source, alpha=transparent).save(temporary, format="PNG")
    return target


@dataclass
class _Timed:
    """A rendered scene measured: its frames, its steps' frames, its sound track."""

    render: SceneRender
    frames: int
    step_frames: list[int]
    sound: "np.ndarray | None" = None
    #: The key of the clip, steps and posters written from it (see :func:`_scene_files_key`).
    key: str = ""
    #: Whether they were linked from an earlier run's instead of being written.
    reused: bool = False


def _measure(renders: list[SceneRender], fps: int) -> list[_Timed]:
    """Frame counts of every clip and step, read from the files manim wrote."""
    timed = []
    for render in renders:
        frames = probe(render.movie, fps=fps).frames
        steps = [probe(source, fps=fps).frames for _, source in render.sections]
        if steps and sum(steps) != frames:
            raise RenderError(f"scene {render.name}: its steps hold {sum(steps)} frames, its clip {frames}")
        timed.append(_Timed(render, frames, steps))
    return timed


#: The step the lecture's gain is rounded to, in dB: well under the 1 dB change of
#: loudness most listeners notice.
GAIN_STEP_DB = 0.25
#: How far the lecture's loudness may drift from the target before its gain is set again,
#: in LU: an edit of one scene moves it a little, and the other scenes' sound (and so their
#: clips) then stays as it was. Video sites ask for the target within 1 LU.
GAIN_TOLERANCE_LU = 0.5


def _mix_sound(timed: list[_Timed], fps: int, cache_dir: Path | None = None) -> float | None:
    """Each clip's sound track, mixed from its speech and brought, all with one gain, to
    the loudness video sites expect (so clips and lecture sound alike). Returns the
    lecture's loudness (LUFS), or None for a silent lecture.

    The lecture's loudness is gated over its scenes' loudness blocks (see
    :func:`lessonkit.audio.block_powers`). With ``cache_dir``, each scene's mix, each
    normalized track and the blocks of both are kept there under keys of the speech files'
    contents and the gain, so an unchanged lecture reads them back, and an edit of one
    scene mixes and measures that one. The gain of the last render of these scenes is kept
    too, and used again while the lecture stays within :data:`GAIN_TOLERANCE_LU` of the
    target: an edit of one scene then leaves the others' sound as it was."""
    from lessonkit.audio import (TARGET_LUFS, Placed, block_powers, gain_to, gated_loudness, mix, normalize,
                                 seconds_to_samples)

    if not any(item.render.sounds for item in timed):
        return None
    store = None if cache_dir is None else ArrayCache(Path(cache_dir) / "sound")
    keep = (lambda key, make: make()) if store is None else store.get

    def key_of(*parts: Any) -> str:
        return hashlib.sha256(json.dumps([_writer_fingerprint().hex(), *parts]).encode()).hexdigest()

    def measured(tracks: list[tuple[str, Callable[[], "np.ndarray"]]]) -> float:
        return gated_loudness([keep(key_of("blocks", key), lambda make=make: block_powers(make()))
                               for key, make in tracks])

    def normalized(gain: float) -> list[tuple[str, Callable[[], "np.ndarray"]]]:
        tracks = []
        for key, make in mixes:
            normal = key_of("normalized", key, gain)
            tracks.append((normal, functools.partial(keep, normal, lambda make=make: normalize(make(), gain))))
        return tracks

    mixes = []
    for item in timed:
        length = seconds_to_samples(Fraction(item.frames, fps))
        key = key_of("mix", length, [(start, _file_digest(path).hex()) for start, path in item.render.sounds])
        mixes.append((key, functools.partial(keep, key, functools.partial(
            mix, [Placed(start, path) for start, path in item.render.sounds], length))))
    # The gain an earlier render of this lecture (these scenes) used, kept while the
    # loudness it gives stays within GAIN_TOLERANCE_LU of the target.
    last_gain = key_of("last gain", [item.render.name for item in timed])
    previous = None if store is None else store.load(last_gain)
    ideal = gain_to(measured(mixes))
    if previous is not None and abs(20 * np.log10(float(previous) / ideal)) <= GAIN_TOLERANCE_LU:
        gain = float(previous)
    else:
        gain = _rounded_gain(ideal)
    tracks = normalized(gain)
    loudness = measured(tracks)
    # The limiter takes a little loudness off the peaks: correct once if that took too much.
    if abs(loudness - TARGET_LUFS) > GAIN_TOLERANCE_LU:
        gain = _rounded_gain(gain * gain_to(loudness))
        tracks = normalized(gain)
        loudness = measured(tracks)
    if store is not None:
        store.put(last_gain, np.array(gain))
    for item, (_, make) in zip(timed, tracks):
        item.sound = make()
    return loudness


def _rounded_gain(gain: float) -> float:
    """``gain`` rounded to :data:`GAIN_STEP_DB`, so that an edit of one scene, which moves
    the lecture's loudness a little, leaves the other scenes' sound (and so their clips)
    as they were."""
    return float(10 ** (round(20 * np.log10(gain) / GAIN_STEP_DB) * GAIN_STEP_DB / 20))


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
    numbers: Sequence[int] | None = None,
    strict_layout: bool = False,
    progress: Progress = lambda message: None,
    cluster: Any = None,
    parts: int = 1,
    expect_edits: bool = False,
) -> RenderResult:
    """Render ``scenes`` (in this order) and write clips (whole scenes and per-step) with
    their narration, posters, captions, the joined lecture, chapters, the manifest and
    (with ``decks``) the slide decks. ``numbers`` are the scenes' positions in the lecture,
    which their files are named by (default 1, 2, 3...: the scenes are the lecture).
    Layout problems a scene found (text crossing text or the frame's edge) are reported
    through ``progress``; with ``strict_layout`` they stop the run before anything is written.

    The stages, in order: render the scenes, report their layout problems, measure them,
    mix their sound, write clips and steps, join the lecture, write its captions and
    chapters, the manifest, the decks, and swap the new set of files into ``out_dir``.
    What an earlier run with the same cache made from the same inputs is not made again:
    unchanged scenes are not rendered (:mod:`lessonkit.scenecache`), and their sound
    tracks, clips, steps and posters, the lecture and ``lecture.pptx`` when nothing in them
    changed, are read back or hard-linked from the cache (:mod:`lessonkit.outputcache`).

    ``cluster`` (a Dask scheduler's address or client) renders on a Dask cluster instead of
    local processes; ``parts`` > 1 splits each scene into up to that many segments
    (see :mod:`lessonkit.segments`). ``expect_edits`` (``render.py --watch``) has manim hash
    the animations of a scene's first render too, so that the first edit after it finds
    the unchanged ones in manim's cache (see :func:`lessonkit.jobs.first_render`).

    Raises RenderError naming the first scene that failed, ValueError for a format
    that cannot be transparent. Nothing is written under a final name unless it is complete.
    """
    output_format = choose_format(clip_format, transparent)
    started = time.perf_counter()
    numbers = list(numbers) if numbers is not None else list(range(1, len(scenes) + 1))
    if len(numbers) != len(scenes) or len(set(numbers)) != len(numbers):
        raise ValueError(f"numbers must give each of the {len(scenes)} scenes its own number, got {numbers}")
    cache_dir = Path(cache_dir).resolve()
    renders = _render_scenes(scenes, numbers, lesson, quality, cache_dir, output_format, transparent, max(1, jobs),
                             progress, cluster, parts, expect_edits)
    _report_layout(renders, strict_layout, progress)
    timed = _measure(renders, quality.fps)
    loudness = _mix_sound(timed, quality.fps, cache_dir)
    if loudness is not None:
        progress("mixed the narration to -16 LUFS")
    voiced = loudness is not None
    theme = Theme.from_lesson(lesson)
    final_dir = Path(out_dir)
    # Built beside --out and swapped in whole: never a mix of this run's files and an older one's.
    with atomic_folder(final_dir, keep=SCRIPT_FILES + WORKSHEET_FILES) as building:
        target = _Target(building, quality, output_format, transparent)
        reuse = OutputCache(cache_dir / "outputs")
        progress(f"writing clips, steps, posters and captions ({clip_format})")
        entries = _write_clips(timed, numbers, target, reuse)
        if reused := [item.render.name for item in timed if item.reused]:
            progress(f"clips, steps and posters unchanged, linked from the cache: {', '.join(reused)}")
        duration = _lecture_duration(timed, quality.fps)
        _write_lecture_captions_and_chapters(entries, building, duration)
        manifest = _write_manifest(entries, lesson, target, duration, voiced=voiced)
        # The decks need the manifest, not the lecture: they are written while it is joined
        # (zlib, packing the deck, and FFmpeg, muxing the lecture, both run without Python's lock).
        with futures.ThreadPoolExecutor(1) as pool:
            if decks:
                progress("writing slides.html, transcript.html and lecture.pptx")
                decks_written = pool.submit(_write_decks, manifest, building, theme, timed, reuse)
            progress(f"joining {len(entries)} clips into lecture.mp4")
            _join_lecture(timed, entries, target, theme.background, reuse)
            if decks:
                decks_written.result()
    return RenderResult(final_dir, entries, final_dir / LECTURE_FILES["file"],
                        final_dir / LECTURE_FILES["captions_srt"], final_dir / "manifest.json",
                        time.perf_counter() - started, synthesized=sum(render.synthesized for render in renders),
                        loudness=loudness)


@dataclass(frozen=True)
class _Target:
    """Where and how a run writes its outputs: the folder being built, size, rate and format."""

    folder: Path
    quality: Quality
    clip_format: ClipFormat
    transparent: bool

    def relative(self, path: Path) -> str:
        """``path`` as the manifest names it: relative to the output folder, with slashes."""
        return Path(path).relative_to(self.folder).as_posix()


#: The joined lecture's files, by their manifest keys.
LECTURE_FILES = {"file": "lecture.mp4", "captions_srt": "lecture.srt", "captions_vtt": "lecture.vtt",
                 "chapters": "chapters.txt", "chapters_vtt": "chapters.vtt"}


def _render_scenes(scenes: Sequence[type], numbers: Sequence[int], lesson: Lesson, quality: Quality,
                   cache_dir: Path, output_format: ClipFormat, transparent: bool, jobs: int,
                   progress: Progress, cluster: Any = None, parts: int = 1,
                   expect_edits: bool = False) -> list[SceneRender]:
    """Render every scene that changed since a render in the cache (in ``jobs`` worker
    processes), reuse the others; their renders in lecture order."""
    lesson_data = lesson.to_dict()
    render_jobs = [SceneJob(index, scene.__module__, scene.__name__, lesson_data, quality, cache_dir,
                            output_format.render_as, transparent, number=number, expect_edits=expect_edits)
                   for index, (scene, number) in enumerate(zip(scenes, numbers))]
    renders = _render_changed(render_jobs, jobs, progress, cluster, parts)
    return [renders[job.index] for job in render_jobs]


def _report_layout(renders: list[SceneRender], strict: bool, progress: Progress) -> None:
    """Report the layout problems the scenes found; with ``strict``, stop the run on them
    before anything is written."""
    problems = [problem for render in renders for problem in render.layout_problems]
    for problem in problems:
        progress(f"layout warning: {problem}")
    if problems and strict:
        raise RenderError(f"{len(problems)} layout problem(s) with --strict, the first: {problems[0]}")


def _lecture_duration(timed: list[_Timed], fps: int) -> float:
    """The lecture's length in seconds, summed exactly over its clips' frames."""
    return float(sum((Fraction(item.frames, fps) for item in timed), Fraction(0)))


def _write_clips(timed: list[_Timed], numbers: Sequence[int], target: _Target,
                 reuse: OutputCache | None = None) -> list[ClipEntry]:
    """Every scene's clip and its steps in the clip format, each with its sound,
    poster and captions, named by its number in the lecture; the manifest's entries, each
    with its start on the lecture's timeline. With ``reuse``, a scene's clip, steps and
    posters made from the same movie, sections and sound by an earlier run are linked
    from it instead of being written again."""
    entries: list[ClipEntry] = []
    start = Fraction(0)
    fps = target.quality.fps
    for item, number in zip(timed, numbers):
        entries.append(_write_scene_clip(item, number, float(start), target, reuse))
        start += Fraction(item.frames, fps)
    return entries


@dataclass(frozen=True)
class _SceneFiles:
    """Where one scene's clip, poster and steps go in the folder being built."""

    clip: Path
    poster: Path
    #: Each step's path without its extension: its clip, poster and captions add theirs.
    step_stems: list[Path]

    @classmethod
    def of(cls, render: SceneRender, number: int, target: _Target) -> "_SceneFiles":
        clips_dir = target.folder / "clips"
        name = clip_name(number, render.name)
        return cls(clips_dir / f"{name}{target.clip_format.extension}", clips_dir / f"{name}.png",
                   [clips_dir / name / f"{step:02d}-{step_name}"
                    for step, (step_name, _) in enumerate(_step_sections(render), start=1)])

    def media(self, target: _Target) -> list[str]:
        """The encoded files (clips and posters; not the captions), relative to the folder."""
        steps = [stem.with_suffix(suffix) for stem in self.step_stems
                 for suffix in (target.clip_format.extension, ".png")]
        return [target.relative(path) for path in (self.clip, self.poster, *steps)]


def _write_scene_clip(item: _Timed, number: int, start: float, target: _Target,
                      reuse: OutputCache | None = None) -> ClipEntry:
    """One scene's clip, poster and captions, then its steps."""
    render, quality, fps = item.render, target.quality, target.quality.fps
    files = _SceneFiles.of(render, number, target)
    media = files.media(target)
    item.key = _scene_files_key(item, media, target)
    item.reused = reuse is not None and reuse.fetch(item.key, target.folder, media)
    if not item.reused:
        _write_scene_media(item, files, target)
        if reuse is not None:
            reuse.keep(item.key, target.folder, media)
    captions = render.cues
    srt_path, vtt_path = _write_captions(files.clip.with_suffix(""), captions)
    entry = ClipEntry(
        scene=render.name, title=render.title, file=target.relative(files.clip),
        poster=target.relative(files.poster),
        captions_srt=target.relative(srt_path), captions_vtt=target.relative(vtt_path),
        duration=float(Fraction(item.frames, fps)), width=quality.width, height=quality.height, fps=float(fps),
        frames=item.frames, start=start,
        captions=[{"start": a, "end": b, "text": text} for a, b, text in captions],
    )
    entry.steps = _write_steps(item, files.step_stems, target)
    return entry


#: Threads that encode one scene's clip, steps and posters at once: FFmpeg's encoders and
#: PNG's compression run without Python's lock, so each core takes a file (at most 4: a
#: GIF's palette pass holds its clip's frames).
MEDIA_THREADS = min(4, max(2, os.cpu_count() or 1))


def _write_scene_media(item: _Timed, files: _SceneFiles, target: _Target) -> None:
    """Encode one scene's clip and steps, each with its share of the scene's sound, and
    their posters, several files at once."""
    fps = target.quality.fps
    steps = _steps(item)
    # The clip ends faded to the background; its poster is the last step's picture.
    writes = [(_write_clip, item.render.movie, files.clip, target.clip_format, fps, item.sound),
              (_write_poster, steps[-1][1] if steps else item.render.movie, files.poster, target.transparent)]
    step_start = 0
    for stem, (_, source, frames) in zip(files.step_stems, steps, strict=True):
        sound = None
        if item.sound is not None:
            per_frame = len(item.sound) // item.frames
            sound = item.sound[step_start * per_frame:(step_start + frames) * per_frame]
        writes.append((_write_clip, source, stem.with_suffix(target.clip_format.extension), target.clip_format,
                       fps, sound))
        writes.append((_write_poster, source, stem.with_suffix(".png"), target.transparent))
        step_start += frames
    pool = futures.ThreadPoolExecutor(MEDIA_THREADS)
    try:
        for done in [pool.submit(*write) for write in writes]:
            done.result()  # the first failure, raised here
    finally:
        # A failure or an interrupt (Ctrl-C) does not wait for the files not yet begun.
        pool.shutdown(cancel_futures=True)


def _step_sections(render: SceneRender) -> list[tuple[str, Path]]:
    """A scene's steps: its sections (name, file) but the closing fade, which is no step."""
    return [(name, source) for name, source in render.sections if name != CLOSING_SECTION]


def _steps(item: _Timed) -> list[tuple[str, Path, int]]:
    """A scene's steps with their frame counts: (name, file, frames)."""
    return [(name, source, frames) for (name, source), frames in zip(item.render.sections, item.step_frames)
            if name != CLOSING_SECTION]


def _write_steps(item: _Timed, stems: Sequence[Path], target: _Target) -> list[StepEntry]:
    """One scene's steps (its sections, pause to pause, but the closing fade), whose clips
    and posters are written: the captions within each and the manifest's entries."""
    fps = target.quality.fps
    steps = []
    step_start = 0
    for stem, (step_name, _, frames) in zip(stems, _steps(item), strict=True):
        step_captions = within(item.render.cues, step_start / fps, (step_start + frames) / fps)
        step_srt, step_vtt = _write_captions(stem, step_captions)
        steps.append(StepEntry(
            name=step_name, file=target.relative(stem.with_suffix(target.clip_format.extension)),
            poster=target.relative(stem.with_suffix(".png")),
            captions_srt=target.relative(step_srt), captions_vtt=target.relative(step_vtt),
            start=step_start / fps, duration=frames / fps, narration=[text for _, _, text in step_captions],
            numbers=step_numbers(item.render.numbers, step_name),
            formulas=item.render.formulas.get(step_name, []),
        ))
        step_start += frames
    return steps


#: The modules whose code writes the clips, steps, posters and lecture: a change in any
#: of them writes every one again instead of reusing an earlier run's.
_WRITER_SOURCES = ("pipeline.py", "video.py", "formats.py", "audio.py", "outputcache.py")


@functools.lru_cache(maxsize=None)
def _writer_fingerprint() -> bytes:
    import av

    digest = hashlib.sha256(f"av {av.__version__}".encode())
    for name in _WRITER_SOURCES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.digest()


def _file_digest(path: Path) -> bytes:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").digest()


def _scene_files_key(item: _Timed, media: Sequence[str], target: _Target) -> str:
    """A key of everything a scene's encoded files are made from: the movie and sections
    manim rendered (their bytes), the sound track, their names (the scene's number, its
    steps, the format), the frame rate, transparency, and the code that writes them."""
    digest = hashlib.sha256(_writer_fingerprint())
    digest.update(json.dumps([list(media), target.quality.fps, target.clip_format.name, target.transparent,
                              item.frames, item.step_frames]).encode())
    for path in [item.render.movie, *(source for _, source in item.render.sections)]:
        digest.update(_file_digest(path))
    digest.update(b"silent" if item.sound is None else np.ascontiguousarray(item.sound, dtype=np.float32).tobytes())
    return digest.hexdigest()


def _join_lecture(timed: list[_Timed], entries: list[ClipEntry], target: _Target, background: str,
                  reuse: OutputCache | None = None) -> Path:
    """``lecture.mp4``, the clips joined with their sound: by stream copy where the clip
    format allows (the sound too, when it is whole AAC frames), else re-encoded
    (transparent pixels over ``background``). With ``reuse``, an earlier run's lecture
    made of the same clips is linked instead."""
    from lessonkit.audio import AAC_FRAME

    lecture = target.folder / LECTURE_FILES["file"]
    fps = target.quality.fps
    copies = target.clip_format.joins_by_copy and not target.transparent
    # Clips whose sound is whole AAC frames (scenes that close with a fade are padded to
    # it) lend the lecture their sound as well as their pictures: nothing is encoded.
    voiced = bool(timed) and timed[0].sound is not None
    copies_sound = (copies and voiced and target.clip_format.name == "mp4"
                    and all(len(item.sound) % AAC_FRAME == 0 for item in timed))
    key = hashlib.sha256(json.dumps(["lecture", [item.key for item in timed], copies, copies_sound,
                                     None if copies else background]).encode()).hexdigest()
    if reuse is not None and reuse.fetch(key, target.folder, [lecture.name]):
        return lecture
    # The lecture's sound track, when it is encoded: the clips' tracks end to end.
    sound = np.concatenate([item.sound for item in timed]) if voiced and not copies_sound else None
    if copies_sound:
        join_clips([target.folder / entry.file for entry in entries], lecture, fps, copy_audio=True)
    elif copies:
        join_clips([item.render.movie for item in timed], lecture, fps, audio=sound)
    else:
        # WebM and MOV clips do not stream-copy into an MP4 that plays everywhere: re-encode.
        transcode_to_mp4([target.folder / entry.file for entry in entries], lecture, fps, background=background,
                         audio=sound)
    if reuse is not None:
        reuse.keep(key, target.folder, [lecture.name])
    return lecture


def _write_lecture_captions_and_chapters(entries: list[ClipEntry], folder: Path, duration: float) -> None:
    """The lecture's captions (each clip's, moved to its start) and its chapters, one per clip."""
    captions: list[Caption] = []
    for entry in entries:
        captions.extend(shift([(cue["start"], cue["end"], cue["text"]) for cue in entry.captions], entry.start))
    write_text(folder / LECTURE_FILES["captions_srt"], to_srt(captions))
    write_text(folder / LECTURE_FILES["captions_vtt"], to_vtt(captions))
    chapters = [(entry.start, entry.title) for entry in entries]
    write_text(folder / LECTURE_FILES["chapters"], chapters_text(chapters))
    write_text(folder / LECTURE_FILES["chapters_vtt"], chapters_vtt(chapters, duration))


def _write_manifest(entries: list[ClipEntry], lesson: Lesson, target: _Target, duration: float,
                    voiced: bool) -> dict[str, Any]:
    """``manifest.json``, every clip and step in order; returns what it wrote."""
    quality = target.quality
    manifest = {
        "lecture": {**LECTURE_FILES, "duration": duration,
                    "width": quality.width, "height": quality.height, "fps": quality.fps,
                    "title": lesson.lesson.title, "voice": lesson.voice.name if voiced else "none"},
        "clip_format": target.clip_format.name,
        "transparent": target.transparent,
        "clips": [asdict(entry) for entry in entries],
    }
    write_text(target.folder / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def _write_decks(manifest: dict[str, Any], folder: Path, theme: Theme, timed: Sequence[_Timed] = (),
                 reuse: OutputCache | None = None) -> None:
    """``slides.html``, ``transcript.html`` and ``lecture.pptx``, one slide per step. With
    ``reuse``, an earlier run's decks of the same manifest, theme and clips are linked
    (``lecture.pptx`` holds a copy of every step: writing it is most of the decks' time)."""
    import pptx

    from lessonkit import deck, transcript

    names = ["slides.html", "transcript.html", "lecture.pptx"]
    digest = hashlib.sha256(json.dumps(["decks", pptx.__version__, manifest, repr(theme),
                                        [item.key for item in timed]]).encode())
    for source in (Path(deck.__file__), Path(transcript.__file__), *sorted(_TEMPLATES.glob("*.html"))):
        digest.update(source.read_bytes())
    if reuse is not None and timed and reuse.fetch(digest.hexdigest(), folder, names):
        return
    deck.write_slides_html(manifest, folder, theme)
    transcript.write_transcript(manifest, folder, theme)
    deck.write_pptx(manifest, folder)
    if reuse is not None and timed:
        reuse.keep(digest.hexdigest(), folder, names)


#: The templates the decks are filled from.
_TEMPLATES = Path(__file__).parent / "templates"


#: The narration script (``render.py --script``): kept in --out when a render replaces it.
SCRIPT_FILES = ("narration.md", "narration.csv")


@dataclass(frozen=True)
class Line:
    """One line of the narration script: which scene says it, its id, its words."""

    scene: str
    title: str
    id: str
    text: str


def narration_script(scenes: Sequence[type], lesson: Lesson, cache_dir: Path = DEFAULT_CACHE_DIR) -> list[Line]:
    """Every line the lecture says, in order, with its numbers filled in: each scene is run
    without drawing a frame (manim's skip_animations), silently. Its formulas are
    typeset into the same cache the render uses, so the render does not typeset them again."""
    from manim import tempconfig

    from lessonkit.config import Lesson as LessonData
    from lessonkit.config import use_lesson

    data = lesson.to_dict()
    data["voice"]["name"] = "none"
    use_lesson(LessonData(data))
    lines: list[Line] = []
    cache_dir = Path(cache_dir).resolve()
    try:
        for scene_class in scenes:
            settings = {"media_dir": str(cache_dir), "tex_dir": str(cache_dir / "Tex" / scene_class.__name__),
                        "text_dir": str(cache_dir / "texts" / "script" / scene_class.__name__),
                        "dry_run": True, "progress_bar": "none", "verbosity": "WARNING"}
            # The scene's LaTeX folder is the render's: a render of it running at once would clash.
            with scene_cache_lock(cache_dir, scene_class.__name__), tempconfig(settings):
                scene = scene_class(skip_animations=True)
                scene.render()
            title = scene_class.title_for(lesson)
            lines.extend(Line(scene_class.__name__, title, utterance_id, text)
                         for utterance_id, text in scene.utterances)
    finally:
        use_lesson(None)
    return lines


def write_script(lines: Sequence[Line], out_dir: Path) -> tuple[Path, Path]:
    """The narration script for a teacher who records the voice: ``narration.md`` to read
    from and ``narration.csv``, one row per line with the file name its recording needs."""
    import csv
    import io

    from lessonkit.voices import RECORDING_EXTENSIONS

    markdown = ["# Narration script", "",
                "Record each line into its own file, named by its id (WAV, MP3, M4A or OGG), e.g. "
                f"`{lines[0].id}.wav`, all in one folder; then render with "
                "`render.py --recordings FOLDER`.", ""] if lines else ["# Narration script", ""]
    scene = None
    for line in lines:
        if line.scene != scene:
            scene = line.scene
            markdown += [f"## {line.title} ({line.scene})", ""]
        markdown += [f"**`{line.id}`**  ", line.text, ""]
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["scene", "id", "text", "recording"])
    for line in lines:
        writer.writerow([line.scene, line.id, line.text, f"{line.id}{RECORDING_EXTENSIONS[0]}"])
    md_path, csv_path = (Path(out_dir) / name for name in SCRIPT_FILES)
    write_text(md_path, "\n".join(markdown))
    write_text(csv_path, table.getvalue())
    return md_path, csv_path


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


def _render_changed(render_jobs: list[SceneJob], jobs: int, progress: Progress, cluster: Any = None,
                    parts: int = 1) -> dict[int, SceneRender]:
    """Render the scenes whose code, render settings or lesson values changed since a
    render stored in the cache (see :mod:`lessonkit.scenecache`); reuse the others."""
    reused = {job.index: hit for job in render_jobs if (hit := scenecache.lookup(job)) is not None}
    if reused:
        names = ", ".join(job.name for job in render_jobs if job.index in reused)
        progress(f"unchanged since an earlier render, reused: {names}")
    to_render = [job for job in render_jobs if job.index not in reused]
    # One pool of workers runs the formula batch's scenes and then renders them: each
    # worker starts and imports manim once.
    shared = cluster is None and parts == 1 and jobs > 1 and len(to_render) > 1
    pool = worker_pool(min(jobs, len(to_render))) if shared else None
    try:
        batch = None
        if cluster is None:
            # Workers on a cluster typeset into caches of their own: the batch would not reach them.
            batch = texbatch.prepare(to_render, jobs, progress, pool)
        if to_render:
            to_render = longest_first(to_render, to_render[0].cache_dir, batch.collect_seconds if batch else None)
        renders = _run_jobs(to_render, jobs, progress, cluster, parts, pool)
    finally:
        if pool is not None:
            # Its workers exit while the clips are written (after a failure they were stopped).
            pool.shutdown(wait=False, cancel_futures=True)
    if renders and parts == 1:
        record_times(to_render[0].cache_dir, list(renders.values()))
    for job in render_jobs:
        if job.index in renders:
            scenecache.store(job, renders[job.index], renders[job.index].reads)
    return {**renders, **reused}


def _run_jobs(render_jobs: list[SceneJob], jobs: int, progress: Progress, cluster: Any = None,
              parts: int = 1, pool: futures.ProcessPoolExecutor | None = None) -> dict[int, SceneRender]:
    """Render ``render_jobs``: on a Dask ``cluster``, or in ``jobs`` local processes (those
    of ``pool`` if given); scenes split into up to ``parts`` segments each (see
    :mod:`lessonkit.segments`)."""
    if not render_jobs:
        return {}
    run_dir = start_run(render_jobs[0].cache_dir)
    render_jobs = [replace(job, run_dir=run_dir) for job in render_jobs]
    total = len(render_jobs)
    renders: dict[int, SceneRender] = {}
    if cluster is not None:
        client = segments.connect(cluster)
        return segments.run(render_jobs, segments.DaskPool(client, render_jobs[0].cache_dir, run_dir), parts,
                            progress)
    if parts > 1:
        with worker_pool(jobs) as pool:
            try:
                return segments.run(render_jobs, segments.LocalPool(pool), parts, progress)
            except BaseException:
                _terminate(pool)
                raise
    if pool is None and (jobs == 1 or total == 1):
        # One at a time, or one in all (an edit of one scene): in this process, which has
        # imported manim already; a worker would import it again (seconds).
        for job in render_jobs:
            progress(f"[{len(renders)}/{total}] rendering {job.name}")
            try:
                renders[job.index] = render_scene(job)
            except Exception as error:
                raise RenderError(f"scene {job.name} failed: {type(error).__name__}: {error}") from error
            progress(f"[{len(renders)}/{total}] {job.name} done in {renders[job.index].seconds:.1f} s")
        return renders

    own = pool is None
    if own:
        pool = worker_pool(min(jobs, total))
    pending: dict[futures.Future, SceneJob] = {}
    try:
        pending = {pool.submit(_render_in_worker, job): job for job in render_jobs}
        progress(f"[0/{total}] rendering {total} scenes in {min(jobs, total)} processes")
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
    finally:
        if own:
            pool.shutdown()
    return renders


