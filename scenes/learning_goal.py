"""Scene 1: the title card and the learning goal, with a sigmoid that flattens at both ends."""

from __future__ import annotations

from manim import DOWN, RIGHT, UP, Create, FadeIn, FadeOut, ReplacementTransform, VGroup, Write

from lessonkit.components import ActivationPlot
from lessonkit.scene import Beat, LessonScene
from lessonkit.text import prose
from lessonkit.theme import EDGE_BUFF


class LearningGoal(LessonScene):
    """Title card, then the learning goal beside a small saturating sigmoid."""

    beats = {
        "title": Beat("The title card appears."),
        "goal": Beat("The learning goal and a small sigmoid that flattens at both ends."),
    }

    def construct(self) -> None:
        self.show_title_card()
        self.show_goal()

    #: The goal's sketch of the sigmoid: half the frame's width, most of its height.
    sketch_width, sketch_height = 6.0, 4.2

    def show_title_card(self) -> None:
        lesson = self.lesson.lesson
        self.beat("title")
        self.heading = prose(lesson.title, self.theme, font_size=self.theme.display_size, weight="BOLD")
        self.subtitle = prose(lesson.subtitle, self.theme, font_size=self.theme.body_size, color=self.theme.muted)
        # The lecture's subject under its name: the sigmoid, drawn across the frame.
        self.card_curve = ActivationPlot("sigmoid", x_length=self.camera.frame_width - 2 * EDGE_BUFF, y_length=2.6,
                                         show_numbers=False, z_max=self.lesson.plot.z_max, theme=self.theme).graph
        self.move_to_room(VGroup(self.heading, self.subtitle, self.card_curve).arrange(DOWN, buff=0.5))
        self.play(Write(self.heading), run_time=1.5)
        self.play(FadeIn(self.subtitle, shift=0.2 * UP), Create(self.card_curve), run_time=1.5)

    def show_goal(self) -> None:
        self.beat("goal")
        self.play(FadeOut(self.subtitle), FadeOut(self.heading))
        self.show_title()
        goal = prose(self.lesson.lesson.goal, self.theme, font_size=self.theme.heading_size, max_width=6.0)
        sketch = ActivationPlot("sigmoid", x_length=self.sketch_width, y_length=self.sketch_height,
                                show_numbers=False, z_max=self.lesson.plot.z_max, theme=self.theme)
        self.move_to_room(VGroup(goal, sketch).arrange(RIGHT, buff=0.8))
        threshold = self.lesson.saturation.threshold
        flat_ends = sketch.get_saturated_regions(threshold)
        # The title card's curve becomes the sketch's.
        self.play(FadeIn(goal, shift=0.2 * RIGHT), ReplacementTransform(self.card_curve, sketch.graph), run_time=1.5)
        self.play(Create(sketch.axes), FadeIn(sketch.y_label, sketch.x_label), run_time=1.5)
        # Behind the curve, so the shading marks where it is flat without hiding it.
        self.play(*(FadeIn(region) for region in flat_ends))
        self.bring_to_front(sketch.graph)
        self.wait(0.5)
