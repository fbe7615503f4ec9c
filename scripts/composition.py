"""Print every step's composition (issue 10): the share of the room below the title that
the content fills, and the digit heights at 1080p of its numbers.

    .venv/bin/python scripts/composition.py [SceneName ...] [--set KEY=VALUE ...]

Renders each scene's code with animations skipped (quick) and prints one row per step,
then the median fill over all steps.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lessonkit.layout import MEDIAN_FILL, MIN_NARRATED_DIGIT_PX, MIN_STEP_FILL, MIN_TICK_DIGIT_PX  # noqa: E402
from scenes import LECTURE  # noqa: E402
from tests.conftest import render_tiny  # noqa: E402


def save_posters(folder: Path) -> None:
    """Make every scene also save each step's last frame (Scene_step.png) into ``folder``."""
    from PIL import Image

    from lessonkit.scene import LessonScene

    folder.mkdir(parents=True, exist_ok=True)
    measure = LessonScene._measure_step

    def measure_and_save(scene) -> None:
        measure(scene)
        scene.renderer.update_frame(scene, ignore_skipping=True)
        Image.fromarray(scene.renderer.get_frame()).save(folder / f"{type(scene).__name__}_{scene._beat_name}.png")

    LessonScene._measure_step = measure_and_save


def contact_sheet(folder: Path, columns: int = 5) -> None:
    """contact.png: every step poster in ``folder``, in the order they were written."""
    from PIL import Image

    posters = sorted((p for p in folder.glob("*_*.png")), key=lambda p: p.stat().st_mtime)
    if not posters:
        return
    thumbs = [Image.open(p).resize((427, 240)) for p in posters]
    rows = -(-len(thumbs) // columns)
    sheet = Image.new("RGB", (columns * 431, rows * 244), "gray")
    for k, thumb in enumerate(thumbs):
        sheet.paste(thumb, ((k % columns) * 431, (k // columns) * 244))
    sheet.save(folder / "contact.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenes", nargs="*", help="scene names (default: the whole lecture)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--posters", type=Path, help="also write each step's last frame here, and a contact sheet")
    args = parser.parse_args()
    if args.posters:
        save_posters(args.posters)
    chosen = [s for s in LECTURE if not args.scenes or s.__name__ in args.scenes]
    fills = []
    print(f"{'step':42} {'fill':>6} {'narrated px':>12} {'tick px':>8}")
    with tempfile.TemporaryDirectory() as media:
        for scene_class in chosen:
            scene = render_tiny(scene_class, Path(media), args.set, skip_animations=True)
            for layout in scene.step_layouts.values():
                fills.append(layout.fill)
                narrated = "-" if layout.narrated_digit_px is None else f"{layout.narrated_digit_px:.0f}"
                tick = "-" if layout.tick_digit_px is None else f"{layout.tick_digit_px:.0f}"
                flag = " <" if (layout.fill < MIN_STEP_FILL or (layout.narrated_digit_px or 99) < MIN_NARRATED_DIGIT_PX
                               or (layout.tick_digit_px or 99) < MIN_TICK_DIGIT_PX) else ""
                print(f"{scene_class.__name__ + '.' + layout.step:42} {layout.fill:6.0%} {narrated:>12} {tick:>8}{flag}")
            for problem in scene.layout_problems:
                print("   layout:", problem)
    if args.posters:
        contact_sheet(args.posters)
    print(f"median fill over {len(fills)} steps: {statistics.median(fills):.0%} (target {MEDIAN_FILL:.0%}); "
          f"lowest {min(fills):.0%} (target {MIN_STEP_FILL:.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
