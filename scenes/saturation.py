"""Scene 2: the sigmoid saturates: far from 0, big changes in z barely move the output."""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Create, FadeIn, FadeOut, ValueTracker, VGroup, Write, linear

from lessonkit.components import ActivationPlot, LabelledReadout
from lessonkit.components.motion import follow
from lessonkit.scene import Beat, LessonScene
from lessonkit.text import prose
from mathcore import sigmoid


class Saturation(LessonScene):
    """The sigmoid with its saturated regions shaded; a point pushed far into each."""

    beats = {
        "curve": Beat("The sigmoid is drawn on its axes."),
        "regions": Beat("The saturated regions are shaded.", "threshold"),
        "right": Beat(
            "A point moves from from_z to to_z; the output barely changes.", "from_z", "to_z", "sigma_from", "sigma_to",
        ),
        "left": Beat("The same on the left.", "neg_from_z", "neg_to_z", "sigma_neg_from", "sigma_neg_to"),
        "summary": Beat("The lesson of the scene."),
    }

    def construct(self) -> None:
        self.draw_curve()
        self.shade_regions()
        self.push_point(side=+1, beat="right")
        self.push_point(side=-1, beat="left")
        self.sum_up()

    #: The plot's size once the readouts stand beside it; before, it fills the frame.
    plot_width, plot_height = 8.4, 4.6

    def draw_curve(self) -> None:
        self.beat("curve")
        self.show_title()
        self.plot = ActivationPlot("sigmoid", x_length=self.plot_width, y_length=self.plot_height,
                                   z_max=self.lesson.plot.z_max, theme=self.theme)
        # Alone, the curve takes the whole room; it moves aside when the numbers arrive.
        self.move_to_room(self.plot, fill=True)
        self.play(Create(self.plot.axes), FadeIn(self.plot.tick_labels, self.plot.x_label, self.plot.y_label))
        self.play(Create(self.plot.graph), run_time=2)

    def shade_regions(self) -> None:
        threshold = self.lesson.saturation.threshold
        self.beat("regions", threshold=self.spoken(threshold))
        regions = self.plot.get_saturated_regions(threshold)
        label = self.math(rf"|z| \geq {self.number('threshold', threshold)}", color=self.theme.saturated,
                          font_size=self.theme.formula_size)
        label.next_to(regions[1], UP, buff=0.1)
        self.play(FadeIn(regions), Write(label))
        self.bring_to_front(self.plot.graph)
        self.regions = VGroup(regions, label)

        # Live readouts of z and sigma(z) for the moving point, at the right of the plot.
        self.z = ValueTracker(0.0)
        self.z_readout = LabelledReadout("z =", self.z.get_value, sig_figs=None, decimals=2,
                                        font_size=self.theme.body_size)
        self.sigma_readout = LabelledReadout(r"\sigma(z) =", lambda: sigmoid(self.z.get_value()), sig_figs=4,
                                             font_size=self.theme.body_size, number_color=self.theme.sigmoid)
        self.readouts = VGroup(self.z_readout, self.sigma_readout).arrange(DOWN, aligned_edge=LEFT, buff=0.3)

    def make_room_for_readouts(self) -> None:
        """Shrink the plot to its working size at the left; the readouts stand at its right."""
        stage = VGroup(self.plot, self.regions[0])
        target = stage.copy().scale(self.plot_width / self.plot.axes.x_axis.width)
        target.to_edge(LEFT, buff=0.6).set_y(self.content_region()[0][1] + target.height / 2 + 0.2)
        label = self.regions[1].copy().next_to(target[1][1], UP, buff=0.1)
        self.play(stage.animate.become(target), self.regions[1].animate.move_to(label))
        self.readouts.next_to(self.plot, RIGHT, buff=0.4).align_to(self.plot, UP)

    def push_point(self, side: int, beat: str) -> None:
        settings = self.lesson.saturation
        z_from, z_to = side * settings.from_z, side * settings.to_z
        values = {"from_z": z_from, "to_z": z_to} if side > 0 else {"neg_from_z": z_from, "neg_to_z": z_to}
        sigma_from, sigma_to = sigmoid(z_from), sigmoid(z_to)
        names = ("sigma_from", "sigma_to") if side > 0 else ("sigma_neg_from", "sigma_neg_to")
        self.beat(beat, **{k: self.spoken(v) for k, v in values.items()},
                  **{names[0]: self.spoken(sigma_from), names[1]: self.spoken(sigma_to)})

        if side > 0:
            self.make_room_for_readouts()
        self.z.set_value(z_from)
        dot = follow(self.plot.get_dot(z_from), lambda: self.plot.point_at(self.z.get_value()))
        if side > 0:
            self.play(FadeIn(self.readouts), FadeIn(dot))
        else:
            self.play(FadeOut(self.change), FadeIn(dot))
        self.play(self.z.animate(run_time=3, rate_func=linear).set_value(z_to))
        dot.clear_updaters()

        size = self.theme.body_size
        change = VGroup(
            self.math(rf"z:\ {self.number(f'{beat}_z_from', z_from)} \to {self.number(f'{beat}_z_to', z_to)}",
                      font_size=size),
            self.math(rf"\Delta z = {self.number(f'{beat}_delta_z', z_to - z_from)}", font_size=size),
            self.math(rf"\sigma:\ {self.number(f'{beat}_sigma_from', sigma_from)} \to "
                      rf"{self.number(f'{beat}_sigma_to', sigma_to)}", font_size=size, color=self.theme.sigmoid),
            self.math(rf"\Delta \sigma = {self.number(f'{beat}_delta_sigma', sigma_to - sigma_from, 2)}",
                      font_size=size, color=self.theme.warning),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        change.next_to(self.readouts, DOWN, buff=0.6, aligned_edge=LEFT)
        self.play(Write(change))
        # Stays up while the caption is read; the next beat clears it.
        self.change = VGroup(change, dot)

    def sum_up(self) -> None:
        self.beat("summary")
        self.play(FadeOut(self.change))
        summary = prose(self.line("summary"), self.theme, font_size=self.theme.label_size,
                        max_width=self.width_right_of(self.readouts))
        summary.next_to(self.readouts, DOWN, buff=0.6, aligned_edge=LEFT)
        self.play(FadeIn(summary, shift=0.1 * UP))
        self.wait(0.5)
