"""Educators' changes reach the screen: each key changes what it should, layouts hold."""

from __future__ import annotations

import numpy as np
import pytest

from lessonkit.video import last_frame
from mathcore import practice_problem_1, practice_problem_2, sigmoid_prime, tanh_prime
from scenes import GradientChain, LearningGoal, PracticeProblem1, PracticeProblem2, TangentTrace
from tests.conftest import render_tiny


def test_practice_z_changes_problem_1(media_dir):
    scene = render_tiny(PracticeProblem1, media_dir, ["practice.z=4"])
    p = practice_problem_1(4.0)
    assert scene.shown["derivative"].value == sigmoid_prime(4.0) == p.derivative
    assert scene.shown["share_percent"].text == r"7.07\%"
    assert any("z = 4" in caption for caption in scene.captions)
    assert scene.layout_problems == []


@pytest.mark.parametrize("scene_class", [GradientChain, PracticeProblem2])
def test_chain_settings_drive_both_chain_scenes(media_dir, scene_class):
    scene = render_tiny(scene_class, media_dir, ["chain.layers=8", "chain.per_layer_gradient=0.25"])
    p = practice_problem_2(0.25, 8, 0.1)
    assert scene.shown["first_layer_gradient"].value == p.first_layer_gradient == 0.25**8
    assert scene.shown["first_layer_gradient"].text == "0.00001526"
    assert any(r"0.25^{8}" in tex for tex in scene.screen_tex)
    assert scene.layout_problems == []


@pytest.mark.parametrize("scene_class", [GradientChain, PracticeProblem2])
def test_twenty_layers_still_fit(media_dir, scene_class):
    scene = render_tiny(scene_class, media_dir, ["chain.layers=20", "chain.per_layer_gradient=0.25"])
    assert scene.shown["first_layer_gradient"].text == r"9.095 \times 10^{-13}"
    assert scene.layout_problems == []


def test_tanh_lesson_traces_tanh(media_dir):
    scene = render_tiny(TangentTrace, media_dir, ["tangent.activation=tanh"])
    assert scene.shown["max_derivative"].value == 1.0
    assert scene.shown["slope_at_pause"].value == tanh_prime(5.0)
    assert "Above, the tanh." in scene.captions[0]
    assert scene.layout_problems == []


def test_light_theme_renders_light_frames(media_dir):
    dark = render_tiny(LearningGoal, media_dir)
    dark_pixels = np.asarray(last_frame(dark.manager.file_writer.movie_file_path).convert("L"), dtype=float)
    light = render_tiny(LearningGoal, media_dir, ["theme.name=light"])  # same file name: read dark first
    light_pixels = np.asarray(last_frame(light.manager.file_writer.movie_file_path).convert("L"), dtype=float)
    assert np.median(light_pixels) > 240 and np.median(dark_pixels) < 30
    # Text keeps its contrast: the light frame has dark pixels (the words), the dark frame light ones.
    assert (light_pixels < 80).mean() > 0.005 and (dark_pixels > 180).mean() > 0.005


def test_a_long_title_wraps_inside_the_frame(media_dir):
    title = "Gradients multiply, layer by layer, until the first layer barely learns at all"
    scene = render_tiny(GradientChain, media_dir, [f"titles.gradient_chain={title}"])
    assert scene.title.height > 1.0  # two lines
    assert scene.layout_problems == []
