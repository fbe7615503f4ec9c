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
