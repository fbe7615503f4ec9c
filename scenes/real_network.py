"""Scene 10: the same effect measured by backpropagation in real deep networks."""

from __future__ import annotations

from manim import DOWN, RIGHT, UP, FadeIn, VGroup, Write

from lessonkit.components import LogBarChart, shared_decades
from lessonkit.scene import Beat, Label, LessonScene
from lessonkit.text import prose, tex_words
from mathcore import GradientMeasurement, compare_gradient_norms, get_activation


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
        self.measurements = compare_gradient_norms(("sigmoid", "relu"), **self.lesson.real_network.to_dict())
        self.describe_experiment()
        self.show_network("sigmoid")
        self.show_network("relu")
        self.conclude()

    def describe_experiment(self) -> None:
        settings = self.lesson.real_network
        self.beat("setup", depth=str(settings.depth), width=str(settings.width))
        self.show_title()
        # One log scale for both charts, so their bars compare directly.
        self.scale_exponents = shared_decades(*(m.weight_gradient_norms for m in self.measurements.values()))
        axis_note = self.math(r"\lVert \partial L / \partial W_\ell \rVert " + tex_words(f" {self.label('per_layer')} ")
                              + r" \ell",
                              font_size=self.theme.body_size, color=self.theme.muted)
        # Both experiments laid out at once: their empty charts show what will be measured.
        self.panels = {name: self.panel_for(name) for name in self.measurements}
        panels = VGroup(*self.panels.values()).arrange(RIGHT, buff=1.2, aligned_edge=UP)
        for _, chart, _ in list(self.panels.values())[1:]:  # the charts' axes level with each other
            chart.align_to(panels[0][1], DOWN)
        self.move_to_room(VGroup(axis_note, panels).arrange(DOWN, buff=0.4))
        self.play(FadeIn(axis_note))
        self.play(*(FadeIn(heading) for heading, _, _ in self.panels.values()),
                  *(FadeIn(chart.get_frame()) for _, chart, _ in self.panels.values()))
        self.axis_note = axis_note

    def chart_for(self, measurement: GradientMeasurement, color: str) -> LogBarChart:
        depth = measurement.depth
        step = 1 if depth <= 10 else 2
        labels = [str(k) if (k - 1) % step == 0 or k == depth else "" for k in range(1, depth + 1)]
        return LogBarChart(measurement.weight_gradient_norms, height=3.4, width=5.4,
                           floor_exponent=self.scale_exponents[0], ceiling_exponent=self.scale_exponents[1],
                           colors=color, bar_labels=labels, theme=self.theme)

    def panel_for(self, name: str) -> VGroup:
        """The network's name, its chart, and the ratio of its first layer's gradient to its last's."""
        measurement = self.measurements[name]
        color = self.theme.function_color(name)
        heading = prose(f"{get_activation(name).display_name}", self.theme, font_size=self.theme.body_size,
                        color=color, weight="BOLD")
        readout = self.math(
            rf"\frac{{{tex_words(self.label('layer', number='1'))}}}"
            rf"{{{tex_words(self.label('layer', number=str(measurement.depth)))}}} = "
            rf"{self.number(f'{name}_ratio', measurement.first_to_last_ratio, 2)}",
            color=color, font_size=self.theme.body_size,
        )
        return VGroup(heading, self.chart_for(measurement, color), readout).arrange(DOWN, buff=0.35)

    def show_network(self, name: str) -> None:
        ratio = self.measurements[name].first_to_last_ratio
        self.beat(name, **{f"{name}_ratio": self.spoken(ratio, 2)})
        _, chart, readout = self.panels[name]
        self.play(chart.make_grow_animation(), run_time=2)
        self.play(Write(readout))

    def conclude(self) -> None:
        self.beat("conclusion")
        self.wait(1.0)

