"""lessonkit.svgshare: copies of glyphs share the SVG they were parsed from, keep their own
points and colours, and animations draw the same frames as without it; manim's cache keys
leave the parsed SVG out but not the points."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from manim import RED, Mobject, Scene, Text, TransformMatchingShapes, Write, tempconfig
from manim.utils import hashing
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

from lessonkit.svgshare import leave_parsed_paths_out_of_hashes, share_parsed_svg_paths

SMALL = {"pixel_width": 192, "pixel_height": 108, "frame_rate": 15, "format": "none",
         "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR"}


@pytest.fixture
def unshared(monkeypatch):
    """manim's own copying back, after the test, whatever the test installs."""
    monkeypatch.setattr(VMobjectFromSVGPath, "__deepcopy__", Mobject.__deepcopy__)


def glyphs(mobject: Mobject) -> list[VMobjectFromSVGPath]:
    return [part for part in mobject.get_family() if isinstance(part, VMobjectFromSVGPath)]


def svgelements_made(mobject: Mobject) -> int:
    """How many svgelements objects a copy of ``mobject`` makes."""
    memo: dict = {}
    copy.deepcopy(mobject, memo)
    return sum(type(made).__module__.startswith("svgelements") for key, made in memo.items()
               if isinstance(key, int) and key != id(made))


def test_a_copy_shares_the_parsed_path_and_owns_its_points(unshared):
    words = Text("saturation", font_size=30)
    assert len(glyphs(words)) >= 9 and svgelements_made(words) > 100  # what manim copies

    share_parsed_svg_paths()
    words = Text("saturation", font_size=30)
    twin = words.copy()
    assert svgelements_made(words) == 0
    for mine, theirs in zip(glyphs(twin), glyphs(words), strict=True):
        assert mine.path_obj is theirs.path_obj
        assert mine.points is not theirs.points and np.array_equal(mine.points, theirs.points)
    twin.shift(np.array([1.0, 0.0, 0.0])).set_color(RED)
    assert not np.array_equal(glyphs(twin)[0].points, glyphs(words)[0].points)
    assert not np.array_equal(glyphs(twin)[0].fill_rgbas, glyphs(words)[0].fill_rgbas)


class WordsScene(Scene):
    """Writes a word and reshapes it into another, keeping every frame drawn."""

    def construct(self) -> None:
        self.frames: list[np.ndarray] = []
        add_frame = self.renderer.add_frame

        def keep(frame, num_frames=1):
            self.frames += [np.array(frame)] * num_frames
            add_frame(frame, num_frames)

        self.renderer.add_frame = keep
        first, second = Text("sigmoid", font_size=40), Text("gradient", font_size=40)
        self.play(Write(first), run_time=0.5)
        self.play(TransformMatchingShapes(first, second), run_time=0.5)
        self.play(second.animate.scale(0.5).set_color(RED), run_time=0.5)


def frames() -> list[np.ndarray]:
    with tempconfig(SMALL):
        scene = WordsScene()
        scene.render()
    return scene.frames


def test_animations_draw_the_same_frames_with_shared_paths(unshared):
    before = frames()
    share_parsed_svg_paths()
    after = frames()
    assert len(before) == len(after) >= 20
    assert not np.array_equal(before[2], before[-1])  # the words move: not a still picture
    for number, (frame, expected) in enumerate(zip(after, before)):
        assert np.array_equal(frame, expected), f"frame {number} differs"


def test_cache_keys_leave_out_the_parsed_path_but_not_the_points(monkeypatch):
    # manim's own keys, whatever a scene rendered earlier in this process installed.
    monkeypatch.setattr(hashing, "KEYS_TO_FILTER_OUT", set(hashing.KEYS_TO_FILTER_OUT) - {"path_obj"})
    words = Text("sigmoid", font_size=30)
    assert "path_obj" in hashing.get_json(words)  # what manim hashes by itself
    leave_parsed_paths_out_of_hashes()
    key = hashing.get_json(words)
    assert "path_obj" not in key
    assert hashing.get_json(Text("sigmoid", font_size=30)) == key
    assert hashing.get_json(Text("sigmoid", font_size=30).shift(np.array([0.5, 0, 0]))) != key
