"""An educator's own scene, built from the lecture's components in a few dozen lines.

    LESSON_CONFIG=docs/examples/slope-comparison.toml manim -pql docs/examples/slope_comparison.py SlopeComparison

Sigmoid and tanh side by side, each with a tangent tracing it and its slope read off:
tanh's slope peaks at 1, four times the sigmoid's, yet both flatten far from 0. Its words
(title, narration, the label on screen) are in slope-comparison.toml, under its lesson key
``slope_comparison``.
"""

from manim import DOWN, LEFT, RIGHT, Create, FadeIn, VGroup, Write

from lessonkit.components import ActivationPlot, TangentTracer, WorkedSolution
from lessonkit.scene import Beat, Label, LessonScene
from lessonkit.text import prose
from mathcore import get_activation


class SlopeComparison(LessonScene):
    """Sigmoid and tanh side by side, a tangent tracing each."""

    beats = {
        "plots": Beat("The two plots appear."),
        "trace": Beat("Both tangents slide to the right."),
        "peaks": Beat("The two peak slopes.", "sigmoid_max", "tanh_max"),
    }
    labels = {"far_out": Label("Beside the peak slopes: what happens far from 0.", max_chars=40)}

    def construct(self) -> None:
        self.beat("plots")
        self.show_title()
        tracers = VGroup()
        for name in ("sigmoid", "tanh"):
            curve = ActivationPlot(name, x_length=5.6, y_length=2.4, z_max=6, theme=self.theme)
            tracer = TangentTracer(curve, start_z=-5, length=1.8, theme=self.theme)
            tracer.readout.next_to(curve, DOWN, buff=0.4)
            tracers.add(VGroup(curve, tracer))
        tracers.arrange(RIGHT, buff=0.9).next_to(self.title, DOWN, buff=0.5)
        self.play(*(Create(group[0]) for group in tracers))
        self.play(*(FadeIn(group[1]) for group in tracers))

        self.beat("trace")
        self.play(*(group[1].make_trace_animation(5, run_time=5) for group in tracers))

        peaks = [get_activation(name).max_derivative for name in ("sigmoid", "tanh")]
        self.beat("peaks", sigmoid_max=self.spoken(peaks[0]), tanh_max=self.spoken(peaks[1]))
        summary = WorkedSolution(
            [rf"\max \sigma' = {self.number('sigmoid_max', peaks[0])}",
             rf"\max \tanh' = {self.number('tanh_max', peaks[1])}"],
            theme=self.theme,
        ).to_edge(DOWN).to_edge(LEFT, buff=1.0)
        self.play(summary.make_reveal_animation(0), summary.make_reveal_animation(1))
        far_out = prose(self.label("far_out"), self.theme, font_size=self.theme.body_size)
        self.play(Write(far_out.next_to(summary, RIGHT, buff=1.5)))
