"""Every scene renders, shows the numbers mathcore computes, and keeps its layout clean."""

from __future__ import annotations

import re
import statistics

import pytest
from manim import RIGHT, MathTex, Square, Text

import mathcore
from lessonkit.config import load_lesson
from lessonkit.fonts import FONT
from lessonkit.layout import MEDIAN_FILL, content_fill, digit_height_px
from lessonkit.scenetext import CLOSING_SECTION
from mathcore import (
    ACTIVATIONS,
    descent_step,
    format_number,
    gradient_through_layers,
    measure_gradient_norms,
    practice_problem_1,
    practice_problem_2,
    relu_prime,
    share_of_max_gradient,
    sigmoid,
    sigmoid_prime,
)
from scenes import LECTURE
from tests.conftest import render_tiny

LESSON = load_lesson()
SCENE_NAMES = [scene.__name__ for scene in LECTURE]


def shown(scene, label: str) -> float:
    """The value a scene showed under ``label``, after checking its text is the formatter's."""
    number = scene.shown[label]
    assert number.text in {format_number(number.value, sig) for sig in range(1, 8)} | {
        format_number(100 * number.value, 3) + r"\%"
    }, (label, number.text)
    return number.value


@pytest.mark.parametrize("name", SCENE_NAMES)
def test_scene_renders_with_captions_and_clean_layout(lecture_scenes, name):
    scene = lecture_scenes[name]
    assert scene.captions, "every scene narrates"
    assert all("{" not in caption for caption in scene.captions), "placeholders were filled"
    assert scene.layout_problems == []
    # Every section is a named beat: one step of a slide deck, never a stray "autocreated" one.
    sections = [section.name for section in scene.manager.file_writer.sections]
    assert sections and "autocreated" not in sections, sections


@pytest.mark.parametrize("name", SCENE_NAMES)
def test_every_recorded_number_was_on_screen(lecture_scenes, name):
    scene = lecture_scenes[name]
    for label, number in scene.shown.items():
        assert any(number.text in tex for tex in scene.screen_tex), (label, number.text)


def test_saturation_numbers(lecture_scenes):
    scene = lecture_scenes["Saturation"]
    s = LESSON.saturation
    assert shown(scene, "threshold") == s.threshold
    assert shown(scene, "right_sigma_from") == sigmoid(s.from_z)
    assert shown(scene, "right_sigma_to") == sigmoid(s.to_z)
    assert shown(scene, "left_sigma_to") == sigmoid(-s.to_z)
    assert shown(scene, "right_delta_sigma") == sigmoid(s.to_z) - sigmoid(s.from_z)


def test_tangent_trace_numbers(lecture_scenes):
    scene = lecture_scenes["TangentTrace"]
    z = LESSON.tangent.pause_z
    assert shown(scene, "max_derivative") == 0.25 == ACTIVATIONS["sigmoid"].max_derivative
    assert shown(scene, "slope_at_pause") == sigmoid_prime(z)
    assert shown(scene, "share_at_pause") == share_of_max_gradient(z)


def test_key_formula_numbers(lecture_scenes):
    scene = lecture_scenes["KeyFormula"]
    assert shown(scene, "sigma0") == sigmoid(0.0) == 0.5
    assert shown(scene, "one_minus_sigma0") == 0.5
    assert shown(scene, "max_derivative") == sigmoid_prime(0.0)
    assert scene.shown["max_derivative"].text == "0.25"


def test_gradient_chain_numbers(lecture_scenes):
    scene = lecture_scenes["GradientChain"]
    g, n = LESSON.chain.per_layer_gradient, LESSON.chain.layers
    products = gradient_through_layers(g, n)
    for layer in range(1, n + 1):
        # Layer 1 is furthest from the loss: it gets all n factors.
        assert shown(scene, f"layer_{layer}_gradient") == pytest.approx(products[n - layer], rel=1e-15)
    assert shown(scene, "first_layer_gradient") == products[-1]


def test_relu_comparison_numbers(lecture_scenes):
    scene = lecture_scenes["ReluComparison"]
    assert shown(scene, "sigmoid_max") == 0.25
    assert shown(scene, "relu_max") == 1.0
    assert shown(scene, "sigmoid_first_layer") == gradient_through_layers(0.2, 5)[-1]
    assert shown(scene, "relu_first_layer") == 1.0
    assert shown(scene, "dead_z") == LESSON.dying_relu.z
    assert shown(scene, "dead_gradient") == relu_prime(LESSON.dying_relu.z) == 0.0
    assert shown(scene, "dead_update") == 0.0


def test_ball_analogy_numbers(lecture_scenes):
    scene = lecture_scenes["BallAnalogy"]
    b = LESSON.ball
    assert shown(scene, "plateau_moved") == descent_step(b.plateau_z, b.push)
    assert shown(scene, "centre_moved") == descent_step(0.0, b.push)
    assert shown(scene, "relu_moved") == descent_step(b.relu_z, b.push, "relu") == b.push
    assert shown(scene, "dead_moved") == 0.0


