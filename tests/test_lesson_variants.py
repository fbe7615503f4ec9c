"""Educators' changes reach the screen: each key changes what it should, layouts hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lessonkit.schema import TITLE_CHARS
from mathcore import (
    descent_step,
    measure_gradient_norms,
    practice_problem_1,
    practice_problem_2,
    sigmoid,
    sigmoid_prime,
    tanh_prime,
)
from scenes import (
    BallAnalogy,
    GradientChain,
    KeyFormula,
    LearningGoal,
    PracticeProblem1,
    PracticeProblem2,
    RealNetwork,
    ReluComparison,
    Saturation,
    TangentTrace,
    Takeaways,
)
from tests.conftest import render_tiny

#: Scenes rendered here, by scene, overrides and config: several tests look at one variant.
_RENDERED: dict[tuple, object] = {}


def variant(media_dir: Path, scene_class: type, overrides: list[str] = (), config: Path | None = None):
    """``scene_class`` run with ``overrides`` (and the lesson ``config``), skipping its
    animations: its code runs, its layout is checked at every step, no frame is drawn.
    Rendered once per test worker; tests only read the scene."""
    key = (scene_class, tuple(overrides), config)
    if key not in _RENDERED:
        _RENDERED[key] = render_tiny(scene_class, media_dir, overrides, config_path=config, skip_animations=True)
    return _RENDERED[key]


def last_picture(scene) -> np.ndarray:
    """The scene's last picture in grey levels, drawn now (a scene run without frames drew none)."""
    scene.renderer.update_frame(scene)
    return np.asarray(scene.renderer.get_frame(), dtype=float)[..., :3].mean(axis=2)


def test_practice_z_changes_problem_1(media_dir):
    scene = variant(media_dir, PracticeProblem1, ["practice.z=4"])
    p = practice_problem_1(4.0)
    assert scene.shown["derivative"].value == sigmoid_prime(4.0) == p.derivative
    assert scene.shown["share_percent"].text == r"7.07\%"
    assert any("z = 4" in caption for caption in scene.captions)
    assert scene.layout_problems == []


@pytest.mark.parametrize("scene_class", [GradientChain, PracticeProblem2])
def test_chain_settings_drive_both_chain_scenes(media_dir, scene_class):
    scene = variant(media_dir, scene_class, ["chain.layers=8", "chain.per_layer_gradient=0.25"])
    p = practice_problem_2(0.25, 8, 0.1)
    assert scene.shown["first_layer_gradient"].value == p.first_layer_gradient == 0.25**8
    assert scene.shown["first_layer_gradient"].text == "0.00001526"
    assert any(r"0.25^{8}" in tex for tex in scene.screen_tex)
    assert scene.layout_problems == []


@pytest.mark.parametrize("scene_class", [GradientChain, PracticeProblem2, ReluComparison])
def test_twenty_layers_still_fit(media_dir, scene_class):
    scene = variant(media_dir, scene_class, ["chain.layers=20", "chain.per_layer_gradient=0.25"])
    label = "sigmoid_first_layer" if scene_class is ReluComparison else "first_layer_gradient"
    assert scene.shown[label].text == r"9.095 \times 10^{-13}"
    assert scene.layout_problems == []


def test_tanh_lesson_traces_tanh(media_dir):
    scene = variant(media_dir, TangentTrace, ["tangent.activation=tanh"])
    assert scene.shown["max_derivative"].value == 1.0
    assert scene.shown["slope_at_pause"].value == tanh_prime(5.0)
    assert "Above, the tanh." in scene.captions[0]
    assert scene.layout_problems == []


def test_light_theme_renders_light_frames(media_dir):
    # The last beat's picture, without the fade to the background that closes the scene.
    dark_pixels = last_picture(variant(media_dir, LearningGoal, ["pacing.closing_seconds=0"]))
    light_pixels = last_picture(variant(media_dir, LearningGoal, ["theme.name=light", "pacing.closing_seconds=0"]))
    assert np.median(light_pixels) > 240 and np.median(dark_pixels) < 30
    # Text keeps its contrast: the light frame has dark pixels (the words), the dark frame light ones.
    assert (light_pixels < 80).mean() > 0.005 and (dark_pixels > 180).mean() > 0.005


def test_the_longest_title_stays_on_one_line_inside_the_frame(media_dir):
    # Longer titles are refused (tests/test_reliability.py): a second line runs into some scenes' content.
    title = "Gradients multiply, layer by layer, until the first layer barely learns"[:TITLE_CHARS]
    scene = variant(media_dir, GradientChain, [f"titles.gradient_chain={title}"])
    assert scene.title.height < 1.0  # one line
    assert scene.layout_problems == []


