"""Function plots: an activation (or its derivative) on axes, and a tangent that traces it.

In a scene's ``construct()``::

    plot = ActivationPlot("sigmoid")
    slope = ActivationPlot("sigmoid", derivative=True)
    tracer = TangentTracer(plot, slope, start_z=-6)
    self.play(tracer.make_trace_animation(6, run_time=6))
"""

from __future__ import annotations

import math

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    Axes,
    DashedLine,
    Dot,
    Line,
    MathTex,
    Rectangle,
    ValueTracker,
    VGroup,
    VMobject,
    linear,
)

from lessonkit.components.motion import follow, set_line
from lessonkit.components.readout import LabelledReadout
from lessonkit.config import default_lesson
from lessonkit.text import tex_words
from lessonkit.theme import AXIS_STROKE, CURVE_STROKE, DOT_RADIUS, TANGENT_STROKE, Theme
from mathcore import Activation, format_number, get_activation

_NICE_STEPS = (0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0)


def nice_range(low: float, high: float, max_ticks: int = 5) -> tuple[float, float, float]:
    """A (min, max, step) axis range covering [low, high] with at most ``max_ticks`` steps."""
    span = max(high - low, 1e-12)
    step = next((s for s in _NICE_STEPS if span / s <= max_ticks), None)
    if step is None:  # beyond the table: 1, 2, 2.5 or 5 times a power of ten
        decade = 10.0 ** math.floor(math.log10(span / max_ticks))
        step = next(m * decade for m in (1, 2, 2.5, 5, 10) if span / (m * decade) <= max_ticks)
    return (math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step, step)


