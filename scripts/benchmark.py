#!/usr/bin/env python3
"""Measure where render time goes, so performance claims rest on numbers.

    python scripts/benchmark.py                    # readouts, 1080p60 (about a minute)
    python scripts/benchmark.py --quality low      # quicker
    python scripts/benchmark.py narration          # synthesis of the whole narration vs a 720p render
    python scripts/benchmark.py lecture            # the whole lecture: plain manim vs render.py (minutes)
    python scripts/benchmark.py lecture --high     # ... and a measured 1080p60 render (slow)
    python scripts/benchmark.py holds              # a held picture's encoding, per frame

1. Live readouts: 1000 updates of manim's DecimalNumber.set_value against LiveNumber.
2. A 6-second tangent-tracing scene rendered with each readout (caching off), so the
   difference shows in a whole render, encoding included.
3. The same scene encoded with x264's presets: encoding dominates at 1080p60.
4. ``narration``: every line of the lecture synthesized from an empty voice cache, by
   each offline voice, next to the whole lecture rendered at 720p30 from an empty cache
   (the issue's target: synthesis under 10% of that render).
5. ``lecture``: the whole lecture from empty caches, side by side: plain ``manim -ql``
   over the scenes one after another, ``render.py --quality low`` with 1 and 2 jobs (2
   jobs, the first preview, three times by default, as the machine's load moves it: the
   table gives the median and each run), an unchanged re-render, a one-key edit, a render
   split into segments (whose measured job times give the critical-path estimate on 4, 16
   and 64 workers), the 1080p60 encoding floor (frames x measured per-frame CPU cost, over
   two cores), and peak memory of a worker at 1080p (and 4K with ``--4k``). Prints a
   markdown table, and the machine's load average before and after the runs.
6. ``holds``: one picture held 300 frames, written as manim writes it (converted and
   encoded every frame) and as ``lessonkit.heldframes`` does (stored once): CPU per frame.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from manim import RIGHT, DecimalNumber, Line, ValueTracker, tempconfig, linear

from lessonkit.components import ActivationPlot, LabelledReadout
from lessonkit.config import use_lesson
from lessonkit.pipeline import QUALITIES
from lessonkit.scene import LessonScene
from mathcore import sigmoid_prime


def time_updates(update, count: int = 1000) -> float:
    start = time.perf_counter()
    for value in np.linspace(-6, 6, count):
        update(float(value))
    return (time.perf_counter() - start) / count


def readout_microbenchmark() -> None:
    decimal = DecimalNumber(0.0, num_decimal_places=3)
    live_value = {"z": 0.0}
    live = LabelledReadout("slope =", lambda: sigmoid_prime(live_value["z"]))

    def update_live(z: float) -> None:
        live_value["z"] = z
        live.number.refresh()

    per_decimal = time_updates(lambda z: decimal.set_value(sigmoid_prime(z)))
    per_live = time_updates(update_live)
    print(f"readout update: DecimalNumber.set_value {per_decimal * 1e3:.2f} ms, "
          f"LiveNumber {per_live * 1e3:.3f} ms ({per_decimal / per_live:.0f}x)")


class TracingBenchmark(LessonScene):
    """A tangent traced for 6 seconds with a live slope readout of the chosen kind."""

    readout_kind = "live"
    lesson_key = "tangent_trace"

    def construct(self) -> None:
        plot = ActivationPlot("sigmoid", x_length=9, y_length=3.5, theme=self.theme)
        z = ValueTracker(-6)
        tangent = Line(color=self.theme.highlight)
        tangent.add_updater(lambda m: m.put_start_and_end_on(plot.point_at(z.get_value()) - RIGHT,
                                                             plot.point_at(z.get_value()) + RIGHT))
        if self.readout_kind == "decimal":
            readout = DecimalNumber(0, num_decimal_places=3).to_corner(RIGHT)  # manim's usual way
            readout.add_updater(lambda m: m.set_value(sigmoid_prime(z.get_value())))
        else:
            readout = LabelledReadout("s =", lambda: sigmoid_prime(z.get_value())).to_corner(RIGHT)
        self.add(plot, tangent, readout)
        self.play(z.animate.set_value(6), run_time=6, rate_func=linear)


def scene_settings(quality, media: str, **extra: Any) -> dict[str, Any]:
    """manim's settings for rendering a benchmark scene at ``quality`` into ``media``, caching off."""
    return {"pixel_width": quality.width, "pixel_height": quality.height, "frame_rate": quality.fps,
            "media_dir": media, "disable_caching": True, "progress_bar": "none", "verbosity": "WARNING", **extra}


