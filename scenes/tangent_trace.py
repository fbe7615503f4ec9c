"""Scene 3: a tangent slides along the activation; its slope is the derivative below."""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, Create, FadeIn, Indicate, VGroup, Write

from lessonkit.components import ActivationPlot, TangentTracer
from lessonkit.scene import Beat, Label, LessonScene
from lessonkit.text import tex_words
from lessonkit.theme import EDGE_BUFF
from mathcore import get_activation, share_of_max_gradient


class TangentTrace(LessonScene):
    """The function above, its derivative below, one tangent linking them.

    Driven by ``tangent.activation``: the same scene traces tanh or leaky ReLU.
    """

    beats = {
        "setup": Beat("The activation and its derivative appear.", "name"),
        "trace": Beat("The tangent line starts to slide."),
        "peak": Beat("The tangent pauses at the derivative's peak.", "name", "peak_z", "max_derivative"),
        "saturated": Beat("The tangent pauses at tangent.pause_z.", "pause_z", "slope", "share"),
        "end": Beat("The tangent reaches the right edge."),
    }
    labels = {
        "slope": Label("The live readout's word for the tangent's slope.", max_chars=12),
        "of_max": Label("After the share of the maximum slope: 0.66% of max.", max_chars=16),
    }

    def construct(self) -> None:
        self.activation = get_activation(self.lesson.tangent.activation)
        self.show_plots()
        self.start_tracing()
        self.pause_at_peak()
        self.pause_in_flat_region()
        self.finish_tracing()

    def show_plots(self) -> None:
        self.beat("setup", name=self.activation.display_name.lower())
        self.show_title()
        name = self.activation.name
        # The z numbers once, under the lower plot, and the derivative's name beside its axis:
        # the line joining the two dots then crosses no text as it slides.
        # 8 units wide leaves the live readout room for ten characters beside the plot, the
        # most a readout takes in scientific notation or at tanh's tails (0.00002458).
        size = {"x_length": 8.0, "y_length": 2.3, "z_max": self.lesson.plot.z_max, "theme": self.theme}
        self.curve = ActivationPlot(name, show_z_numbers=False, **size)
        self.slope = ActivationPlot(name, derivative=True, **size)
        self.slope.y_label.next_to(self.slope.axes.y_axis.get_top(), RIGHT, buff=0.15)
        plots = VGroup(self.curve, self.slope).arrange(DOWN, buff=0.55, aligned_edge=LEFT)
        # Each z straight above itself (their tick labels differ in width): the line joining
        # the two dots stands vertical.
        self.curve.shift((self.slope.axes.c2p(0, 0)[0] - self.curve.axes.c2p(0, 0)[0]) * RIGHT)
        plots.to_edge(LEFT, buff=EDGE_BUFF + 0.3).shift(0.45 * DOWN)
        self.play(Create(self.curve), run_time=1.5)
        self.play(Create(self.slope), run_time=1.5)

    def start_tracing(self) -> None:
        self.beat("trace")
        z_max = self.curve.z_max
        self.tracer = TangentTracer(self.curve, self.slope, start_z=-0.75 * z_max, readout_label=self.label("slope"),
                                    theme=self.theme)
        self.tracer.readout.next_to(self.curve, RIGHT, buff=0.3).shift(0.2 * DOWN)
        self.play(FadeIn(self.tracer))
        self.play(self.tracer.make_trace_animation(self.activation.peak_z - 2.0, run_time=3.0))

    def pause_at_peak(self) -> None:
        peak_z = self.activation.peak_z
        self.play(self.tracer.make_trace_animation(peak_z, run_time=1.5))
        max_slope = self.activation.max_derivative
        self.beat(
            "peak",
            name=self.activation.display_name.lower(),
            peak_z=self.spoken(peak_z),
            max_derivative=self.spoken(max_slope),
        )
        level = self.slope.get_level_line(max_slope, self.number("max_derivative", max_slope))
        self.play(Create(level), Indicate(self.tracer.readout, color=self.theme.highlight))
        self.peak_level = level

    def pause_in_flat_region(self) -> None:
        pause_z = self.lesson.tangent.pause_z
        self.play(self.tracer.make_trace_animation(pause_z, run_time=3.0))
        slope = self.activation.derivative(pause_z)
        share = share_of_max_gradient(pause_z, self.activation.name)
        self.beat("saturated", pause_z=self.spoken(pause_z), slope=self.spoken(slope),
                  share=self.spoken_percent(share))
        note = VGroup(
            self.math(rf"z = {self.number('pause_z', pause_z)}"),
            self.math(rf"{tex_words(self.label('slope'))} = {self.number('slope_at_pause', slope)}"),
            self.math(rf"= {self.percent('share_at_pause', share)} {tex_words(' ' + self.label('of_max'))}",
                      color=self.theme.warning),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.18)
        note.next_to(self.slope, RIGHT, buff=0.3).align_to(self.tracer.readout, LEFT)
        self.play(Write(note))
        self.flat_note = note

    def finish_tracing(self) -> None:
        self.beat("end")
        self.play(self.tracer.make_trace_animation(0.95 * self.curve.z_max, run_time=2.0))
        self.wait(0.5)