class ActivationPlot(VGroup):
    """Axes with an activation's curve, or with its derivative's.

    Args:
        activation: A name in ``mathcore.ACTIVATIONS``.
        derivative: Plot the derivative instead of the function.
        z_max: z runs from -z_max to z_max (default: ``plot.z_max`` of the default lesson file;
            a scene passes its lesson's); any positive number (the ticks thin out as it grows).
        y_range: (min, max, step); by default it covers the curve over that z range.
        x_length, y_length: Size on screen.
        color: Curve colour (default: the theme's colour for this function).
        theme: Colours and sizes (default: :meth:`Theme.default`).
        x_step: Distance between labelled z ticks.
        show_numbers: Label the ticks (off for small sketches).
        show_z_numbers: Label the z ticks (off for a plot stacked above another that has them).

    Parts: ``axes``, ``graph``, ``tick_labels``, ``y_label``, ``x_label``.
    """

    def __init__(
        self,
        activation: str,
        *,
        derivative: bool = False,
        z_max: float | None = None,
        y_range: tuple[float, float, float] | None = None,
        x_length: float = 9.0,
        y_length: float = 2.6,
        color: str | None = None,
        theme: Theme | None = None,
        x_step: float | None = None,
        show_numbers: bool = True,
        show_z_numbers: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.theme = theme = theme or Theme.default()
        self.activation: Activation = get_activation(activation)
        self.function = self.activation.derivative if derivative else self.activation.function
        self.z_max = float(z_max if z_max is not None else default_lesson().plot.z_max)
        if not (math.isfinite(self.z_max) and self.z_max > 0):
            raise ValueError(f"z_max must be a positive number, got {z_max!r}")
        if y_range is None:
            samples = self.function(np.linspace(-self.z_max, self.z_max, 801))
            # A derivative gets 10% headroom so that its peak (the point of the lesson) stands free.
            headroom = 1.1 if derivative else 1.0
            y_range = nice_range(min(0.0, float(samples.min())), headroom * float(samples.max()))
        self.y_range = y_range
        x_step = x_step or (1.0 if self.z_max <= 5 else 2.0 if self.z_max <= 12 else
                            nice_range(-self.z_max, self.z_max, 12)[2])
        self.axes = Axes(
            x_range=(-self.z_max, self.z_max, x_step),
            y_range=y_range,
            x_length=x_length,
            y_length=y_length,
            tips=False,
            axis_config={"color": theme.muted, "stroke_width": AXIS_STROKE, "include_ticks": True,
                         "font_size": theme.tick_size},
        )
        self.tick_labels = VGroup()
        if show_numbers:
            for z in np.arange(-self.z_max, self.z_max + 1e-9, x_step) if show_z_numbers else ():
                label = MathTex(format_number(z), font_size=theme.tick_size, color=theme.muted)
                self.tick_labels.add(label.next_to(self.axes.c2p(z, y_range[0]), DOWN, buff=0.15))
            for y in (y_range[0], y_range[1]):
                label = MathTex(format_number(y), font_size=theme.tick_size, color=theme.muted)
                self.tick_labels.add(label.next_to(self.axes.c2p(-self.z_max, y), LEFT, buff=0.15))
        color = color or (theme.derivative_color(activation) if derivative else theme.function_color(activation))
        self.color = color
        self.graph = self.axes.plot(
            self.function,
            x_range=(-self.z_max, self.z_max, self.z_max / 200),
            discontinuities=list(self.activation.kinks) if derivative else None,
            dt=1e-3,
            use_smoothing=False,
            color=color,
            stroke_width=CURVE_STROKE,
        )
        symbol = self.activation.symbol + ("'" if derivative else "")
        self.y_label = MathTex(symbol + "(z)", font_size=theme.label_size, color=color)
        self.y_label.next_to(self.axes.y_axis, UP, buff=0.12)
        self.x_label = MathTex("z", font_size=theme.label_size, color=theme.muted)
        self.x_label.next_to(self.axes.x_axis, RIGHT, buff=0.15)
        self.add(self.axes, self.tick_labels, self.graph, self.y_label, self.x_label)
        #: What is drawn on these axes (dots, bands, level lines, a tangent): a scene's layout
        #: check reports any of them on screen outside the axes.
        self.on_axes: list[VMobject] = []

    def value_at(self, z: float) -> float:
        """The plotted function at ``z``."""
        return float(self.function(z))

    def point_at(self, z: float) -> np.ndarray:
        """The point of the curve above ``z``, in scene coordinates."""
        return self.axes.c2p(z, self.value_at(z))

    def get_region(self, z_from: float, z_to: float, color: str, opacity: float = 0.35) -> Rectangle:
        """A shaded band over z in [z_from, z_to], the height of the axes."""
        low, high = self.axes.c2p(z_from, self.y_range[0]), self.axes.c2p(z_to, self.y_range[1])
        band = Rectangle(width=high[0] - low[0], height=high[1] - low[1], stroke_width=0)
        band.set_fill(color, opacity=opacity).move_to((low + high) / 2)
        self.on_axes.append(band)
        return band

    def get_saturated_regions(self, threshold: float, color: str | None = None, opacity: float = 0.3) -> VGroup:
        """The two saturated tails shaded: |z| >= ``threshold`` out to the ends of the axes
        (colour: the theme's ``saturated``). Add them behind the curve."""
        color = color or self.theme.saturated
        return VGroup(self.get_region(-self.z_max, -threshold, color, opacity),
                      self.get_region(threshold, self.z_max, color, opacity))

    def get_level_line(self, y: float, label: str | None = None, color: str | None = None) -> VGroup:
        """A dashed horizontal line at height ``y``, with an optional LaTeX label at its right."""
        color = color or self.theme.highlight
        line = DashedLine(self.axes.c2p(-self.z_max, y), self.axes.c2p(self.z_max, y), color=color,
                          stroke_width=2, dash_length=0.08)
        group = VGroup(line)
        self.on_axes.append(line)
        if label is not None:
            # Above the line's left end, where curves of the lesson sit low: clear of them
            # and of anything placed to the right of the plot.
            text = MathTex(label, font_size=self.theme.tick_size, color=color)
            group.add(text.next_to(line.get_start(), UP + RIGHT, buff=0.08))
        return group

    def get_dot(self, z: float, color: str | None = None) -> Dot:
        """A dot on the curve at ``z`` (within the plotted range)."""
        if not abs(z) <= self.z_max:
            raise ValueError(f"z = {z!r} is outside this plot's range -{self.z_max:g}..{self.z_max:g}")
        dot = Dot(self.point_at(z), radius=DOT_RADIUS, color=color or self.theme.highlight)
        self.on_axes.append(dot)
        return dot

    def axes_box(self) -> tuple[np.ndarray, np.ndarray]:
        """The lower-left and upper-right corners of the axes' plotting area, in scene units."""
        return self.axes.c2p(-self.z_max, self.y_range[0]), self.axes.c2p(self.z_max, self.y_range[1])


class TangentTracer(VGroup):
    """A tangent line that slides along ``function_plot``, linked to ``derivative_plot``.

    The tangent's slope is read off live, and a dot on the derivative curve sits at the
    same z, so the viewer sees that the readout equals the derivative's height.

    Args:
        function_plot: Where the tangent slides.
        derivative_plot: Optional plot of the derivative on the same z axis.
        start_z: Where the tangent starts.
        length: Length of the tangent line on screen.
        show_readout: Add the live slope readout (``readout``).
        readout_label: The readout's word for the slope (plain text; a lesson's label).

    Parts: ``z_tracker``, ``tangent``, ``dot``, ``derivative_dot``, ``connector``, ``readout``.
    """

    def __init__(
        self,
        function_plot: ActivationPlot,
        derivative_plot: ActivationPlot | None = None,
        *,
        start_z: float = 0.0,
        length: float = 2.6,
        show_readout: bool = True,
        readout_label: str = "slope",
        theme: Theme | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.theme = theme = theme or function_plot.theme
        self.function_plot = function_plot
        self.derivative_plot = derivative_plot
        self.length = length
        self.z_tracker = ValueTracker(start_z)
        activation = function_plot.activation

        self.tangent = Line(LEFT, RIGHT, color=theme.highlight, stroke_width=TANGENT_STROKE)
        self.tangent.add_updater(lambda line: self._place_tangent(line))
        self.dot = follow(Dot(radius=DOT_RADIUS, color=theme.highlight), lambda: function_plot.point_at(self.z))
        self.add(self.tangent, self.dot)
        function_plot.on_axes.extend([self.tangent, self.dot])
        self.derivative_dot = self.connector = None
        if derivative_plot is not None:
            self.derivative_dot = follow(Dot(radius=DOT_RADIUS, color=theme.highlight),
                                         lambda: derivative_plot.point_at(self.z))
            derivative_plot.on_axes.append(self.derivative_dot)
            self.connector = Line(UP, DOWN, color=theme.muted, stroke_width=2, stroke_opacity=0.6)
            self.connector.add_updater(
                lambda line: set_line(line, function_plot.point_at(self.z), derivative_plot.point_at(self.z))
            )
            self.add(self.derivative_dot, self.connector)
        self.readout = None
        if show_readout:
            self.readout = LabelledReadout(
                tex_words(readout_label) + " = " + activation.symbol + "'(z) =",
                lambda: activation.derivative(self.z),
                font_size=theme.body_size,
                color=theme.text,
                number_color=theme.highlight,
            )
            self.add(self.readout)
        self.update()

    @property
    def z(self) -> float:
        return self.z_tracker.get_value()

    def _place_tangent(self, line: Line) -> None:
        plot = self.function_plot
        z = self.z
        slope = plot.activation.derivative(z)
        here = plot.point_at(z)
        # The slope's direction in scene coordinates (the axes scale z and y differently).
        ahead = plot.axes.c2p(z + 1.0, plot.value_at(z) + slope)
        direction = ahead - here
        direction /= np.linalg.norm(direction)
        # Near the edges of the axes (ends and top or bottom) the line stops at them rather
        # than running past.
        start, end = -self.length / 2, self.length / 2
        low, high = plot.axes_box()
        for axis in (0, 1):
            if abs(direction[axis]) > 1e-9:
                bounds = sorted(((low[axis] - here[axis]) / direction[axis], (high[axis] - here[axis]) / direction[axis]))
                start, end = max(start, bounds[0]), min(end, bounds[1])
        set_line(line, here + direction * start, here + direction * end)

    def make_trace_animation(self, to_z: float, run_time: float = 4.0, rate_func=linear) -> Animation:
        """Slide the tangent to ``to_z``."""
        return self.z_tracker.animate(run_time=run_time, rate_func=rate_func).set_value(to_z)