def test_practice_problem_1_numbers(lecture_scenes):
    scene = lecture_scenes["PracticeProblem1"]
    p = practice_problem_1(LESSON.practice.z)
    for field in ("sigma", "exp_neg_z", "one_minus_sigma", "derivative", "max_derivative", "share"):
        assert shown(scene, field) == getattr(p, field)
    # The slides round early and print 2.7%; the lecture shows the computed 2.66%.
    assert scene.shown["share_percent"].text == r"2.66\%"


def test_practice_problem_2_numbers(lecture_scenes):
    scene = lecture_scenes["PracticeProblem2"]
    p = practice_problem_2(0.2, 5, 0.1)
    for k, product in enumerate(p.running_products, start=1):
        assert shown(scene, f"product_{k}") == product
    assert scene.shown["first_layer_gradient"].text == "0.00032"
    assert scene.shown["weight_update"].text == "0.000032"
    assert shown(scene, "weight_update") == p.weight_update


def test_real_network_numbers(lecture_scenes):
    scene = lecture_scenes["RealNetwork"]
    r = LESSON.real_network
    for name in ("sigmoid", "relu"):
        measured = measure_gradient_norms(depth=r.depth, width=r.width, activation=name, init=r.init, seed=r.seed,
                                          batch=r.batch)
        assert shown(scene, f"{name}_ratio") == measured.first_to_last_ratio
    assert scene.shown["sigmoid_ratio"].value < 1e-4 < scene.shown["relu_ratio"].value


def test_takeaways_fill_in_computed_numbers(lecture_scenes):
    captions = lecture_scenes["Takeaways"].captions
    assert "The maximum sigmoid gradient is only 0.25." in captions
    assert "ReLU has a constant gradient of 1 for positive inputs." in captions


@pytest.mark.parametrize("name", ["Saturation", "TangentTrace", "BallAnalogy", "PracticeProblem1"])
def test_an_unchanged_scene_rerenders_from_the_cache(lecture_scenes, media_dir, name):
    """Waits and updater-driven positions must not depend on whether manim rendered or
    reused the animations before them, or every animation after the first miss re-renders."""
    scene = lecture_scenes[name]
    partial_dir = scene.manager.file_writer.partial_movie_directory
    before = set(partial_dir.glob("*.mp4"))
    assert before
    render_tiny(type(scene), media_dir)
    assert set(partial_dir.glob("*.mp4")) == before


# --- every number accounted for (what manifest.json lists) ----------------------------------

#: Numbers a formula shows that nothing computes: sigma'(0), 1 / (1 + e^-z), (1 - sigma), "layer 1".
FORMULA_CONSTANTS = {"0", "1"}
#: Counts the lesson gives and formulas show as they are: 0.2^{layers}, "layer 1 / layer depth".
LESSON_COUNTS = {str(LESSON.chain.layers), str(LESSON.real_network.depth)}
#: A formula that is only a number is an axis's tick label, a bar's layer number or a decade (10^{-3}).
AXIS_LABEL = re.compile(r"-?\d+(\.\d+)?|10\^\{-?\d+\}")


def recompute(source: str) -> float:
    """A number's source expression, evaluated with mathcore's functions and the lesson only."""
    return float(eval(source, {"__builtins__": {}}, {**vars(mathcore), "lesson": LESSON}))  # noqa: S307


def without_number(tex: str, text: str) -> str:
    """``tex`` with every occurrence of the number ``text`` (not a part of a longer number) blanked."""
    return re.sub(rf"(?<![\d.]){re.escape(text)}(?![\d])", " ", tex)


@pytest.mark.parametrize("name", SCENE_NAMES)
def test_every_number_shown_is_listed_with_its_source_and_recomputes(lecture_scenes, name):
    scene = lecture_scenes[name]
    for label, number in scene.shown.items():
        assert number.source, f"{name}.{label} is not in scenes/numbers.py"
        expected = recompute(number.source)
        assert number.value == pytest.approx(expected, rel=1e-12, abs=1e-300), (label, number.source)
        shown(scene, label)  # the text is mathcore's formatting of the value
        assert number.steps, f"{name}.{label} was never on screen"
        assert set(number.steps) <= {s.name for s in scene.manager.file_writer.sections}


def unlisted_numbers(screen_tex, recorded_texts) -> dict[str, set[str]]:
    """Formulas on screen holding numbers that no recorded number accounts for, and those numbers."""
    recorded = sorted(set(recorded_texts), key=len, reverse=True)
    found = {}
    for tex in screen_tex:
        if AXIS_LABEL.fullmatch(tex.strip()):
            continue
        rest = tex
        for text in recorded:
            rest = without_number(rest, text)
        unlisted = set(re.findall(r"\d+(?:\.\d+)?", rest)) - FORMULA_CONSTANTS - LESSON_COUNTS
        if unlisted:
            found[tex] = unlisted
    return found


@pytest.mark.parametrize("name", SCENE_NAMES)
def test_no_number_on_screen_is_missing_from_the_list(lecture_scenes, name):
    scene = lecture_scenes[name]
    assert unlisted_numbers(scene.screen_tex, (n.text for n in scene.shown.values())) == {}


