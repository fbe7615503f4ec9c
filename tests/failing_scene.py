"""A scene that fails midway, for the pipeline's failure tests (importable by worker processes)."""

from manim import Circle, Create, FadeIn, MathTex

from lessonkit.scene import LessonScene


class BrokenScene(LessonScene):
    """Plays one animation, then raises."""

    lesson_key = "learning_goal"

    def construct(self) -> None:
        self.play(Create(Circle()), run_time=1)
        raise RuntimeError("this scene is broken on purpose")


class OverlappingScene(LessonScene):
    """Two formulas drawn on top of each other in its first beat (a layout problem)."""

    lesson_key = "learning_goal"

    def construct(self) -> None:
        self.beat("title")
        self.play(FadeIn(MathTex("a + b")), FadeIn(MathTex("c + d")), run_time=0.5)


class OffTheAxesScene(LessonScene):
    """A dot on a plot pushed past the end of its axes (a layout problem); a dot at the end
    itself is fine."""

    lesson_key = "learning_goal"

    def construct(self) -> None:
        from manim import RIGHT

        from lessonkit.components import ActivationPlot

        self.beat("title")
        plot = ActivationPlot("sigmoid", z_max=4, x_length=6, y_length=3)
        at_the_end, pushed = plot.get_dot(4), plot.get_dot(3)
        self.add(plot, at_the_end)
        self.play(FadeIn(pushed.shift(1.5 * RIGHT)), run_time=0.5)


class EdgeAndLineScene(LessonScene):
    """A formula pushed past the frame's right edge, and a line drawn through another
    formula (two layout problems); a formula clear of both is fine."""

    lesson_key = "learning_goal"

    def construct(self) -> None:
        from manim import DOWN, LEFT, RIGHT, Line

        self.beat("title")
        past_the_edge = MathTex("a + b").to_edge(RIGHT).shift(1.0 * RIGHT)
        crossed, clear = MathTex("c + d").shift(2 * LEFT), MathTex("e + f").shift(2 * LEFT + 2 * DOWN)
        line = Line(crossed.get_left() + 0.5 * LEFT, crossed.get_right() + 0.5 * RIGHT)
        self.play(FadeIn(past_the_edge), FadeIn(crossed), FadeIn(clear), Create(line), run_time=0.5)

