"""Components hold for every value their drawing can mean (issue 14): property-based tests
(Hypothesis) build each across its documented range and check it fits the frame, and
values outside the range are refused in one line naming the argument."""

from __future__ import annotations

import math

import pytest
from manim import DOWN
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lessonkit.components import ActivationPlot, BallOnSurface, LayerChain, LogBarChart, ZoomInset
from lessonkit.config import default_lesson, load_lesson, use_lesson
from lessonkit.theme import Theme
from mathcore import ACTIVATIONS, gradient_through_layers

# Each example typesets new numbers with LaTeX (about a second each): the explicit examples
# cover the edges, and a few drawn ones the rest.
COMPONENTS = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FRAME_WIDTH, FRAME_HEIGHT = 14.2 + 1e-6, 8.0 + 1e-6
THEME = Theme.from_lesson(load_lesson())


@pytest.fixture(autouse=True)
def manim_media(media_dir):
    """LaTeX and text caches in the session's media folder, not the working directory."""
    from manim import tempconfig

    with tempconfig({"media_dir": str(media_dir)}):
        yield


def assert_fits_frame(mobject) -> None:
    assert mobject.width <= FRAME_WIDTH and mobject.height <= FRAME_HEIGHT, (mobject.width, mobject.height)
    assert all(math.isfinite(x) for x in mobject.get_all_points().flatten())


factors = st.floats(min_value=1e-3, max_value=3.0, allow_nan=False)


@COMPONENTS
@given(factor=factors, layers=st.integers(min_value=1, max_value=20))
@example(factor=1.0, layers=10)        # issue 14: a gradient of 1 divided by zero
@example(factor=1.5, layers=10)        # an exploding chain
@example(factor=3.0, layers=20)        # the largest the lesson allows: 3.5e9
@example(factor=1e-3, layers=20)       # sixty decades down
@example(factor=0.25, layers=1)
@example(factor=0.9, layers=7)
def test_layer_chain_draws_any_chain_inside_the_frame(factor, layers):
    chain = LayerChain(factor, layers, theme=THEME)
    assert_fits_frame(chain)
    gradients = gradient_through_layers(factor, layers)[::-1]
    assert chain.gradients == pytest.approx(list(gradients), rel=1e-12)
    # Every bar has a height, and the axis spans what it shows, at least one decade with 1 on it.
    chart = chain.chart
    assert chart.floor_exponent < math.log10(min(gradients))
    assert chart.ceiling_exponent >= max(0, math.ceil(math.log10(max(gradients)) - 1e-12))
    assert chart.ceiling_exponent - chart.floor_exponent >= 1
    heights = [bar.height for bar in chart.bars]
    assert min(heights) > 0
    # Exploding: the bars grow towards layer 1; vanishing: they shrink towards it.
    if factor > 1:
        assert heights[0] >= heights[-1]
    elif factor < 1:
        assert heights[0] <= heights[-1]
    # The labels show the computed values.
    assert [value for _, value, _ in chain.shown_values()] == [chain.gradients[0], *(
        [] if layers == 1 else chain.gradients[1:] if layers <= 6 else [chain.gradients[-1]])]


@COMPONENTS
@given(values=st.lists(st.one_of(st.just(0.0), st.floats(min_value=1e-30, max_value=1e12)), min_size=1, max_size=24)
       .filter(lambda values: any(v > 0 for v in values)))
@example(values=[1.0])
@example(values=[0.0, 1e-30, 1e12])
def test_log_bar_chart_draws_any_values_inside_the_frame(values):
    chart = LogBarChart(values, theme=THEME)
    assert_fits_frame(chart)
    for bar, value in zip(chart.bars, values):
        assert (bar.get_fill_opacity() > 0) == (value > 0)


@COMPONENTS
@given(activation=st.sampled_from(sorted(ACTIVATIONS)), derivative=st.booleans(),
       z_max=st.sampled_from([0.5, 1, 3, 4, 7.5, 8, 12, 13, 60, 1000.0]))
@example(activation="relu", derivative=False, z_max=1000.0)
@example(activation="sigmoid", derivative=True, z_max=0.5)
def test_activation_plot_draws_any_range_inside_the_frame(activation, derivative, z_max):
    plot = ActivationPlot(activation, derivative=derivative, z_max=z_max, theme=THEME)
    assert_fits_frame(plot)
    assert len(plot.tick_labels) <= 2 * 12 + 3  # the ticks thin out as the range grows
    for z in (-z_max, 0.0, z_max):
        point = plot.point_at(z)
        assert plot.axes.get_left()[0] - 1e-6 <= point[0] <= plot.axes.get_right()[0] + 1e-6


@COMPONENTS
@given(activation=st.sampled_from(sorted(ACTIVATIONS)), z=st.floats(min_value=-50, max_value=50),
       push=st.floats(min_value=0, max_value=4))
def test_ball_on_surface_stays_on_screen(activation, z, push):
    ball = BallOnSurface(activation, z, z_window=(z - push - 0.8, z + 0.8), width=2.9, push=push, theme=THEME)
    assert_fits_frame(ball)
    assert math.isfinite(ball.displacement)


