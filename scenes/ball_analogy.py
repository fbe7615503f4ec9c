"""Scene 7: the same push on four surfaces: plateau, centre, ReLU's slope, ReLU's flat side."""

from __future__ import annotations

from manim import DOWN, UP, FadeIn, FadeOut, GrowArrow, VGroup, Write

from lessonkit.components import BallOnSurface
from lessonkit.scene import Beat, Label, LessonScene
from lessonkit.text import prose, tex_words


class BallAnalogy(LessonScene):
    """Each ball rolls by push x local slope: one gradient-descent step per surface."""

    beats = {
        "setup": Beat("Four balls on four surfaces.", "push"),
        "push": Beat("The same push for every ball."),
        "results": Beat("How far each ball moved.", "plateau_move", "centre_move", "relu_move", "dead_move"),
        "lesson": Beat("What we want for learning."),
    }
    labels = {
        "plateau": Label("Above the ball on the sigmoid's plateau.", max_chars=20),
        "centre": Label("Above the ball at the sigmoid's centre.", max_chars=20),
        "relu": Label("Above the ball on ReLU's slope.", max_chars=20),
        "dead": Label("Above the ball on ReLU's flat side.", max_chars=20),
        "moved": Label("Before each ball's distance.", max_chars=12),
    }

    SURFACES = (
        # (key and label, activation, where the ball sits)
        ("plateau", "sigmoid", "plateau_z"),
        ("centre", "sigmoid", None),
        ("relu", "relu", "relu_z"),
        ("dead", "relu", "-relu_z"),
    )

    def construct(self) -> None:
        self.place_balls()
        self.push_balls()
        self.show_distances()
        self.state_the_lesson()

    def ball_z(self, where: str | None) -> float:
        if where is None:
            return 0.0
        sign = -1.0 if where.startswith("-") else 1.0
        return sign * self.lesson.ball[where.lstrip("-")]

    def place_balls(self) -> None:
        push = self.lesson.ball.push
        self.beat("setup", push=self.spoken(push))
        self.show_title()
        window = push + 1.6
        self.balls: dict[str, BallOnSurface] = {}
        for key, activation, where in self.SURFACES:
            z = self.ball_z(where)
            self.balls[key] = BallOnSurface(activation, z, z_window=(z - push - 0.8, z - push - 0.8 + window),
                                            width=2.9, push=push, theme=self.theme)
        surfaces = VGroup(*self.balls.values()).arrange(buff=0.45, aligned_edge=DOWN)
        names = VGroup(*(
            prose(self.label(key), self.theme, font_size=self.theme.small_size, color=self.theme.muted)
            .next_to(surfaces, UP, buff=0.3).match_x(ball)
            for ball, (key, _, _) in zip(surfaces, self.SURFACES)
        ))
        self.panels = VGroup(names, surfaces).next_to(self.title, DOWN, buff=0.5)
        self.surfaces = surfaces
        self.play(FadeIn(self.panels, lag_ratio=0.2), run_time=2)

    def push_balls(self) -> None:
        self.beat("push")
        arrows = [ball.get_push_arrow() for ball in self.balls.values()]
        self.play(*(GrowArrow(arrow) for arrow in arrows))
        self.play(*(ball.make_push_animation(run_time=2.5) for ball in self.balls.values()),
                  *(FadeOut(arrow) for arrow in arrows))

    def show_distances(self) -> None:
        moved = {key: ball.displacement for key, ball in self.balls.items()}
        self.beat("results", **{f"{key}_move": self.spoken(value, 2) for key, value in
                                (("plateau", moved["plateau"]), ("centre", moved["centre"]),
                                 ("relu", moved["relu"]), ("dead", moved["dead"]))})
        labels = VGroup()
        for key, ball in self.balls.items():
            color = self.theme.warning if moved[key] < 0.05 * self.lesson.ball.push else self.theme.text
            text = self.math(rf"{tex_words(self.label('moved') + ' ')} {self.number(f'{key}_moved', moved[key], 2)}", color=color,
                             font_size=self.theme.label_size)
            labels.add(text.next_to(self.panels, DOWN, buff=0.35).match_x(ball))
        self.play(Write(labels))
        self.labels = labels

    def state_the_lesson(self) -> None:
        self.beat("lesson")
        lesson = prose(self.line("lesson"), self.theme, font_size=self.theme.body_size)
        lesson.next_to(self.labels, DOWN, buff=0.5)
        self.play(FadeIn(lesson, shift=0.1 * UP))
        self.wait(0.5)