def render_benchmark_scene(quality_name: str, readout: str, encoder_options: dict[str, str]) -> tuple[float, int]:
    """Seconds to render the tracing scene, and the clip's size in bytes."""
    quality = QUALITIES[quality_name]
    TracingBenchmark.readout_kind = readout
    with tempfile.TemporaryDirectory() as media, tempconfig(
            scene_settings(quality, media, video_encoder_options=encoder_options)):
        start = time.perf_counter()
        scene = TracingBenchmark()
        scene.render()
        seconds = time.perf_counter() - start
        return seconds, scene.manager.file_writer.movie_file_path.stat().st_size


def scene_benchmark(quality_name: str) -> None:
    quality = QUALITIES[quality_name]
    default = {"crf": "23"}
    decimal, _ = render_benchmark_scene(quality_name, "decimal", default)
    live, _ = render_benchmark_scene(quality_name, "live", default)
    print(f"6 s tracing scene at {quality.folder}: DecimalNumber {decimal:.1f} s, "
          f"LiveNumber {live:.1f} s ({decimal / live:.2f}x)")
    for preset in ("medium", "faster", "veryfast"):
        seconds, size = render_benchmark_scene(quality_name, "live", {**default, "preset": preset})
        print(f"  x264 preset {preset:>8}: {seconds:.1f} s, {size / 1e3:.0f} kB")


def narration_benchmark(render: bool) -> None:
    """Seconds to synthesize every line of the lecture (cold cache), per voice, and a 720p render."""
    import subprocess
    import sys
    from pathlib import Path

    from lessonkit.config import load_lesson
    from lessonkit.narration import Narrator
    from lessonkit.pipeline import narration_script
    from lessonkit.voices import ENGINES, missing_programs
    from scenes import LECTURE

    lesson = load_lesson()
    with tempfile.TemporaryDirectory() as cache:
        lines = narration_script(LECTURE, lesson, Path(cache) / "manim")
    print(f"narration: {len(lines)} lines, {sum(len(line.text.split()) for line in lines)} words")
    for name in ENGINES:
        if missing_programs(name):
            print(f"  {name:>9}: not installed")
            continue
        with tempfile.TemporaryDirectory() as cache:
            narrator = Narrator(voice=name, rate=1.0, pause=0.6, cache_dir=Path(cache),
                                pronunciations={p["word"]: p["say"] for p in lesson.voice.pronunciations})
            start = time.perf_counter()
            speech = sum(narrator.speak(line.id, line.text, reading_time=0).duration for line in lines)
            seconds = time.perf_counter() - start
        print(f"  {name:>9}: {seconds:.1f} s to synthesize {speech:.0f} s of speech "
              f"({seconds / speech:.3f} s per second of speech)")
    if render:
        with tempfile.TemporaryDirectory() as work:
            start = time.perf_counter()
            subprocess.run([sys.executable, "render.py", "--quality", "medium", "--out", f"{work}/out",
                            "--cache", f"{work}/cache"], check=True, capture_output=True)
            print(f"  whole lecture at 720p30, empty caches, {lesson.voice.name} voice included: "
                  f"{time.perf_counter() - start:.0f} s")


# --- the whole lecture ---------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
#: Segment and plan times as the pipeline reports them (lessonkit.segments.run).
PLAN_LINE = re.compile(r"plan (\w+): .*, ([\d.]+) s$")
SEGMENT_LINE = re.compile(r"segment (\w+) \d+/\d+: ([\d.]+) s$")
SCENE_LINE = re.compile(r"\[\d+/\d+\] (\w+) done in ([\d.]+) s$")
START_LINE = re.compile(r"\[0/\d+\] rendering")
REUSED_LINE = re.compile(r"unchanged since an earlier render, reused: (.*)$")


