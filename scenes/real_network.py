"""Scene 10: the same effect measured by backpropagation in real deep networks."""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, FadeIn, VGroup, Write

from lessonkit.components import LogBarChart, shared_decades
from lessonkit.config import Lesson
from lessonkit.scene import Beat, Label, LessonScene
from lessonkit.text import prose, tex_words
from mathcore import GradientMeasurement, get_activation, measure_gradient_norms


def measure(lesson: Lesson, activation: str) -> GradientMeasurement:
    """The lesson's ``[real_network]`` experiment with ``activation`` (also recalled by Takeaways)."""
    settings = lesson.real_network
    return measure_gradient_norms(depth=settings.depth, width=settings.width, activation=activation,
                                  init=settings.init, seed=settings.seed, batch=settings.batch)


class RealNetwork(LessonScene):
    """Per-layer gradient norms of a deep sigmoid network and a deep ReLU network."""

    beats = {
        "setup": Beat("The experiment.", "depth", "width"),
        "sigmoid": Beat("The sigmoid network's bars.", "sigmoid_ratio"),
        "relu": Beat("The ReLU network's bars.", "relu_ratio"),
        "conclusion": Beat("The closing line."),
    }
    labels = {
        "per_layer": Label("Above the charts, after the gradient's symbol.", max_chars=20),
        "layer": Label("The ratio's numerator and denominator.", "number", max_chars=16),
    }

    def construct(self) -> None:
        self.measurements = {name: measure(self.lesson, name) for name in ("sigmoid", "relu")}
        self.describe_experiment()
        self.show_network("sigmoid", side=LEFT)
        self.show_network("relu", side=RIGHT)
        self.conclude()

    def describe_experiment(self) -> None:
        settings = self.lesson.real_network
        self.beat("setup", depth=str(settings.depth), width=str(settings.width))
        self.show_title()
        # One log scale for both charts, so their bars compare directly.
        self.scale_exponents = shared_decades(*(m.weight_gradient_norms for m in self.measurements.values()))
        axis_note = self.math(r"\lVert \partial L / \partial W_\ell \rVert " + tex_words(f" {self.label('per_layer')} ")
                              + r" \ell",
                              font_size=self.theme.label_size, color=self.theme.muted)
        axis_note.next_to(self.title, DOWN, buff=0.3)
        self.play(FadeIn(axis_note))
        self.axis_note = axis_note

    def chart_for(self, measurement: GradientMeasurement, color: str) -> LogBarChart:
        depth = measurement.depth
        step = 1 if depth <= 10 else 2
        labels = [str(k) if (k - 1) % step == 0 or k == depth else "" for k in range(1, depth + 1)]
        return LogBarChart(measurement.weight_gradient_norms, height=3.2, width=5.0,
                           floor_exponent=self.scale_exponents[0], ceiling_exponent=self.scale_exponents[1],
                           colors=color, bar_labels=labels, theme=self.theme)

    def show_network(self, name: str, side) -> None:
        measurement = self.measurements[name]
        ratio = measurement.first_to_last_ratio
        self.beat(name, **{f"{name}_ratio": self.spoken(ratio, 2)})
        color = self.theme.function_color(name)
        chart = self.chart_for(measurement, color)
        heading = prose(f"{get_activation(name).display_name}", self.theme, font_size=self.theme.body_size,
                        color=color, weight="BOLD")
        readout = self.math(
            rf"\frac{{{tex_words(self.label('layer', number='1'))}}}"
            rf"{{{tex_words(self.label('layer', number=str(measurement.depth)))}}} = "
            rf"{self.number(f'{name}_ratio', ratio, 2)}",
            color=color, font_size=self.theme.label_size,
        )
        group = VGroup(heading, chart, readout).arrange(DOWN, buff=0.35)
        group.next_to(self.axis_note, DOWN, buff=0.35).to_edge(side, buff=1.0)
        self.play(FadeIn(heading), FadeIn(chart.get_frame()))
        self.play(chart.make_grow_animation(), run_time=2)
        self.play(Write(readout))

    def conclude(self) -> None:
        self.beat("conclusion")
        self.wait(1.0)

