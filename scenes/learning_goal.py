"""Scene 1: the title card and the learning goal, with a sigmoid that flattens at both ends."""

from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UP, Create, FadeIn, FadeOut, Write

from lessonkit.components import ActivationPlot
from lessonkit.scene import Beat, LessonScene
from lessonkit.text import prose


class LearningGoal(LessonScene):
    """Title card, then the learning goal beside a small saturating sigmoid."""

    beats = {
        "title": Beat("The title card appears."),
        "goal": Beat("The learning goal and a small sigmoid that flattens at both ends."),
    }

    def construct(self) -> None:
        self.show_title_card()
        self.show_goal()

    def show_title_card(self) -> None:
        lesson = self.lesson.lesson
        self.beat("title")
        self.heading = prose(lesson.title, self.theme, font_size=56, weight="BOLD")
        self.subtitle = prose(lesson.subtitle, self.theme, font_size=self.theme.body_size, color=self.theme.muted)
        self.subtitle.next_to(self.heading, DOWN, buff=0.4)
        self.play(Write(self.heading), run_time=1.5)
        self.play(FadeIn(self.subtitle, shift=0.2 * UP))

    def show_goal(self) -> None:
        self.beat("goal")
        self.play(FadeOut(self.subtitle), FadeOut(self.heading))
        self.show_title()
        goal = prose(self.lesson.lesson.goal, self.theme, font_size=self.theme.heading_size, max_width=6.2)
        sketch = ActivationPlot("sigmoid", x_length=5.2, y_length=2.6, show_numbers=False, theme=self.theme)
        goal.to_edge(LEFT, buff=0.8).shift(0.3 * DOWN)
        sketch.next_to(goal, RIGHT, buff=0.8)
        sketch.match_y(goal).shift(0.2 * DOWN)
        threshold = self.lesson.saturation.threshold
        flat_ends = [
            sketch.get_region(-sketch.z_max, -threshold, self.theme.saturated, opacity=0.3),
            sketch.get_region(threshold, sketch.z_max, self.theme.saturated, opacity=0.3),
        ]
        self.play(FadeIn(goal, shift=0.2 * RIGHT))
        self.play(Create(sketch.axes), Create(sketch.graph), FadeIn(sketch.y_label, sketch.x_label), run_time=1.5)
        # Behind the curve, so the shading marks where it is flat without hiding it.
        self.play(*(FadeIn(region) for region in flat_ends))
        self.bring_to_front(sketch.graph)
        self.wait(0.5)
