"""Scene 5: the gradient flows back through the layers and shrinks at each one."""

from __future__ import annotations

from manim import DOWN, RIGHT, FadeIn, Indicate, VGroup, Write

from lessonkit.components import LayerChain
from lessonkit.scene import Beat, Label, LessonScene
from lessonkit.text import tex_words
from lessonkit.theme import EDGE_BUFF


class GradientChain(LessonScene):
    """``chain.layers`` layers, each multiplying the gradient by ``chain.per_layer_gradient``."""

    beats = {
        "network": Beat("The layers appear.", "layers"),
        "backward": Beat("The gradient starts flowing back from the loss.", "per_layer_gradient"),
        "product": Beat(
            "The running product reaches the first layer.", "layers", "per_layer_gradient", "first_layer",
        ),
        "first_layer": Beat("The first layer's bar."),
    }
    labels = {"per_layer": Label("After the factor each layer multiplies by.", max_chars=20)}

    def construct(self) -> None:
        settings = self.lesson.chain
        self.layers, self.factor = settings.layers, settings.per_layer_gradient
        self.show_network()
        self.flow_backwards()
        self.show_product()
        self.point_at_first_layer()

    def show_network(self) -> None:
        self.beat("network", layers=str(self.layers))
        self.show_title()
        self.chain = LayerChain(self.factor, self.layers, width=self.camera.frame_width - 2 * EDGE_BUFF - 1.4,
                                theme=self.theme)
        # Leave room below for the product formula, however many lines the title takes.
        room = self.content_top + self.camera.frame_height / 2 - EDGE_BUFF - 1.0
        if self.chain.height > room:
            self.chain.scale_to_fit_height(room)
        self.chain.next_to(self.title, DOWN, buff=0.45).set_x(0.4)
        for layer, value, text in self.chain.shown_values():
            self.number(f"layer_{layer}_gradient", value, 2)
        self.play(self.chain.make_intro_animation(), run_time=1.5)

    def flow_backwards(self) -> None:
        self.beat("backward", per_layer_gradient=self.spoken(self.factor))
        factor = self.math(rf"\times {self.number('per_layer_gradient', self.factor)} "
                           + tex_words(" " + self.label("per_layer")),
                           color=self.chain.color, font_size=self.theme.body_size)
        # The bottom-right corner: clear of the network however many layers it has.
        factor.to_corner(DOWN + RIGHT, buff=EDGE_BUFF)
        self.play(FadeIn(factor))
        seconds = max(0.25, min(0.6, 4.0 / self.layers))
        self.play(self.chain.make_backward_pass_animation(seconds_per_layer=seconds))

    def show_product(self) -> None:
        first = self.chain.gradients[0]
        self.beat("product", layers=str(self.layers), per_layer_gradient=self.spoken(self.factor),
                  first_layer=self.spoken(first))
        product = self.math(
            rf"{self.number('per_layer_gradient', self.factor)}^{{{self.layers}}} = "
            rf"{self.number('first_layer_gradient', first)}",
            color=self.theme.warning, font_size=self.theme.formula_size,
        )
        product.next_to(self.chain, DOWN, buff=0.3).to_edge(DOWN, buff=EDGE_BUFF)
        self.play(Write(product))

    def point_at_first_layer(self) -> None:
        self.beat("first_layer")
        first_bar = self.chain.chart.bars[0]
        self.play(Indicate(VGroup(self.chain.columns[0], first_bar), color=self.theme.warning, scale_factor=1.3))
        self.wait(0.5)