@dataclass
class Run:
    """One command timed: its wall time, its stderr lines with the second each arrived, its peak memory."""

    label: str
    seconds: float
    lines: list[tuple[float, str]]
    peak_mb: float = 0.0

    def matches(self, pattern: re.Pattern) -> list[re.Match]:
        return [m for _, line in self.lines if (m := pattern.search(line))]

    def stamp(self, pattern: re.Pattern, last: bool = False) -> float:
        stamps = [t for t, line in self.lines if pattern.search(line)]
        return (stamps[-1] if last else stamps[0]) if stamps else 0.0


#: Runs a command and prints the peak RSS of it and its descendants (RUSAGE_CHILDREN, kB on Linux).
PEAK_WRAPPER = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")


def timed(label: str, command: list[str], env: dict | None = None) -> Run:
    """Run ``command`` from the project folder; its wall time, stderr lines and peak memory."""
    import subprocess

    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", PEAK_WRAPPER, *command], cwd=ROOT, text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    lines = [(time.perf_counter() - start, line.rstrip()) for line in process.stderr]
    if process.wait() != 0:
        tail = "\n".join(line for _, line in lines[-5:])
        raise SystemExit(f"benchmark: {label} failed:\n{tail}")
    seconds = time.perf_counter() - start
    peak_kb = float(lines.pop()[1])
    print(f"  {label}: {seconds:.1f} s", file=sys.stderr, flush=True)
    return Run(label, seconds, lines, peak_kb / 1024)


def render_py(label: str, work: Path, cache: str, *options: str) -> Run:
    return timed(label, [sys.executable, "render.py", "--out", str(work / "out"), "--cache", str(work / cache),
                         *options])


def plain_manim(work: Path) -> Run:
    """Every scene with the plain manim CLI at -ql, one after another, as a manim user would."""
    from scenes import LECTURE

    commands = []
    for scene in LECTURE:
        path = Path(sys.modules[scene.__module__].__file__).relative_to(ROOT)
        commands.append(f"subprocess.run([sys.executable, '-m', 'manim', '-ql', '--progress_bar', 'none', "
                        f"'--media_dir', {str(work / 'plain')!r}, {str(path)!r}, {scene.__name__!r}], check=True)")
    script = "import subprocess, sys\n" + "\n".join(commands)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return timed(f"plain manim -ql, {len(LECTURE)} scenes one after another", [sys.executable, "-c", script], env)


def makespan(tasks: dict[str, tuple[float | None, list[float]]], workers: int) -> float:
    """Wall time of jobs on ``workers`` workers, longest ready job first: each scene's plan
    (if any), then its segments (ready when the plan ends), or the whole scene."""
    ready = []
    for name, (plan, parts) in tasks.items():
        ready += [(0.0, plan, name)] if plan is not None else [(0.0, seconds, None) for seconds in parts]
    free = [0.0] * workers
    end = 0.0
    while ready:
        worker = min(range(workers), key=free.__getitem__)
        now = max(free[worker], min(at for at, _, _ in ready))
        job = max((item for item in ready if item[0] <= now), key=lambda item: item[1])
        ready.remove(job)
        free[worker] = finish = now + job[1]
        end = max(end, finish)
        if job[2] is not None:  # a plan: its segments are ready now
            ready += [(finish, seconds, None) for seconds in tasks[job[2]][1]]
    return end


def estimate(run: Run, tasks: dict[str, tuple[float | None, list[float]]], workers: int) -> float:
    """``run``'s start-up and finishing (clips, steps, lecture, decks) plus the jobs' makespan."""
    started = run.stamp(START_LINE)
    finishing = run.seconds - run.stamp(SCENE_LINE, last=True)
    return started + makespan(tasks, workers) + finishing


