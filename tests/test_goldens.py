"""Golden frames: the last frame of every scene, compared with stored control data.

manim's own ``frames_comparison`` skips every test on Debian 12's Cairo (1.16; it wants
1.18), and a skipped golden test guards nothing. This is the same check, done directly:
render the scene's final frame with animations skipped and compare it pixel by pixel,
with a small tolerance for anti-aliasing noise.

Regenerate after an intended visual change with ``pytest tests/test_goldens.py --set_test``,
then look at the PNGs it writes (tests/control_data/lecture/) before committing. A missing
control file fails the test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from manim import tempconfig
from PIL import Image

from lessonkit.config import load_lesson, use_lesson
from scenes import LECTURE
from tests.conftest import TINY

CONTROL_DIR = Path(__file__).parent / "control_data" / "lecture"
#: A pixel channel may differ by this much (anti-aliasing)...
CHANNEL_TOLERANCE = 8
#: ...and this share of channels may differ by more (a few glyph edges).
MISMATCH_TOLERANCE = 2e-4


def render_last_frame(scene_class: type, media_dir: Path) -> np.ndarray:
    """The scene's last beat's picture: without the fade to the background that closes it."""
    use_lesson(load_lesson(overrides=["pacing.closing_seconds=0"]))
    settings = {**TINY, "media_dir": str(media_dir), "dry_run": True,
                "progress_bar": "none", "verbosity": "WARNING"}
    try:
        with tempconfig(settings):
            scene = scene_class(skip_animations=True)
            scene.render()
            return np.array(scene.renderer.get_frame())
    finally:
        use_lesson(None)


@pytest.mark.parametrize("scene_class", LECTURE, ids=lambda c: c.__name__)
def test_last_frame_matches_golden(scene_class, media_dir, tmp_path, request):
    frame = render_last_frame(scene_class, media_dir)
    # PNG is lossless, so the control data is also a picture anyone can open.
    control = CONTROL_DIR / f"{scene_class.__name__}.png"
    if request.config.getoption("--set_test"):
        CONTROL_DIR.mkdir(parents=True, exist_ok=True)
        Image.fromarray(frame).save(control)
        return
    assert control.exists(), f"no golden frame {control}; create it with --set_test"
    expected = np.asarray(Image.open(control))
    assert frame.shape == expected.shape
    differs = np.abs(frame.astype(int) - expected.astype(int)) > CHANNEL_TOLERANCE
    if differs.mean() > MISMATCH_TOLERANCE:
        diff_path = tmp_path / f"{scene_class.__name__}-diff.png"
        Image.fromarray((differs.any(axis=2) * 255).astype(np.uint8)).save(diff_path)
        pytest.fail(f"{scene_class.__name__}: {differs.mean():.2%} of pixel values changed; differing pixels "
                    f"in {diff_path}")