# Each documented number key, the scene it drives, and what that scene must then show.
KEY_EFFECTS = [
    (["saturation.threshold=2.5"], Saturation, "threshold", lambda: 2.5),
    (["saturation.from_z=2", "saturation.to_z=5"], Saturation, "right_sigma_to", lambda: sigmoid(5.0)),
    (["saturation.from_z=2", "saturation.to_z=5"], Saturation, "left_sigma_from", lambda: sigmoid(-2.0)),
    (["tangent.pause_z=4"], TangentTrace, "slope_at_pause", lambda: sigmoid_prime(4.0)),
    (["chain.learning_rate=0.5"], PracticeProblem2, "weight_update", lambda: 0.5 * 0.2**5),
    (["chain.learning_rate=0.5"], ReluComparison, "learning_rate", lambda: 0.5),
    (["chain.per_layer_gradient=0.1"], ReluComparison, "sigmoid_first_layer", lambda: 0.1**5),
    (["ball.push=1", "ball.plateau_z=5"], BallAnalogy, "plateau_moved", lambda: descent_step(5.0, 1.0)),
    (["ball.push=1"], BallAnalogy, "centre_moved", lambda: 0.25),
    (["ball.push=1", "ball.relu_z=3"], BallAnalogy, "relu_moved", lambda: 1.0),
    (["dying_relu.z=-3"], ReluComparison, "dead_z", lambda: -3.0),
    (["real_network.depth=6", "real_network.width=16", "real_network.seed=3", "real_network.batch=32"],
     RealNetwork, "sigmoid_ratio",
     lambda: measure_gradient_norms(depth=6, width=16, activation="sigmoid", seed=3, batch=32).first_to_last_ratio),
    (["real_network.init=xavier"], RealNetwork, "relu_ratio",
     lambda: measure_gradient_norms(depth=10, width=32, activation="relu", init="xavier").first_to_last_ratio),
]


@pytest.mark.parametrize(("overrides", "scene_class", "label", "expected"), KEY_EFFECTS,
                         ids=[f"{'+'.join(k[0])}-{k[2]}" for k in KEY_EFFECTS])
def test_each_number_key_changes_what_is_shown(media_dir, overrides, scene_class, label, expected):
    scene = variant(media_dir, scene_class, overrides)
    assert scene.shown[label].value == pytest.approx(expected(), rel=1e-12)


def test_words_keys_change_what_is_said_and_shown(media_dir):
    scene = render_tiny(LearningGoal, media_dir, ["lesson.title=Why networks forget", "narration.learning_goal.goal=Hi."],
                        skip_animations=True)
    assert "Hi." in scene.captions
    assert scene.heading.original_text == "Why networks forget"
    takeaways = render_tiny(Takeaways, media_dir, ["narration.takeaways.outro=Bye."], skip_animations=True)
    assert takeaways.captions[-1] == "Bye."


def test_plot_range_and_pacing_keys(media_dir):
    narrow = render_tiny(TangentTrace, media_dir, ["plot.z_max=6", "tangent.pause_z=5"], skip_animations=True)
    assert narrow.curve.z_max == 6
    # Reading pace times a silent lecture; a voiced one holds each beat as long as its speech.
    slow = render_tiny(KeyFormula, media_dir, ["voice.name=none", "pacing.words_per_second=1"], skip_animations=True)
    fast = render_tiny(KeyFormula, media_dir, ["voice.name=none", "pacing.words_per_second=6"], skip_animations=True)
    assert slow.planned_time > fast.planned_time + 20


def test_the_dying_relu_dot_sits_on_its_axes(media_dir):
    # The plot spans +-4 by default; a dead neuron further left widens it (the default -2 is in the golden frame).
    z = -6.0
    scene = render_tiny(ReluComparison, media_dir, [f"dying_relu.z={z}"], skip_animations=True)
    axes, dot = scene.dead_slope.axes, scene.dead_dot
    left, right = axes.c2p(axes.x_range[0], 0)[0], axes.c2p(axes.x_range[1], 0)[0]
    assert left - 1e-6 <= dot.get_center()[0] <= right + 1e-6
    assert axes.p2c(dot.get_center())[0] == pytest.approx(z)


EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"

# Variants that change what a scene lays out: longer products, wider numbers, another curve, the light theme.
COMPOSITION_VARIANTS = [
    (PracticeProblem1, ["practice.z=4"], None),
    (GradientChain, ["chain.layers=20", "chain.per_layer_gradient=0.25"], None),
    (PracticeProblem2, ["chain.layers=20", "chain.per_layer_gradient=0.25"], None),
    (ReluComparison, ["chain.layers=20", "chain.per_layer_gradient=0.25"], None),
    (TangentTrace, [], EXAMPLES / "tanh-lesson.toml"),
    (GradientChain, [], EXAMPLES / "exploding-lesson.toml"),
    (PracticeProblem2, [], EXAMPLES / "exploding-lesson.toml"),
    (KeyFormula, ["theme.name=light"], None),
    (BallAnalogy, ["theme.name=light"], None),
    (RealNetwork, ["theme.name=light"], None),
]


@pytest.mark.parametrize(("scene_class", "overrides", "config"), COMPOSITION_VARIANTS,
                         ids=[f"{v[0].__name__}-{'+'.join(v[1]) or v[2].name}" for v in COMPOSITION_VARIANTS])
def test_variants_keep_the_composition_and_legibility_targets(media_dir, scene_class, overrides, config):
    """Issue 10's per-step targets (fill, digit heights) hold for the documented variants too."""
    scene = variant(media_dir, scene_class, overrides, config)
    assert scene.step_layouts
    assert scene.layout_problems == []
    assert scene.composition_problems() == []