def per_frame_costs(runs: int = 3) -> tuple[float, float, int]:
    """CPU seconds per frame at 1080p60 of Cairo's drawing alone and of drawing plus x264
    (colour conversion and encoding), from the 6 s tracing scene (LaTeX typeset beforehand):
    the median of ``runs`` renders of each, in turns; and its frames.

    CPU time, of all of the process's threads, not wall time: manim encodes on a thread of
    its own and x264 on several, so a render's wall time already overlaps drawing and
    encoding, and a wall-time floor divided among two workers counted that overlap twice.
    (Until 2026-12-03 the drawing-alone runs asked manim for ``write_to_movie=False``, a
    setting manim 0.22 no longer has: they encoded too, which is why drawing alone once
    measured more than drawing and encoding.)"""
    quality = QUALITIES["high"]
    TracingBenchmark.readout_kind = "live"
    seconds: dict[str, list[float]] = {"cairo": [], "cairo+x264": []}
    with tempfile.TemporaryDirectory() as media:
        plan = [("warm-up", QUALITIES["low"], False)] + [("cairo", quality, False), ("cairo+x264", quality, True)] * runs
        for label, size, write in plan:
            # No movie: the frames are drawn and dropped (manim 0.22 has no write_to_movie).
            with tempconfig(scene_settings(size, media, format="mp4" if write else "none")):
                start = time.process_time()
                TracingBenchmark().render()
                seconds.setdefault(label, []).append(time.process_time() - start)
    frames = 6 * quality.fps
    return float(np.median(seconds["cairo"])) / frames, float(np.median(seconds["cairo+x264"])) / frames, frames


class _HeldPicture(TracingBenchmark):
    """The tracing scene, keeping its picture at the end of the trace (before the closing
    fade, which ends every scene on the bare background)."""

    def construct(self) -> None:
        super().construct()
        self.picture = self.renderer.get_frame()


def held_frame_benchmark(quality_name: str, frames: int = 300, runs: int = 3) -> None:
    """CPU per frame of one picture held for ``frames`` frames, through manim's encoder as
    manim writes it (converted and encoded each frame) and as :mod:`lessonkit.heldframes`
    does (converted once, stored once): the median of ``runs`` each, in turns. Both files
    must last ``frames`` frames."""
    from fractions import Fraction

    from manim._config.video_encoder import VideoEncoderSpec
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    from lessonkit import heldframes
    from lessonkit.jobs import encoder_settings
    from lessonkit.video import probe

    quality = QUALITIES[quality_name]
    TracingBenchmark.readout_kind = "live"
    options = encoder_settings(quality, "mp4", False).get("video_encoder_options", {})
    spec = VideoEncoderSpec("mp4", "libx264", "yuv420p", quality.width, quality.height, Fraction(quality.fps),
                            tuple(sorted(options.items())))
    ways = {"manim": (heldframes._manims_write_frame, heldframes._manims_finish),
            "once": (heldframes._write_held_frame_once, heldframes._finish_with_holds)}
    with tempfile.TemporaryDirectory() as media:
        with tempconfig(scene_settings(quality, media, format="none")):
            scene = _HeldPicture()
            scene.render()
            picture = scene.picture
        seconds: dict[str, list[float]] = {label: [] for label in ways}
        for _ in range(runs):
            for label, (write, finish) in ways.items():
                target = Path(media) / f"{label}.mp4"
                start = time.process_time()
                encoder = VideoSegmentEncoder(target=target, spec=spec)
                write(encoder, picture, repeat=frames)
                finish(encoder)
                seconds[label].append(time.process_time() - start)
        infos = {label: probe(Path(media) / f"{label}.mp4", fps=quality.fps) for label in ways}
        sizes = {label: (Path(media) / f"{label}.mp4").stat().st_size for label in ways}
    manim, once = (float(np.median(seconds[label])) / frames for label in ways)
    print(f"a picture held {frames} frames at {quality.folder}, CPU per frame (median of {runs}): "
          f"manim {manim * 1e3:.2f} ms ({infos['manim'].stored} pictures stored, {sizes['manim']} bytes), "
          f"once {once * 1e3:.2f} ms ({infos['once'].stored} stored, {sizes['once']} bytes); "
          f"both {frames} frames long: {infos['manim'].frames == infos['once'].frames == frames}")


