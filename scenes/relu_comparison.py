"""Scene 6: ReLU's step-shaped derivative keeps the gradient at 1; and the dying ReLU."""

from __future__ import annotations

import math

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Circle,
    Cross,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    VGroup,
    Write,
)

from lessonkit.components import ActivationPlot, LogBarChart, gradient_decades, nice_range
from lessonkit.scene import Beat, Label, LessonScene
from lessonkit.text import prose, tex_words
from lessonkit.theme import EDGE_BUFF
from mathcore import get_activation, gradient_by_layer, relu_prime, weight_update


class ReluComparison(LessonScene):
    """ReLU and its derivative beside the sigmoid's; the chain with ReLU; a dead neuron."""

    beats = {
        "relu": Beat("ReLU and its step-shaped derivative."),
        "compare": Beat("Beside the sigmoid's derivative.", "sigmoid_max", "relu_max"),
        "chain": Beat("The same chain with ReLU.", "layers", "sigmoid_first_layer", "relu_first_layer"),
        "dying": Beat("A neuron whose z stays negative."),
        "dead_weight": Beat("Its weight never moves.", "learning_rate", "update"),
    }
    labels = {"layer": Label("Beside each chart: the gradient reaching layer 1.", "number", max_chars=16)}

    def construct(self) -> None:
        self.sigmoid, self.relu = get_activation("sigmoid"), get_activation("relu")
        self.show_relu()
        self.compare_derivatives()
        self.compare_chains()
        self.show_dying_neuron()
        self.show_frozen_weight()

    def shared_slope_range(self) -> tuple[float, float, float]:
        """One y range for both derivatives, from the larger maximum with 10% headroom."""
        return nice_range(0.0, 1.1 * max(self.sigmoid.max_derivative, self.relu.max_derivative))

    def show_relu(self) -> None:
        self.beat("relu")
        self.show_title()
        # Both derivatives share one y range, so the sigmoid's peak looks as small as it is.
        shared = self.shared_slope_range()
        size = {"x_length": 5.6, "y_length": 2.1, "theme": self.theme, "z_max": 4.0, "x_step": 2.0}
        self.relu_plot = ActivationPlot("relu", **size)
        self.relu_slope = ActivationPlot("relu", derivative=True, y_range=shared, **size)
        self.sigmoid_plot = ActivationPlot("sigmoid", **size)
        self.sigmoid_slope = ActivationPlot("sigmoid", derivative=True, y_range=shared, **size)
        grid = VGroup(self.relu_plot, self.sigmoid_plot, self.relu_slope, self.sigmoid_slope)
        grid.arrange_in_grid(rows=2, cols=2, buff=(1.0, 0.55)).next_to(self.title, DOWN, buff=0.45)
        self.plots = grid
        self.play(Create(self.relu_plot), run_time=1.5)
        self.play(Create(self.relu_slope), run_time=1.5)

    def compare_derivatives(self) -> None:
        sigmoid_max, relu_max = self.sigmoid.max_derivative, self.relu.max_derivative
        self.beat("compare", sigmoid_max=self.spoken(sigmoid_max), relu_max=self.spoken(relu_max))
        self.play(FadeIn(self.sigmoid_plot), FadeIn(self.sigmoid_slope))
        levels = VGroup(
            self.sigmoid_slope.get_level_line(sigmoid_max, self.number("sigmoid_max", sigmoid_max),
                                              color=self.theme.sigmoid_prime),
            self.relu_slope.get_level_line(relu_max, self.number("relu_max", relu_max), color=self.theme.relu_prime),
        )
        self.play(Create(levels))
        self.wait(0.5)
        self.levels = levels

    def compare_chains(self) -> None:
        chain = self.lesson.chain
        sigmoid_path = list(gradient_by_layer(chain.per_layer_gradient, chain.layers))
        relu_factor = relu_prime(1.0)  # an active ReLU: any z > 0
        relu_path = list(gradient_by_layer(relu_factor, chain.layers))
        self.beat("chain", layers=str(chain.layers), sigmoid_first_layer=self.spoken(sigmoid_path[0]),
                  relu_first_layer=self.spoken(relu_path[0]))
        self.play(FadeOut(self.plots), FadeOut(self.levels))
        floor, ceiling = gradient_decades(sigmoid_path, relu_path)
        layer_numbers = [str(k) for k in range(1, chain.layers + 1)]
        paths = {"sigmoid": sigmoid_path, "relu": relu_path}
        names = {name: prose(get_activation(name).display_name, self.theme, font_size=self.theme.label_size,
                             color=self.theme.function_color(name)) for name in paths}
        layer_1 = tex_words(self.label("layer", number="1") + ": ")
        firsts = {name: self.math(rf"{layer_1} {self.number(f'{name}_first_layer', path[0])}",
                                  color=self.theme.function_color(name), font_size=self.theme.body_size)
                  for name, path in paths.items()}
        # The charts take what the labels leave (a long "layer 1" value at 20 layers included);
        # 1.2 is room for the decade labels on the chart's axis.
        room = (self.camera.frame_width - 2 * EDGE_BUFF - max(m.width for m in names.values())
                - max(m.width for m in firsts.values()) - 0.5 - 0.4 - 1.2)
        rows = VGroup()
        for name, path in paths.items():
            chart = LogBarChart(path, height=1.7, width=min(8.5, room), floor_exponent=floor, ceiling_exponent=ceiling,
                                colors=self.theme.function_color(name), bar_labels=layer_numbers, theme=self.theme)
            rows.add(VGroup(names[name].next_to(chart, LEFT, buff=0.5), chart,
                            firsts[name].next_to(chart, RIGHT, buff=0.4)))
        rows.arrange(DOWN, buff=0.6, aligned_edge=LEFT).next_to(self.title, DOWN, buff=0.5).set_x(0)
        for row in rows:
            self.play(FadeIn(row[0]), FadeIn(row[1].get_frame()))
            self.play(row[1].make_grow_animation(), run_time=1.5)
            self.play(Write(row[2]))
        self.rows = rows

    def show_dying_neuron(self) -> None:
        self.beat("dying")
        self.play(FadeOut(self.rows))
        z = self.lesson.dying_relu.z
        neuron = Circle(radius=0.7, color=self.theme.relu, stroke_width=4)
        inputs = VGroup(*(Arrow(LEFT * 2.2 + UP * dy, neuron.get_left() + UP * dy * 0.3, color=self.theme.muted,
                                buff=0.05, stroke_width=3) for dy in (0.8, 0.0, -0.8)))
        output = Arrow(neuron.get_right(), neuron.get_right() + RIGHT * 1.8, color=self.theme.muted, buff=0.05)
        z_text = self.math(rf"z = {self.number('dead_z', z)}", color=self.theme.warning,
                           font_size=self.theme.formula_size)
        z_text.next_to(neuron, DOWN, buff=0.25)
        diagram = VGroup(inputs, neuron, output, z_text).scale(1.3)
        gradient = self.math(
            rf"\mathrm{{ReLU}}'({self.number('dead_z', z)}) = {self.number('dead_gradient', relu_prime(z))}",
            color=self.theme.relu_prime, font_size=self.theme.formula_size,
        )
        learning_rate = self.lesson.chain.learning_rate
        update = weight_update(learning_rate, relu_prime(z))
        self.delta = self.math(
            rf"\Delta w = {self.number('learning_rate', learning_rate)} \times "
            rf"{self.number('dead_gradient', relu_prime(z))} = {self.number('dead_update', update)}",
            font_size=self.theme.formula_size,
        )
        # The axes reach the dead neuron's z, however far left the lesson puts it.
        x_step = 2.0
        z_span = max(4.0, x_step * math.ceil(abs(z) / x_step))
        slope = ActivationPlot("relu", derivative=True, x_length=5.6, y_length=2.2, z_max=z_span, x_step=x_step,
                               y_range=self.shared_slope_range(), theme=self.theme)
        dot = slope.get_dot(z, color=self.theme.warning)
        self.dead_slope, self.dead_dot = slope, dot
        # The neuron at the left; at the right its slope, its gradient and (next beat) its update.
        right = VGroup(VGroup(slope, dot), gradient, self.delta).arrange(DOWN, buff=0.6, aligned_edge=LEFT)
        self.move_to_room(VGroup(diagram, right).arrange(RIGHT, buff=1.2))
        self.diagram = diagram
        self.play(FadeIn(diagram))
        self.play(Create(slope), run_time=1.2)
        self.play(FadeIn(dot, scale=0.5), Write(gradient))
        self.dead_gradient = gradient

    def show_frozen_weight(self) -> None:
        learning_rate = self.lesson.chain.learning_rate
        update = weight_update(learning_rate, relu_prime(self.lesson.dying_relu.z))
        self.beat("dead_weight", learning_rate=self.spoken(learning_rate), update=self.spoken(update))
        delta = self.delta
        self.play(Write(delta))
        cross = Cross(self.diagram[1], stroke_color=self.theme.warning, stroke_width=6)
        self.play(Create(cross), self.diagram[1].animate.set_stroke(self.theme.muted), Indicate(delta[0]))
        self.wait(0.5)

