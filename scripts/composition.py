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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenes", nargs="*", help="scene names (default: the whole lecture)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
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
    print(f"median fill over {len(fills)} steps: {statistics.median(fills):.0%} (target {MEDIAN_FILL:.0%}); "
          f"lowest {min(fills):.0%} (target {MIN_STEP_FILL:.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