def median_run(runs: list[Run]) -> Run:
    """The run with the median wall time (the lower of the two middle ones for an even count)."""
    return sorted(runs, key=lambda run: run.seconds)[(len(runs) - 1) // 2]


def spread(runs: list[Run]) -> str:
    """The median wall time of ``runs``, and each of them in the order they ran."""
    median = f"{median_run(runs).seconds:.1f} s"
    if len(runs) == 1:
        return median
    return f"{median} (median of {len(runs)}: {', '.join(f'{run.seconds:.1f}' for run in runs)} s)"


def first_previews(work: Path, count: int) -> list[Run]:
    """``count`` first previews, each from empty caches; the last one's cache is ``cache-2``."""
    import shutil

    runs = []
    for index in range(count):
        cache = "cache-2" if index == count - 1 else f"cache-2-{index}"
        runs.append(render_py("render.py --quality low --jobs 2", work, cache, "--quality", "low", "--jobs", "2"))
        if cache != "cache-2":
            shutil.rmtree(work / cache)
    return runs


def lecture_benchmark(high: bool, uhd: bool, segments: int, memory_scene: str, previews: int = 3) -> None:
    """The whole lecture from empty caches, each way; a markdown table on stdout. The first
    preview (``--jobs 2``) runs ``previews`` times: the table gives their median and each."""
    import json
    import platform

    rows: list[tuple[str, str, str]] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="lecture-benchmark-") as folder:
        work = Path(folder)
        print("benchmark: the whole lecture, from empty caches (several minutes)", file=sys.stderr)
        plain = plain_manim(work)
        one = render_py("render.py --quality low --jobs 1", work, "cache-1", "--quality", "low", "--jobs", "1")
        two_runs = first_previews(work, previews)
        two = median_run(two_runs)
        again = render_py("unchanged re-render", work, "cache-2", "--quality", "low", "--jobs", "2")
        edit = render_py("--set practice.z=4", work, "cache-2", "--quality", "low", "--jobs", "2",
                         "--set", "practice.z=4")
        split = render_py(f"--segments {segments}", work, "cache-s", "--quality", "low", "--jobs", "2",
                          "--segments", str(segments))
        duration = json.loads((work / "out" / "manifest.json").read_text())["lecture"]["duration"]
        cairo, total, _ = per_frame_costs()
        memory = render_py(f"1080p60 {memory_scene}, --jobs 1", work, "cache-m", "--quality", "high",
                           "--jobs", "1", "--scene", memory_scene)
        memory_4k = (render_py(f"4K {memory_scene}, --jobs 1", work, "cache-4k", "--quality", "4k", "--jobs", "1",
                               "--scene", memory_scene) if uhd else None)
        full_high = render_py("render.py --quality high --jobs 2", work, "cache-h", "--quality", "high",
                              "--jobs", "2") if high else None

    def ratio(run: Run) -> str:
        return f"{plain.seconds / run.seconds:.2f}x"

    rows.append((plain.label + " (the anchor)", f"{plain.seconds:.0f} s", "1.00x"))
    rows.append((f"`{one.label}`", f"{one.seconds:.0f} s", ratio(one)))
    rows.append((f"`{two.label}` (the first preview)", spread(two_runs), ratio(two)))
    rows.append(("the same again, nothing changed", f"{again.seconds:.1f} s", ratio(again)))
    rerendered = [m.group(1) for m in edit.matches(SCENE_LINE)]
    rows.append((f"one-key edit `--set practice.z=4` (re-rendered: {', '.join(rerendered) or 'none'})",
                 f"{edit.seconds:.1f} s", ratio(edit)))
    rows.append((f"`--jobs 2 --segments {segments}`", f"{split.seconds:.0f} s", ratio(split)))

    whole = {m.group(1): (None, [float(m.group(2))]) for m in one.matches(SCENE_LINE)}
    plans = {m.group(1): float(m.group(2)) for m in split.matches(PLAN_LINE)}
    parts: dict[str, list[float]] = {}
    for m in split.matches(SEGMENT_LINE):
        parts.setdefault(m.group(1), []).append(float(m.group(2)))
    pieces = {name: (plans.get(name), seconds) for name, seconds in parts.items()}
    longest = max(whole.items(), key=lambda item: item[1][1][0])
    for workers in (1, 2, 4, 16, 64):
        measured = {1: f"measured {one.seconds:.0f} s", 2: f"measured {two.seconds:.0f} s"}.get(workers, "")
        rows.append((f"estimate on {workers} worker(s): whole scenes / scenes in up to {segments} segments",
                     f"{estimate(one, whole, workers):.0f} s / {estimate(split, pieces, workers):.0f} s", measured))
    frames_1080 = round(duration * 60)
    rows.append(("1080p60 per frame: Cairo drawing / drawing + colour conversion + x264",
                 f"{cairo * 1e3:.1f} ms / {total * 1e3:.1f} ms", ""))
    rows.append((f"1080p60 encoding floor: {frames_1080} frames ({duration:.0f} s) x {total * 1e3:.1f} ms, on 2 workers",
                 f"{frames_1080 * total / 2:.0f} s", ""))
    if full_high is not None:
        rows.append(("`render.py --quality high --jobs 2`, measured", f"{full_high.seconds:.0f} s",
                     f"{full_high.seconds / (frames_1080 * total / 2):.2f}x the floor"))
    rows.append((f"peak memory of a worker at 1080p60 ({memory_scene})", f"{memory.peak_mb:.0f} MB", ""))
    if memory_4k is not None:
        rows.append((f"peak memory of a worker at 4K ({memory_scene})", f"{memory_4k.peak_mb:.0f} MB", ""))
    if full_high is not None:
        rows.append(("peak memory of any process, whole lecture at 1080p60, --jobs 2", f"{full_high.peak_mb:.0f} MB", ""))

    print(f"Machine: {platform.node()}, {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}; longest scene {longest[0]} ({longest[1][1][0]:.0f} s at --jobs 1); "
          f"load average {load_before:.2f} before the runs, {os.getloadavg()[0]:.2f} after (1 minute); "
          f"{time.strftime('%Y-%m-%d %H:%M %Z')}")
    print()
    print("| run | wall time | speed-up over plain manim |")
    print("|---|---|---|")
    for label, value, note in rows:
        print(f"| {label} | {value} | {note} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="?", choices=["readouts", "narration", "lecture", "holds"], default="readouts")
    parser.add_argument("--quality", choices=list(QUALITIES), default="high")
    parser.add_argument("--no-render", action="store_true", help="narration: skip the 720p render")
    parser.add_argument("--high", action="store_true", help="lecture: also render the whole lecture at 1080p60")
    parser.add_argument("--4k", action="store_true", dest="uhd", help="lecture: also peak memory at 4K")
    parser.add_argument("--segments", type=int, default=4, help="lecture: segments per scene for the split run")
    parser.add_argument("--memory-scene", default="TangentTrace", help="lecture: the scene whose peak memory is measured")
    parser.add_argument("--previews", type=int, default=3,
                        help="lecture: first previews (--jobs 2, empty caches) to run; the table gives their median")
    args = parser.parse_args()
    use_lesson(None)
    if args.what == "lecture":
        if args.previews < 1:
            parser.error("--previews must be 1 or more")
        lecture_benchmark(high=args.high, uhd=args.uhd, segments=args.segments, memory_scene=args.memory_scene,
                          previews=args.previews)
        return
    if args.what == "holds":
        held_frame_benchmark(args.quality)
        return
    if args.what == "narration":
        narration_benchmark(render=not args.no_render)
        return
    readout_microbenchmark()
    scene_benchmark(args.quality)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        # The runs' temporary folders are already removed; the table is printed only at the end.
        print("benchmark: interrupted; no table was printed", file=sys.stderr)
        sys.exit(130)
