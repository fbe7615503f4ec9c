"""Scenes 8 and 9: the two practice problems, question first, then the worked solution."""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Create, FadeIn, Flash, ReplacementTransform, VGroup, Write

from lessonkit.components import ActivationPlot, WorkedSolution
from lessonkit.scene import Beat, Label, LessonScene
from lessonkit.text import prose, tex_words
from lessonkit.theme import EDGE_BUFF
from mathcore import format_number, practice_problem_1, practice_problem_2

#: Seconds the "try it yourself" pause lasts before the solution starts.
THINKING_PAUSE = 3.0


class PracticeScene(LessonScene):
    """Shared shape of a practice problem: a question, a pause, then the solution."""

    def pose_question(self, **values: str) -> None:
        """The question alone, large in the middle of the frame, while the class thinks."""
        self.beat("question", **values)
        self.show_title()
        low, high = self.content_region()
        self.question_words = self.label("question", **values)
        self.question = prose(self.question_words, self.theme, font_size=self.theme.display_size,
                              max_width=high[0] - low[0])
        self.move_to_room(self.question)
        self.play(FadeIn(self.question, shift=0.1 * UP))

    def set_question_aside(self) -> None:
        """Shrink the question to body size under the title, making room for the solution."""
        target = prose(self.question_words, self.theme, font_size=self.theme.body_size)
        target.next_to(self.title, DOWN, buff=0.35).to_edge(LEFT, buff=EDGE_BUFF + 0.2)
        self.play(self.question.animate.become(target))

    def pause_to_think(self) -> None:
        self.beat("think")
        self.wait(THINKING_PAUSE)


class PracticeProblem1(PracticeScene):
    """The sigmoid derivative at ``practice.z`` and its share of the maximum."""

    beats = {
        "question": Beat("The question.", "z"),
        "think": Beat("A pause to try it."),
        "sigma": Beat("First line: the sigmoid.", "z", "sigma"),
        "derivative": Beat("Second line: the derivative.", "z", "derivative"),
        "share": Beat("Third line: the share of the maximum.", "max_derivative", "share"),
        "conclusion": Beat("The point on the derivative curve.", "z", "share"),
    }
    labels = {"question": Label("The question, written on screen.", "z")}

    #: Room for the worked lines; the plot of sigma' takes the rest of the width.
    solution_width = 8.8

    def construct(self) -> None:
        self.solution_numbers = practice_problem_1(self.lesson.practice.z)
        p = self.solution_numbers
        self.pose_question(z=self.spoken(p.z))
        self.pause_to_think()
        self.build_solution()
        self.reveal(0, "sigma", z=self.spoken(p.z), sigma=self.spoken(p.sigma))
        self.reveal(1, "derivative", z=self.spoken(p.z), derivative=self.spoken(p.derivative))
        self.reveal(2, "share", max_derivative=self.spoken(p.max_derivative), share=self.spoken_percent(p.share))
        self.mark_on_curve()

    def build_solution(self) -> None:
        p = self.solution_numbers
        z, s, e = self.number("z", p.z), self.number("sigma", p.sigma), self.number("exp_neg_z", p.exp_neg_z)
        minus_z = format_number(-p.z)
        self.solution = WorkedSolution(
            [
                rf"\sigma({z}) = \frac{{1}}{{1 + e^{{{minus_z}}}}} = \frac{{1}}{{1 + {e}}} = {s}",
                rf"\sigma'({z}) = \sigma({z})\,(1 - \sigma({z})) = {s} \times "
                rf"{self.number('one_minus_sigma', p.one_minus_sigma)} = {self.number('derivative', p.derivative)}",
                (
                    rf"\frac{{\sigma'({z})}}{{\sigma'(0)}} = \frac{{{self.number('derivative', p.derivative)}}}"
                    rf"{{{self.number('max_derivative', p.max_derivative)}}} = {self.number('share', p.share)} = ",
                    self.percent("share_percent", p.share),
                ),
            ],
            font_size=self.theme.formula_size,
            max_width=self.solution_width,
            line_buff=0.5,
            theme=self.theme,
        )
        self.solution.lines[2][-1].set_color(self.theme.warning)

    def reveal(self, index: int, beat: str, **values: str) -> None:
        self.beat(beat, **values)
        if index == 0:
            self.set_question_aside()
            self.solution.next_to(self.question, DOWN, buff=0.6, aligned_edge=LEFT)
        self.play(self.solution.make_reveal_animation(index))

    def mark_on_curve(self) -> None:
        p = self.solution_numbers
        self.beat("conclusion", z=self.spoken(p.z), share=self.spoken_percent(p.share))
        plot = ActivationPlot("sigmoid", derivative=True, x_length=3.6, y_length=2.4, theme=self.theme,
                              z_max=self.lesson.plot.z_max, x_step=self.lesson.plot.z_max / 2)
        plot.next_to(self.solution, RIGHT, buff=0.5).align_to(self.solution, DOWN)
        plot.shift(RIGHT * max(0.0, -self.width_right_of(plot)))
        dot, peak = plot.get_dot(p.z, color=self.theme.warning), plot.get_dot(0.0)
        self.play(Create(plot), run_time=1.2)
        self.play(FadeIn(peak), FadeIn(dot, scale=0.5))
        self.play(Flash(dot, color=self.theme.warning))
        self.wait(0.5)


