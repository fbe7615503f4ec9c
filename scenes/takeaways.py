"""Scene 11: the key takeaways, each with a small picture recalling the scene that showed it."""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, FadeIn, Mobject, VGroup

from lessonkit.components import ActivationPlot, LogBarChart, gradient_decades, shared_decades
from lessonkit.scene import Beat, LessonScene
from lessonkit.text import prose
from lessonkit.theme import EDGE_BUFF
from mathcore import get_activation, gradient_through_layers
from scenes.real_network import measure

ICON_WIDTH = 1.5
ICON_HEIGHT = 0.75


class Takeaways(LessonScene):
    """``takeaways.items``, one by one; each takeaway's text is also its caption."""

    beats = {
        "intro": Beat("The heading appears; each takeaway's own text is read as it appears."),
        "outro": Beat("The closing words."),
    }

    def construct(self) -> None:
        self.beat("intro")
        self.show_title()
        rows = VGroup(*(self.make_row(item) for item in self.lesson.takeaways.items))
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.32)
        available = self.content_top + self.camera.frame_height / 2 - EDGE_BUFF
        if rows.height > available:
            rows.scale_to_fit_height(available)
        rows.next_to(self.title, DOWN, buff=0.45).to_edge(LEFT, buff=EDGE_BUFF + 0.4)
        for number, (row, text) in enumerate(zip(rows, self.texts), start=1):
            self.say(text, f"item_{number}")
            self.play(FadeIn(row[0], scale=0.8), FadeIn(row[1], shift=0.1 * RIGHT))
        self.beat("outro")
        self.wait(0.5)

    def make_row(self, item: dict) -> VGroup:
        sigmoid_max = get_activation("sigmoid").max_derivative
        relu_max = get_activation("relu").max_derivative
        text = item["text"].format(sigmoid_max=self.spoken(sigmoid_max), relu_max=self.spoken(relu_max))
        self.texts = getattr(self, "texts", []) + [text]
        icon = self.make_icon(item["recall"])
        words = prose(text, self.theme, font_size=self.theme.label_size,
                      max_width=self.camera.frame_width - 2 * EDGE_BUFF - ICON_WIDTH - 1.2)
        return VGroup(icon, words).arrange(RIGHT, buff=0.4)

    def make_icon(self, recall: str) -> Mobject:
        """A small picture of the scene that showed the idea."""
        theme = self.theme
        small = {"x_length": ICON_WIDTH, "y_length": ICON_HEIGHT, "show_numbers": False, "theme": theme}
        if recall == "saturation":
            plot = ActivationPlot("sigmoid", **small)
            threshold = self.lesson.saturation.threshold
            icon = VGroup(plot.get_region(-plot.z_max, -threshold, theme.saturated, 0.4),
                          plot.get_region(threshold, plot.z_max, theme.saturated, 0.4), plot.axes, plot.graph)
        elif recall == "max_derivative":
            plot = ActivationPlot("sigmoid", derivative=True, **small)
            icon = VGroup(plot.axes, plot.graph, plot.get_dot(0.0).scale(0.6))
        elif recall == "relu":
            plot = ActivationPlot("relu", **small)
            icon = VGroup(plot.axes, plot.graph)
        elif recall == "chain":
            chain = self.lesson.chain
            values = gradient_through_layers(chain.per_layer_gradient, chain.layers)[::-1]
            floor, ceiling = gradient_decades(values)
            chart = LogBarChart(values, height=ICON_HEIGHT, width=ICON_WIDTH, floor_exponent=floor,
                                ceiling_exponent=ceiling, theme=theme)
            icon = VGroup(chart.baseline, chart.bars)
        else:  # real_network: the two measured bar charts side by side
            norms = {name: measure(self.lesson, name).weight_gradient_norms for name in ("sigmoid", "relu")}
            floor, ceiling = shared_decades(*norms.values())
            charts = []
            for name, values in norms.items():
                chart = LogBarChart(values, height=ICON_HEIGHT, width=ICON_WIDTH / 2 - 0.05, floor_exponent=floor,
                                    ceiling_exponent=ceiling, colors=theme.function_color(name), theme=theme)
                charts.append(VGroup(chart.baseline, chart.bars))
            icon = VGroup(*charts).arrange(RIGHT, buff=0.1, aligned_edge=DOWN)
        if icon.width > ICON_WIDTH:
            icon.scale_to_fit_width(ICON_WIDTH)
        return icon

