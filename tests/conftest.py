"""Shared fixtures: tiny scene renders, and the options of manim's golden-frame tests."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pytest

from lessonkit.config import load_lesson, use_lesson

ROOT = Path(__file__).resolve().parent.parent

# 854 pixels wide, not fewer: Pango wraps Text at the pixel width, so a narrower test
# render would wrap titles that the lecture shows on one line. Two frames a second
# keep it quick.
TINY = {"pixel_width": 854, "pixel_height": 480, "frame_rate": 2}


def pytest_addoption(parser: pytest.Parser) -> None:
    # manim ships frames_comparison but no pytest plugin registering its options.
    parser.addoption("--set_test", action="store_true", default=False,
                     help="write golden frames instead of comparing with them")
    parser.addoption("--show_diff", action="store_true", default=False,
                     help="show a picture of a golden frame's difference")


def render_tiny(scene_class: type, media_dir: Path, overrides: Iterable[str] = (), *, config_path: Path | None = None,
                write_movie: bool = True, skip_animations: bool = False):
    """Render ``scene_class`` small and fast under the lesson ``config_path`` (default: the
    default lesson) with ``overrides``; return the scene. ``skip_animations`` runs the
    scene's code and draws only its final frame: quickest, for checking what it shows."""
    from manim import tempconfig

    use_lesson(load_lesson(config_path, overrides=list(overrides)))
    try:
        settings = {**TINY, "media_dir": str(media_dir), "progress_bar": "none", "verbosity": "WARNING",
                    "dry_run": skip_animations or not write_movie}  # dry_run: manim writes no movie
        with tempconfig(settings):
            scene = scene_class(skip_animations=skip_animations)
            scene.render()
        return scene
    finally:
        use_lesson(None)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One manim media folder for the session (its LaTeX cache is shared by the tests)."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def lecture_scenes(media_dir: Path) -> dict[str, object]:
    """Every scene of the lecture rendered once, tiny, with the default lesson."""
    from scenes import LECTURE

    return {scene.__name__: render_tiny(scene, media_dir) for scene in LECTURE}


def _test_quality():
    from lessonkit.pipeline import Quality

    return Quality("test", 854, 480, 4)


TEST_QUALITY = _test_quality()


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory) -> Path:
    """The cache tiny_lecture rendered into."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def tiny_lecture(tmp_path_factory, tiny_cache):
    """A two-scene lecture rendered through the pipeline (2 workers), with its decks."""
    from lessonkit.pipeline import render_lecture
    from scenes import KeyFormula, LearningGoal

    out = tmp_path_factory.mktemp("out")
    result = render_lecture([LearningGoal, KeyFormula], load_lesson(), out, quality=TEST_QUALITY, jobs=2,
                            cache_dir=tiny_cache)
    return out, result


def stand_in_deck(folder: Path, extension: str = ".mp4", title: str = "A & B", narration: str = "A line") -> dict:
    """A manifest of one clip of one step with files in ``extension`` (``.mp4``, ``.gif``),
    stand-ins that the decks embed but do not decode; for quick tests of the decks."""
    from PIL import Image

    clip, poster = f"clips/01-Scene/01-step{extension}", "clips/01-Scene/01-step.png"
    (folder / "clips" / "01-Scene").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 9), "black").save(folder / poster)
    if extension == ".gif":
        Image.new("RGB", (16, 9), "black").save(folder / clip)
    else:
        (folder / clip).write_bytes(b"a stand-in: the decks embed the file, they do not decode it")
    step = {"name": "step", "file": clip, "poster": poster, "start": 0.0, "duration": 1.0, "narration": [narration]}
    cue = {"start": 0.0, "end": 1.0, "text": narration}
    return {"lecture": {"title": title}, "clips": [{"scene": "Scene", "title": title, "captions": [cue],
                                                    "steps": [step]}]}