class PracticeProblem2(PracticeScene):
    """``chain.layers`` sigmoid layers of gradient ``chain.per_layer_gradient``: the product
    built factor by factor, then the weight update with ``chain.learning_rate``."""

    beats = {
        "question": Beat("The question.", "layers", "per_layer_gradient"),
        "think": Beat("A pause to try it."),
        "product": Beat("The product, factor by factor.", "layers", "per_layer_gradient", "first_layer"),
        "update": Beat("The weight update.", "learning_rate", "first_layer", "update"),
        "conclusion": Beat("The closing line."),
    }
    labels = {
        "question": Label("The question, written on screen.", "layers", "per_layer_gradient"),
        "total": Label("Before the product, left of its = sign.", max_chars=24),
        "factors": Label("Under the braces of a long product: 12 factors.", max_chars=12),
    }

    #: More layers than this are written with a \\cdots in the middle of the product.
    MAX_FACTORS_WRITTEN = 6

    def construct(self) -> None:
        chain = self.lesson.chain
        self.solution_numbers = practice_problem_2(chain.per_layer_gradient, chain.layers, chain.learning_rate)
        p = self.solution_numbers
        self.pose_question(layers=str(p.layers), per_layer_gradient=self.spoken(p.per_layer_gradient))
        self.pause_to_think()
        self.build_product()
        self.show_update()
        self.conclude()

    def factor_row(self, count: int) -> str:
        g = self.number("per_layer_gradient", self.solution_numbers.per_layer_gradient)
        if count <= self.MAX_FACTORS_WRITTEN:
            return r" \times ".join([g] * count)
        factors = tex_words(" " + self.label("factors"))
        return rf"\underbrace{{{g} \times {g} \times \cdots \times {g}}}_{{{count}{factors}}}"

    def build_product(self) -> None:
        p = self.solution_numbers
        self.beat("product", layers=str(p.layers), per_layer_gradient=self.spoken(p.per_layer_gradient),
                  first_layer=self.spoken(p.first_layer_gradient))
        self.set_question_aside()
        steps = min(p.layers, self.MAX_FACTORS_WRITTEN)
        total = tex_words(self.label("total"))
        size = self.theme.formula_size
        lines = []
        for count in range(1, steps + 1):
            lines.append(self.math(rf"{total} = {self.factor_row(count)} = "
                                   rf"{self.number(f'product_{count}', p.running_products[count - 1])}",
                                   font_size=size))
        if p.layers > steps:
            lines.append(self.math(rf"{total} = {self.factor_row(p.layers)}", font_size=size))
        low, high = self.content_region()
        for line in lines:
            if line.width > high[0] - low[0]:
                line.scale_to_fit_width(high[0] - low[0])
        final = self.math(
            rf"= {self.number('per_layer_gradient', p.per_layer_gradient)}^{{{p.layers}}} = "
            rf"{self.number('first_layer_gradient', p.first_layer_gradient)}",
            color=self.theme.warning, font_size=size,
        )
        anchor = self.question.get_corner(DOWN + LEFT) + 0.7 * DOWN
        for line in lines:
            line.next_to(anchor, DOWN, buff=0, aligned_edge=LEFT).align_to(self.question, LEFT)
        current = lines[0]
        self.play(Write(current))
        for line in lines[1:]:
            self.play(ReplacementTransform(current, line), run_time=0.6 if p.layers > 3 else 0.9)
            current = line
        final.next_to(current, DOWN, buff=0.45, aligned_edge=LEFT).shift(RIGHT * 1.0)
        self.play(Write(final))
        self.product = VGroup(current, final)

    def show_update(self) -> None:
        p = self.solution_numbers
        self.beat("update", learning_rate=self.spoken(p.learning_rate), first_layer=self.spoken(p.first_layer_gradient),
                  update=self.spoken(p.weight_update))
        update = self.math(
            rf"\Delta w = {self.number('learning_rate', p.learning_rate)} \times "
            rf"{self.number('first_layer_gradient', p.first_layer_gradient)} = "
            rf"{self.number('weight_update', p.weight_update)}", font_size=self.theme.formula_size,
        )
        update.next_to(self.product, DOWN, buff=0.8).align_to(self.question, LEFT)
        self.play(Write(update))
        self.update_line = update

    def conclude(self) -> None:
        self.beat("conclusion")
        verdict = prose(self.lesson.practice.verdict, self.theme,
                        font_size=self.theme.heading_size, color=self.theme.warning, weight="BOLD")
        # Well clear of the update, but a long verdict may take the gap (and shrink) to stay on screen.
        room = self.update_line.get_bottom()[1] - self.content_region()[0][1]
        if verdict.height > room - 0.3:
            verdict.scale_to_fit_height(room - 0.3)
        verdict.next_to(self.update_line, DOWN, buff=min(1.0, room - verdict.height)).set_x(0)
        self.play(FadeIn(verdict, scale=1.1))
        self.wait(0.5)

