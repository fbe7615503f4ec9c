"""LogBarChart: values spanning many orders of magnitude, as bars on a log scale."""

from __future__ import annotations

import math
from typing import Sequence

from manim import DOWN, LEFT, RIGHT, UP, AnimationGroup, GrowFromEdge, Line, MathTex, Rectangle, VGroup

from lessonkit.theme import AXIS_STROKE, Theme


def decade_floor(values: Sequence[float]) -> int:
    """The exponent of the decade strictly below the smallest positive value (the chart's
    floor), so that even the smallest bar has some height: 1 gives -1, 0.25 gives -1."""
    positive = [v for v in values if v > 0]
    if not positive:
        raise ValueError("values must include a positive number: a log scale cannot show only zeros")
    return math.ceil(math.log10(min(positive)) - 1e-12) - 1


def decade_ceiling(values: Sequence[float]) -> int:
    """The exponent of the decade at or above the largest value."""
    return math.ceil(math.log10(max(values)) - 1e-12)


def shared_decades(*value_lists: Sequence[float]) -> tuple[int, int]:
    """(floor, ceiling) exponents covering every list, for charts that must compare;
    at least one decade apart."""
    values = [v for values in value_lists for v in values]
    floor = decade_floor(values)
    return floor, max(decade_ceiling(values), floor + 1)


def _check_chart(values: Sequence[float], height: float, width: float) -> None:
    """Refuse, in one line naming the argument, what a log-scale bar chart cannot draw."""
    if not values:
        raise ValueError("values must not be empty: a bar chart needs at least one bar")
    if not all(math.isfinite(v) and v >= 0 for v in values):
        raise ValueError(f"values must be finite and >= 0, got {[v for v in values if not (math.isfinite(v) and v >= 0)][0]!r}")
    if not any(v > 0 for v in values):
        raise ValueError("values must include a positive number: a log scale cannot show only zeros")
    for name, size in (("height", height), ("width", width)):
        if not (math.isfinite(size) and size > 0):
            raise ValueError(f"{name} must be a positive length, got {size!r}")


def gradient_decades(*value_lists: Sequence[float]) -> tuple[int, int]:
    """Like :func:`shared_decades`, with the ceiling at 1 or above: gradients are read
    against the 1 they start from at the loss (a vanishing chain's bars stay below it,
    an exploding chain's rise above it)."""
    floor, ceiling = shared_decades(*value_lists)
    return floor, max(ceiling, 0)


class LogBarChart(VGroup):
    """One bar per value, heights proportional to log10(value) above a floor.

    Args:
        values: Numbers >= 0 (at least one positive), one bar each, drawn left to right;
            any magnitude (a zero is an empty slot, a value above the ceiling a full bar).
        height: Height of the chart's axis (from floor to ceiling decade).
        width: Total width of the bars and gaps.
        floor_exponent, ceiling_exponent: The decades at the bottom and top of the
            axis (default: just covering the values; pass the same to two charts to
            compare them); the ceiling must be above the floor.
        colors: One colour per bar, or one for all.
        bar_labels: LaTeX under each bar (e.g. layer numbers); ``None`` for none.
        theme: Colours and sizes.

    Parts: ``bars`` (zero-height bars are kept as placeholders), ``axis``, ``baseline``,
    ``decade_labels``, ``bar_labels``; :meth:`get_frame` is everything but the bars.
    """

    def __init__(
        self,
        values: Sequence[float],
        *,
        height: float = 3.0,
        width: float = 6.0,
        floor_exponent: int | None = None,
        ceiling_exponent: int | None = None,
        colors: str | Sequence[str] | None = None,
        bar_labels: Sequence[str] | None = None,
        theme: Theme | None = None,
        decade_step: int | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.theme = theme = theme or Theme.default()
        self.values = [float(v) for v in values]
        _check_chart(self.values, height, width)
        default_floor, default_ceiling = shared_decades(self.values)
        self.floor_exponent = default_floor if floor_exponent is None else floor_exponent
        self.ceiling_exponent = (max(default_ceiling, self.floor_exponent + 1) if ceiling_exponent is None
                                 else ceiling_exponent)
        if self.ceiling_exponent <= self.floor_exponent:
            raise ValueError(f"ceiling_exponent ({self.ceiling_exponent}) must be above floor_exponent "
                             f"({self.floor_exponent})")
        self.chart_height = height
        span = self.ceiling_exponent - self.floor_exponent
        slot = width / len(self.values)
        if colors is None or isinstance(colors, str):
            colors = [colors or theme.gradient] * len(self.values)

        self.axis = Line(UP * height, [0.0, 0.0, 0.0], color=theme.muted, stroke_width=AXIS_STROKE)
        self.baseline = Line(LEFT * 0.0, RIGHT * width, color=theme.muted, stroke_width=AXIS_STROKE)
        self.decade_labels = VGroup()
        step = decade_step or max(1, math.ceil(span / 6))
        for exponent in range(self.floor_exponent, self.ceiling_exponent + 1):
            if (exponent - self.ceiling_exponent) % step:
                continue
            y = height * (exponent - self.floor_exponent) / span
            text = "1" if exponent == 0 else f"10^{{{exponent}}}"
            label = MathTex(text, font_size=theme.tick_size, color=theme.muted)
            tick = Line(LEFT * 0.08, RIGHT * 0.08, color=theme.muted, stroke_width=AXIS_STROKE).shift(UP * y)
            self.decade_labels.add(VGroup(tick, label.next_to(tick, LEFT, buff=0.1)))
        self.bars = VGroup()
        for index, (value, color) in enumerate(zip(self.values, colors)):
            bar_height = self.height_of(value)
            bar = Rectangle(width=0.7 * slot, height=max(bar_height, 1e-3), stroke_width=0)
            bar.set_fill(color, opacity=1 if bar_height > 0 else 0)
            bar.move_to([slot * (index + 0.5), bar_height / 2, 0.0])
            self.bars.add(bar)
        self.bar_labels = VGroup()
        if bar_labels is not None:
            for bar, text in zip(self.bars, bar_labels):
                label = MathTex(text, font_size=theme.tick_size, color=theme.muted)
                self.bar_labels.add(label.next_to([bar.get_center()[0], 0, 0], DOWN, buff=0.15))
        self.add(self.axis, self.baseline, self.decade_labels, self.bars, self.bar_labels)

    def get_frame(self) -> VGroup:
        """Axis, baseline and labels: what to show before the bars grow."""
        return VGroup(self.axis, self.baseline, self.decade_labels, self.bar_labels)

    def height_of(self, value: float) -> float:
        """Bar height for ``value`` (0 at or below the floor decade)."""
        if value <= 0:
            return 0.0
        fraction = (math.log10(value) - self.floor_exponent) / (self.ceiling_exponent - self.floor_exponent)
        return self.chart_height * min(max(fraction, 0.0), 1.0)

    def make_grow_animation(self, index: int | None = None, **kwargs) -> AnimationGroup:
        """Grow one bar (or all, left to right) up from the baseline."""
        bars = self.bars if index is None else [self.bars[index]]
        return AnimationGroup(*(GrowFromEdge(bar, DOWN) for bar in bars), lag_ratio=0.15, **kwargs)
