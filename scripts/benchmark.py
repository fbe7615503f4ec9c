#!/usr/bin/env python3
"""Measure where render time goes, so performance claims rest on numbers.

    python scripts/benchmark.py                    # readouts, 1080p60 (about a minute)
    python scripts/benchmark.py --quality low      # quicker
    python scripts/benchmark.py narration          # synthesis of the whole narration vs a 720p render

1. Live readouts: 1000 updates of manim's DecimalNumber.set_value against LiveNumber.
2. A 6-second tangent-tracing scene rendered with each readout (caching off), so the
   difference shows in a whole render, encoding included.
3. The same scene encoded with x264's presets: encoding dominates at 1080p60.
4. ``narration``: every line of the lecture synthesized from an empty voice cache, by
   each offline voice, next to the whole lecture rendered at 720p30 from an empty cache
   (the issue's target: synthesis under 10% of that render).
"""

from __future__ import annotations

import argparse
import tempfile
import time

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


def render_benchmark_scene(quality_name: str, readout: str, encoder_options: dict[str, str]) -> tuple[float, int]:
    """Seconds to render the tracing scene, and the clip's size in bytes."""
    quality = QUALITIES[quality_name]
    TracingBenchmark.readout_kind = readout
    with tempfile.TemporaryDirectory() as media, tempconfig({
        "pixel_width": quality.width, "pixel_height": quality.height, "frame_rate": quality.fps,
        "media_dir": media, "disable_caching": True, "progress_bar": "none", "verbosity": "WARNING",
        "video_encoder_options": encoder_options,
    }):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="?", choices=["readouts", "narration"], default="readouts")
    parser.add_argument("--quality", choices=list(QUALITIES), default="high")
    parser.add_argument("--no-render", action="store_true", help="narration: skip the 720p render")
    args = parser.parse_args()
    use_lesson(None)
    if args.what == "narration":
        narration_benchmark(render=not args.no_render)
        return
    readout_microbenchmark()
    scene_benchmark(args.quality)


if __name__ == "__main__":
    main()
