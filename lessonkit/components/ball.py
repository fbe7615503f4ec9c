"""BallOnSurface: a ball on a piece of an activation's curve, pushed by gradient descent."""

from __future__ import annotations

import numpy as np
from manim import LEFT, RIGHT, Animation, Arrow, Circle, ParametricFunction, UpdateFromAlphaFunc, VGroup, smooth

from lessonkit.components.motion import placer
from lessonkit.theme import CURVE_STROKE, Theme
from mathcore import descent_step, get_activation


class BallOnSurface(VGroup):
    """A ball resting on an activation's curve at ``z``, drawn with equal scales on both
    axes so that a flat curve looks flat and a slope of 1 looks like 45 degrees.

    Args:
        activation: A name in ``mathcore.ACTIVATIONS``; its curve is the surface.
        z: Where the ball starts.
        z_window: (left, right) stretch of the curve to draw.
        width: Width of the drawn stretch on screen.
        push: The push; the ball rolls downhill (towards smaller z on these curves) by
            push x slope, one gradient-descent step (``mathcore.descent_step``).
        color: Colour of the surface.
        theme: Colours and sizes.

    Parts: ``surface``, ``ball``; ``displacement`` is how far the ball moves in z. Scale
    it by choosing ``width``: scaling the group afterwards would unhook the ball.
    """

    def __init__(
        self,
        activation: str,
        z: float,
        *,
        z_window: tuple[float, float],
        width: float = 5.0,
        push: float = 1.0,
        ball_radius: float = 0.16,
        color: str | None = None,
        theme: Theme | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if not z_window[0] <= z <= z_window[1]:
            raise ValueError(f"z = {z!r} must lie in z_window {tuple(z_window)!r}, the stretch of curve drawn")
        if not (push >= 0 and np.isfinite(push)):
            raise ValueError(f"push must be a finite number >= 0, got {push!r}")
        if not width > 0:
            raise ValueError(f"width must be positive, got {width!r}")
        self.theme = theme = theme or Theme.default()
        self.activation = get_activation(activation)
        self.z = float(z)
        self.push = float(push)
        self.displacement = float(descent_step(self.z, self.push, activation))
        self.unit = width / (z_window[1] - z_window[0])
        self.ball_radius = ball_radius
        self._origin = np.array([z_window[0], float(self.activation(z_window[0])), 0.0])
        self.surface = ParametricFunction(
            lambda t: self._to_scene(t), t_range=(z_window[0], z_window[1], (z_window[1] - z_window[0]) / 120),
            color=color or theme.function_color(activation), stroke_width=CURVE_STROKE, use_smoothing=False,
        )
        self.ball = Circle(radius=ball_radius, color=theme.highlight, fill_opacity=1, stroke_width=0)
        self.ball.move_to(self.ball_center(self.z))
        self.add(self.surface, self.ball)

    def _to_scene(self, z: float) -> np.ndarray:
        point = np.array([z, float(self.activation(z)), 0.0]) - self._origin
        return point * self.unit

    def ball_center(self, z: float) -> np.ndarray:
        """Where the ball's centre is when it touches the curve at ``z``."""
        here = self._to_scene(z)
        slope = float(self.activation.derivative(z))
        normal = np.array([-slope, 1.0, 0.0]) / np.hypot(slope, 1.0)
        return here + normal * self.ball_radius + (self.surface.get_start() - self._to_scene(self._origin[0]))

    def get_close_up(self, width: float, margin: float = 0.35) -> "BallOnSurface":
        """The same ball on the same curve over a window just wider than its move
        (``margin`` times the move on either side), ``width`` wide: for a move too small
        to see, shown in a :class:`~lessonkit.components.ZoomInset`. Its push animation
        rolls its ball by the same amount in z, which here spans most of the width.
        ``magnification`` on the result says how many times larger it draws the curve."""
        if not self.displacement > 0:
            raise ValueError("this ball does not move: there is no move to show close up")
        if not margin > 0:
            raise ValueError(f"margin must be positive, got {margin!r}")
        end = self.z - self.displacement
        window = (end - margin * self.displacement, self.z + margin * self.displacement)
        close_up = BallOnSurface(self.activation.name, self.z, z_window=window, width=width, push=self.push,
                                 ball_radius=self.ball_radius, color=self.surface.get_color(), theme=self.theme)
        close_up.magnification = close_up.unit / self.unit
        return close_up

    def get_push_arrow(self) -> Arrow:
        """An arrow at the ball pointing downhill (left), longer for a harder push."""
        arrow = Arrow(RIGHT, LEFT, color=self.theme.gradient, buff=0, stroke_width=5,
                      max_tip_length_to_length_ratio=0.35)
        return arrow.scale(0.3 + 0.1 * self.push).next_to(self.ball, RIGHT, buff=0.08)

    def make_push_animation(self, run_time: float = 2.0) -> Animation:
        """Roll the ball downhill by ``displacement`` along the curve."""
        start, end = self.z, self.z - self.displacement
        place = placer(self.ball)

        def roll(ball, alpha: float) -> None:
            place(self.ball_center(start + (end - start) * alpha))

        return UpdateFromAlphaFunc(self.ball, roll, run_time=run_time, rate_func=smooth)