@pytest.mark.parametrize("build, message", [
    (lambda: LayerChain(0.0, 5), "per_layer_gradient must be positive and finite, got 0.0"),
    (lambda: LayerChain(-0.5, 5), "per_layer_gradient must be positive"),
    (lambda: LayerChain(float("inf"), 5), "per_layer_gradient must be positive and finite"),
    (lambda: LayerChain(0.5, 0), "layers must be a whole number >= 1, got 0"),
    (lambda: LayerChain(0.5, 2.5), "layers must be a whole number >= 1, got 2.5"),
    (lambda: LayerChain([], None), "per_layer_gradient must give at least one layer's factor"),
    (lambda: LogBarChart([]), "values must not be empty"),
    (lambda: LogBarChart([0.0, 0.0]), "values must include a positive number"),
    (lambda: LogBarChart([1.0, -2.0]), "values must be finite and >= 0, got -2.0"),
    (lambda: LogBarChart([1.0], floor_exponent=0, ceiling_exponent=0), "ceiling_exponent (0) must be above"),
    (lambda: LogBarChart([1.0], height=0), "height must be a positive length"),
    (lambda: ActivationPlot("sigmoid", z_max=-3), "z_max must be a positive number, got -3"),
    (lambda: ActivationPlot("sigmoid", z_max=4).get_dot(6), "z = 6 is outside this plot's range -4..4"),
    (lambda: BallOnSurface("sigmoid", 9, z_window=(0, 2)), "z = 9 must lie in z_window (0, 2)"),
    (lambda: BallOnSurface("relu", 1, z_window=(0, 2), push=-1), "push must be a finite number >= 0"),
])
def test_out_of_range_arguments_are_refused_in_one_line(build, message):
    with pytest.raises(ValueError) as error:
        build()
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("z, shown", [
    (0.0, "0.2500"), (3.0, "0.04518"), (5.0, "0.006648"), (7.6, "0.0005000"), (10.0, "0.00004540"), (-30.0, "9.358 × 10⁻¹⁴"),
])
def test_live_readouts_show_significant_figures_never_a_false_zero(z, shown):
    """Issue 10: the tangent's readout at z = 7.6 said 0.000; it agrees with the static numbers now."""
    from lessonkit.components import LiveNumber
    from mathcore import format_number, sigmoid_prime

    number = LiveNumber(lambda: sigmoid_prime(z))
    assert number.text == shown
    assert float(shown.replace(" × 10", "e").translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))) == \
        float(format_number(sigmoid_prime(z), 4, latex=False).replace(" × 10", "e").translate(
            str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
    drawn = [slot for slot in number.slots if len(slot.points)]
    assert len(drawn) == len(shown.replace(" ", ""))


def test_a_fixed_readout_too_small_for_its_value_shows_it_anyway():
    from lessonkit.components.readout import live_text

    assert live_text(0.004, None, 2) == "0.0040"
    assert live_text(0.0, None, 2) == "0.00" and live_text(2.5, None, 2) == "2.50"
    assert live_text(-3e-7, None, 3) == "-3.00 × 10⁻⁷"


def test_components_without_a_theme_or_range_ignore_the_active_lesson():
    """Components are library code: given no theme or range they draw with the default
    lesson file's, whatever lesson is active, so they work in any manim scene."""
    use_lesson(load_lesson(overrides=["theme.name=light", "plot.z_max=12"]))
    try:
        plot = ActivationPlot("sigmoid", show_numbers=False)
        ball = BallOnSurface("sigmoid", 2.0, z_window=(0.0, 3.0))
    finally:
        use_lesson(None)
    assert plot.theme == ball.theme == Theme.default() == THEME
    assert Theme.default().name == "dark"
    assert plot.z_max == default_lesson().plot.z_max == 8.0


@settings(max_examples=25, deadline=None)
@given(z=st.floats(2, 12), push=st.floats(0.05, 2))
def test_a_close_up_shows_a_tiny_move_large_and_the_inset_joins_it_to_its_spot(z, push):
    ball = BallOnSurface("sigmoid", z, z_window=(z - push - 1, z + 0.5), width=3, push=push)
    close_up = ball.get_close_up(width=3).next_to(ball, DOWN, buff=1)
    # The same move in z: a hair on the surface, most of the close-up's width.
    assert close_up.displacement == ball.displacement
    moved_on_screen = close_up.displacement * close_up.unit
    assert 0.5 * 3 < moved_on_screen < 3
    assert close_up.magnification == pytest.approx(close_up.unit / ball.unit)
    inset = ZoomInset(ball.ball, close_up)
    assert inset.marker.width >= 0.45 and inset.marker.get_center() == pytest.approx(ball.ball.get_center())
    assert inset.panel.width > close_up.width and inset.panel.height > close_up.height
    # Each connector runs from the marker's edge to the panel's, below it here.
    for start, end in (line.get_start_and_end() for line in inset.connectors):
        assert start[1] == pytest.approx(inset.marker.get_bottom()[1])
        assert end[1] == pytest.approx(inset.panel.get_top()[1])


def test_a_zoom_inset_is_refused_on_top_of_its_spot_and_a_still_ball_has_no_close_up():
    ball = BallOnSurface("relu", -2, z_window=(-3, -1), push=1)
    with pytest.raises(ValueError, match="does not move"):
        ball.get_close_up(width=3)
    with pytest.raises(ValueError, match="clear of the spot"):
        ZoomInset(ball.ball, ball.surface.copy())
