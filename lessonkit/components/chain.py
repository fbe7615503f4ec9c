"""LayerChain: a network drawn as columns of nodes, with the gradient flowing back."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from manim import (
    DOWN,
    RIGHT,
    UP,
    Animation,
    AnimationGroup,
    Circle,
    Dot,
    FadeIn,
    Indicate,
    Line,
    MathTex,
    Succession,
    VGroup,
)

from lessonkit.components.bars import LogBarChart, gradient_decades
from lessonkit.theme import Theme
from mathcore import format_number, gradient_by_layer


class LayerChain(VGroup):
    """Columns of nodes (layer 1 on the left, the loss on the right) and, under each
    layer, a bar on a log scale for the gradient that reaches it.

    Args:
        per_layer_gradient: The factor each layer multiplies the gradient by (one
            number, or one per layer ordered from layer 1 to the last): any positive
            number; below 1 the gradient vanishes, above 1 it explodes and the bars grow
            towards layer 1, on a log axis spanning at least the decade below 1.
        layers: Number of layers (when one factor is given), 1 or more.
        width: Width of the whole drawing; 20 layers still fit in the frame's width.
        network_height: Height of the node columns.
        bar_height: Height of the log-scale bar chart (0 for no bars).
        nodes_per_layer: Nodes drawn in each column.
        floor_exponent: The bar chart's bottom decade (shared when two chains are compared).
        value_labels: Write each layer's gradient under its bar: ``"all"``, ``"ends"``
            (first and last layer) or ``"auto"`` (all when they fit).
        color: Colour of the gradient pulse and bars.
        theme: Colours and sizes.

    Parts: ``columns``, ``edges``, ``loss``, ``layer_labels``, ``chart``, ``value_labels``
    (hidden until the backward pass), ``pulse``; ``gradients[k]`` is the gradient
    reaching layer ``k + 1``. Show it with :meth:`make_intro_animation` rather than
    ``scene.add(chain)``, which would show the bars before the gradient arrives.
    """

    def __init__(
        self,
        per_layer_gradient: float | Sequence[float],
        layers: int | None = None,
        *,
        width: float = 11.0,
        network_height: float = 1.8,
        bar_height: float = 2.2,
        nodes_per_layer: int = 3,
        floor_exponent: int | None = None,
        value_labels: str = "auto",
        color: str | None = None,
        theme: Theme | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.theme = theme = theme or Theme.default()
        if np.ndim(per_layer_gradient) == 0:
            if layers is not None and (int(layers) != layers or layers < 1):
                raise ValueError(f"layers must be a whole number >= 1, got {layers!r}")
            factors = [float(per_layer_gradient)] * (1 if layers is None else int(layers))
        else:
            factors = [float(f) for f in per_layer_gradient]
        if not factors:
            raise ValueError("per_layer_gradient must give at least one layer's factor")
        if not all(np.isfinite(f) and f > 0 for f in factors):
            raise ValueError(f"per_layer_gradient must be positive and finite, got {per_layer_gradient!r}")
        self.factors = factors
        self.layers = n = len(factors)
        self.gradients = list(gradient_by_layer(factors))
        color = color or theme.gradient
        self.color = color

        slot = width / (n + 1)
        radius = min(0.16, 0.28 * slot)
        self.columns = VGroup()
        for index in range(n):
            column = VGroup(*(Circle(radius=radius, color=theme.muted, stroke_width=2) for _ in range(nodes_per_layer)))
            column.arrange(DOWN, buff=(network_height - 2 * radius * nodes_per_layer) / max(nodes_per_layer - 1, 1))
            column.move_to(RIGHT * slot * (index + 0.5))
            self.columns.add(column)
        self.loss = MathTex(r"\mathcal{L}", font_size=theme.body_size, color=theme.text)
        self.loss.move_to(RIGHT * slot * (n + 0.5))
        self.edges = VGroup()
        for left, right in zip(self.columns[:-1], self.columns[1:]):
            for a in left:
                for b in right:
                    self.edges.add(Line(a.get_center(), b.get_center(), stroke_width=1, color=theme.muted,
                                        stroke_opacity=0.45, buff=radius))
        for node in self.columns[-1]:
            self.edges.add(Line(node.get_center(), self.loss.get_left(), stroke_width=1, color=theme.muted,
                                stroke_opacity=0.45, buff=radius))
        label_step = 1 if n <= 10 else 2
        self.layer_labels = VGroup(*(
            MathTex(str(index + 1), font_size=theme.tick_size, color=theme.muted).next_to(column, UP, buff=0.12)
            for index, column in enumerate(self.columns) if index % label_step == 0 or index == n - 1
        ))
        self.add(self.edges, self.columns, self.loss, self.layer_labels)

        self.chart = None
        self.value_labels = VGroup()
        if bar_height > 0:
            floor, ceiling = gradient_decades(self.gradients)
            self.chart = LogBarChart(self.gradients, height=bar_height, width=slot * n,
                                     floor_exponent=floor if floor_exponent is None else floor_exponent,
                                     ceiling_exponent=ceiling, colors=color, theme=theme)
            self.chart.next_to(self.columns, DOWN, buff=0.45)
            # Each bar stands under its layer's column.
            self.chart.shift(RIGHT * (self.columns[0].get_center()[0] - self.chart.bars[0].get_center()[0]))
            show_all = value_labels == "all" or (value_labels == "auto" and n <= 6)
            for index, (bar, value) in enumerate(zip(self.chart.bars, self.gradients)):
                if show_all or index in (0, n - 1):
                    # Only the two ends are labelled when the layers are many: they may spread
                    # over their unlabelled neighbours and keep a readable size.
                    label = MathTex(format_number(value, 2), font_size=theme.tick_size, color=theme.text)
                    label.next_to([bar.get_center()[0], self.chart.get_bottom()[1], 0], DOWN, buff=0.12)
                    self.value_labels.add(label)
                else:
                    self.value_labels.add(VGroup())
            self.add(self.chart, self.value_labels)
        self.pulse = Dot(radius=0.12, color=color)

    def get_network(self) -> VGroup:
        """Nodes, edges, loss and layer numbers."""
        return VGroup(self.edges, self.columns, self.loss, self.layer_labels)

    def make_intro_animation(self) -> Animation:
        """Draw the network and the empty chart; the bars wait for the backward pass."""
        parts = [FadeIn(self.get_network(), lag_ratio=0.02)]
        if self.chart is not None:
            parts.append(FadeIn(self.chart.get_frame()))
        return AnimationGroup(*parts)

    def shown_values(self) -> list[tuple[int, float, str]]:
        """(layer number, gradient, text) for every value label on screen."""
        return [
            (index + 1, value, label.tex_string)
            for index, (value, label) in enumerate(zip(self.gradients, self.value_labels))
            if isinstance(label, MathTex)
        ]

    def make_backward_pass_animation(self, seconds_per_layer: float = 0.6) -> Animation:
        """The gradient travels from the loss to layer 1; each layer's bar grows as it arrives."""
        self.pulse.move_to(self.loss.get_center())
        steps = [FadeIn(self.pulse, scale=0.5, run_time=0.3)]
        for index in reversed(range(self.layers)):
            column = self.columns[index]
            arrive = self.pulse.animate(run_time=seconds_per_layer).move_to(column.get_center())
            reactions = [Indicate(column, color=self.color, scale_factor=1.1)]
            if self.chart is not None:
                reactions.append(self.chart.make_grow_animation(index))
                if isinstance(self.value_labels[index], MathTex):
                    reactions.append(FadeIn(self.value_labels[index], shift=0.1 * UP))
            steps += [arrive, AnimationGroup(*reactions, run_time=seconds_per_layer)]
        return Succession(*steps)
