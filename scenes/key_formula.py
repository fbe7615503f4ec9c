"""Scene 4: the sigmoid's formula, its derivative, and why the maximum is sigma'(0)."""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Create,
    DashedLine,
    FadeIn,
    FadeOut,
    MathTex,
    ParametricFunction,
    TransformMatchingTex,
    VGroup,
    VMobject,
    Write,
)

from lessonkit.components import ActivationPlot, nice_range
from lessonkit.scene import Beat, LessonScene
from lessonkit.theme import AXIS_STROKE, CURVE_STROKE, EDGE_BUFF
from mathcore import sigmoid, sigmoid_prime


class KeyFormula(LessonScene):
    """sigma, sigma' = sigma(1 - sigma), then sigma'(0) = 0.5 x 0.5, built step by step."""

    beats = {
        "sigmoid": Beat("The sigmoid's formula."),
        "derivative": Beat("Its derivative."),
        "maximum": Beat("The derivative at z = 0.", "sigma0", "one_minus_sigma0", "max_derivative"),
        "why": Beat("Why that is the maximum.", "sigma0", "max_derivative"),
    }

    def construct(self) -> None:
        self.write_sigmoid()
        self.write_derivative()
        self.evaluate_at_zero()
        self.explain_the_maximum()

    def write_sigmoid(self) -> None:
        self.beat("sigmoid")
        self.show_title()
        size = {"x_length": 5.6, "y_length": 2.3, "z_max": self.lesson.plot.z_max, "theme": self.theme}
        self.curve = ActivationPlot("sigmoid", show_z_numbers=False, **size)
        self.slope = ActivationPlot("sigmoid", derivative=True, **size)
        self.plots = VGroup(self.curve, self.slope).arrange(DOWN, buff=0.5, aligned_edge=LEFT)
        self.definition = self.math(r"\sigma(z)", "=", r"{1 \over 1 + e^{-z}}", font_size=self.theme.display_size)
        self.definition[0].set_color(self.theme.sigmoid)
        # The formula large in the room left of the plots, the plots filling the height on the right.
        self.move_to_room(VGroup(self.definition, self.plots).arrange(RIGHT, buff=1.0))
        self.plots.to_edge(RIGHT, buff=EDGE_BUFF)
        self.play(Write(self.definition), run_time=2)
        self.play(Create(self.curve), run_time=1.5)

    def lead(self, formula: VMobject | None, *before: MathTex) -> list:
        """Animations that shrink ``before`` to formula size, stacked under the title at the left,
        and place ``formula`` (if any) large under them: the newest formula is the one explained."""
        stack = VGroup(*(m.copy().scale(self.theme.formula_size / m.font_size) for m in before))
        stack.arrange(DOWN, aligned_edge=LEFT, buff=0.45)
        stack.next_to(self.title, DOWN, buff=0.5).to_edge(LEFT, buff=EDGE_BUFF + 0.2)
        if formula is not None:
            formula.next_to(stack, DOWN, buff=0.9).align_to(stack, LEFT)
        return [m.animate.become(target) for m, target in zip(before, stack)]

    def write_derivative(self) -> None:
        self.beat("derivative")
        self.derivative = self.math(r"\sigma'(z)", "=", r"\sigma(z)", r"\,(1 - ", r"\sigma(z)", ")",
                                    font_size=self.theme.display_size)
        self.derivative[0].set_color(self.theme.sigmoid_prime)
        self.play(*self.lead(self.derivative, self.definition))
        self.play(Write(self.derivative), Create(self.slope), run_time=2)

    def evaluate_at_zero(self) -> None:
        s0 = sigmoid(0.0)
        one_minus = sigmoid(-0.0)  # 1 - sigma(0), computed without cancellation
        peak = sigmoid_prime(0.0)
        self.beat("maximum", sigma0=self.spoken(s0), one_minus_sigma0=self.spoken(one_minus),
                  max_derivative=self.spoken(peak))
        at_zero = self.math(r"\sigma'(0)", "=", r"\sigma(0)", r"\,(1 - ", r"\sigma(0)", ")",
                            font_size=self.theme.display_size)
        at_zero[0].set_color(self.theme.sigmoid_prime)
        moves = self.lead(at_zero, self.definition, self.derivative)
        self.play(TransformMatchingTex(self.derivative.copy(), at_zero), *moves, run_time=1.5)
        numbers = self.math(
            r"\sigma'(0)", "=", self.number("sigma0", s0), r"\times", self.number("one_minus_sigma0", one_minus),
            "=", self.number("max_derivative", peak), font_size=self.theme.display_size,
        )
        numbers[0].set_color(self.theme.sigmoid_prime)
        numbers[-1].set_color(self.theme.highlight)
        numbers.move_to(at_zero, aligned_edge=LEFT)
        # The peak of sigma' is where the tangent would stand: mark it on the plot too.
        self.peak_dot = self.slope.get_dot(0.0, color=self.theme.highlight)
        self.play(TransformMatchingTex(at_zero, numbers), FadeIn(self.peak_dot, scale=0.5), run_time=1.5)
        self.evaluated = numbers

    def explain_the_maximum(self) -> None:
        s0 = sigmoid(0.0)
        peak = sigmoid_prime(0.0)
        self.beat("why", sigma0=self.spoken(s0), max_derivative=self.spoken(peak))
        formulas = VGroup(self.definition, self.derivative, self.evaluated)
        self.play(*self.lead(None, *formulas), FadeOut(self.plots), FadeOut(self.peak_dot))
        # sigma' plotted against sigma itself: a parabola s(1 - s) with its top at s = 0.5.
        # The height axis reaches just above the maximum, whatever it is.
        axes = Axes(x_range=(0, 1, 0.5), y_range=nice_range(0.0, 1.1 * peak), x_length=5.4, y_length=4.6, tips=False,
                    axis_config={"color": self.theme.muted, "stroke_width": AXIS_STROKE})
        # Where the plots were, right of the formulas, with room above for the peak's label.
        self.move_to_room(axes).to_edge(RIGHT, buff=EDGE_BUFF + 0.6).shift(0.3 * DOWN)
        z_max = self.lesson.plot.z_max
        curve = ParametricFunction(lambda z: axes.c2p(sigmoid(z), sigmoid_prime(z)), t_range=(-z_max, z_max, 0.05),
                                   color=self.theme.sigmoid_prime, stroke_width=CURVE_STROKE)
        x_label = self.math(r"\sigma", font_size=self.theme.label_size).next_to(axes.x_axis, RIGHT, buff=0.15)
        y_label = self.math(r"\sigma(1-\sigma)", font_size=self.theme.label_size, color=self.theme.sigmoid_prime)
        y_label.next_to(axes.y_axis, UP, buff=0.1)
        ends = VGroup(*(
            self.math(self.number(f"axis_{s}", s), font_size=self.theme.tick_size, color=self.theme.muted)
            .next_to(axes.c2p(s, 0), DOWN, buff=0.12)
            for s in (0.0, s0, 1.0)
        ))
        top = axes.c2p(s0, peak)
        marker = self.math(rf"({self.number('sigma0', s0)},\ {self.number('max_derivative', peak)})",
                           font_size=self.theme.body_size, color=self.theme.highlight).next_to(top, UP, buff=0.15)
        self.play(Create(axes), FadeIn(x_label, y_label, ends))
        self.play(Create(curve), run_time=1.5)
        drop = DashedLine(axes.c2p(s0, 0), top, color=self.theme.highlight, stroke_width=2)
        self.play(Create(drop), FadeIn(marker, shift=0.1 * DOWN))
        self.wait(0.5)



