"""A scene that fails midway, for the pipeline's failure tests (importable by worker processes)."""

from manim import Circle, Create

from lessonkit.scene import LessonScene


class BrokenScene(LessonScene):
    """Plays one animation, then raises."""

    lesson_key = "learning_goal"

    def construct(self) -> None:
        self.play(Create(Circle()), run_time=1)
        raise RuntimeError("this scene is broken on purpose")