def test_a_number_typed_into_a_formula_is_caught():
    recorded = ["0.5", "0.25"]
    assert unlisted_numbers([r"\sigma'(0) = 0.5 \times 0.5 = 0.25"], recorded) == {}
    assert unlisted_numbers([r"\sigma'(0) = 0.5 \times 0.5 = 0.25 \approx 0.3"], recorded) == {
        r"\sigma'(0) = 0.5 \times 0.5 = 0.25 \approx 0.3": {"0.3"}}
    assert unlisted_numbers(["0.3", "10^{-3}"], recorded) == {}, "axis ticks and decades are labels"



@pytest.mark.parametrize(("name", "labels"), [
    ("TangentTrace", [r"\sigma(z)", r"\sigma'(z)"]),
    ("ReluComparison", [r"\sigma(z)", r"\sigma'(z)", r"\mathrm{ReLU}(z)", r"\mathrm{ReLU}'(z)"]),
    ("PracticeProblem1", [r"\sigma'(z)"]),
])
def test_curves_told_apart_by_colour_are_also_named(lecture_scenes, name, labels):
    """Meaning never by colour alone: each curve's plot names its function."""
    assert set(labels) <= lecture_scenes[name].screen_tex


# --- composition and legibility (issue 10) ----------------------------------------------------


@pytest.mark.parametrize("name", SCENE_NAMES)
def test_every_step_fills_the_frame_and_its_numbers_read_from_the_back_of_the_room(lecture_scenes, name):
    scene = lecture_scenes[name]
    # Every step (section, but the closing fade) was measured at its end, the frame its poster shows.
    steps = {section.name for section in scene.manager.file_writer.sections} - {CLOSING_SECTION}
    assert set(scene.step_layouts) == steps
    assert scene.composition_problems() == []


def test_the_lecture_fills_a_median_share_of_the_frame_below_the_title(lecture_scenes):
    fills = [layout.fill for scene in lecture_scenes.values() for layout in scene.step_layouts.values()]
    assert len(fills) >= len(SCENE_NAMES)
    assert statistics.median(fills) >= MEDIAN_FILL, sorted(round(fill, 2) for fill in fills)


def test_narrated_numbers_are_found_and_measured(lecture_scenes):
    """The legibility check sees the numbers the narration names (it would pass vacuously otherwise)."""
    key_formula = lecture_scenes["KeyFormula"].step_layouts["maximum"]
    assert key_formula.narrated_digit_px is not None  # 0.5 x 0.5 = 0.25, all three named
    assert lecture_scenes["BallAnalogy"].step_layouts["results"].narrated_digit_px is not None
    assert lecture_scenes["TangentTrace"].step_layouts["setup"].tick_digit_px is not None


def test_the_measures_themselves():
    # A 2 x 2 square in a 8 x 4 room fills an eighth of it; the part outside the room is not counted.
    assert content_fill([Square(side_length=2)], (-4, -2), (4, 2)) == pytest.approx(0.125, abs=1e-6)
    assert content_fill([Square(side_length=2).shift(4 * RIGHT)], (-4, -2), (4, 2)) == pytest.approx(0.0625, abs=1e-6)
    assert content_fill([], (-4, -2), (4, 2)) == 0
    # A lone formula at the body size in the room below a title fills a few percent: below the floor.
    assert content_fill([MathTex(r"\sigma(z) = 0.25", font_size=32)], (-6.7, -3.6), (6.7, 2.8)) < 0.05
    # Digits at 1080p: about one px per font-size unit in a formula; scaling a formula scales them.
    formula = MathTex("0.25", font_size=32)
    assert 29 < digit_height_px(formula) < 33
    assert digit_height_px(formula.scale(0.5)) == pytest.approx(digit_height_px(MathTex("0.25", font_size=16)), rel=0.02)
    text = Text("z = 5", font=FONT, font_size=32)
    assert digit_height_px(text) == pytest.approx(text[-1].height * 135, rel=1e-9)
    assert digit_height_px(Text("none", font=FONT)) == 0


def test_a_dot_pushed_off_its_axes_is_a_layout_problem(tmp_path):
    from tests.failing_scene import OffTheAxesScene

    scene = render_tiny(OffTheAxesScene, tmp_path, skip_animations=True)
    off = [problem for problem in scene.layout_problems if "leaves the axes" in problem]
    assert len(off) == 1 and off[0].startswith("OffTheAxesScene.title: "), scene.layout_problems


def test_a_formula_past_the_edge_or_under_a_line_is_a_layout_problem(tmp_path):
    from tests.failing_scene import EdgeAndLineScene

    scene = render_tiny(EdgeAndLineScene, tmp_path, skip_animations=True)
    problems = scene.layout_problems
    assert len(problems) == 2, problems
    assert problems[0].startswith("EdgeAndLineScene.title: 'a + b' crosses the frame's edge (x "), problems
    assert problems[1] == "EdgeAndLineScene.title: 'c + d' is crossed by a Line", problems
