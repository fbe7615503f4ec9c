"""Scene 7: the same push on four surfaces: plateau, centre, ReLU's slope, ReLU's flat side."""

from __future__ import annotations

from manim import DOWN, RIGHT, UP, FadeIn, FadeOut, GrowArrow, VGroup, Write

from lessonkit.components import BallOnSurface, ZoomInset
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

    #: Each surface's width: four in a row fill the frame's width.
    surface_width = 2.9

    def place_balls(self) -> None:
        push = self.lesson.ball.push
        self.beat("setup", push=self.spoken(push))
        self.show_title()
        window = push + 1.6
        self.balls: dict[str, BallOnSurface] = {}
        for key, activation, where in self.SURFACES:
            z = self.ball_z(where)
            self.balls[key] = BallOnSurface(activation, z, z_window=(z - push - 0.8, z - push - 0.8 + window),
                                            width=self.surface_width, push=push, theme=self.theme)
        surfaces = VGroup(*self.balls.values()).arrange(buff=0.45, aligned_edge=DOWN)
        # One line each (labels are at most 20 characters), all shrunk alike if one is wider than its surface.
        names = VGroup(*(prose(self.label(key), self.theme, font_size=self.theme.body_size, color=self.theme.muted,
                               chars_per_line=20) for key, _, _ in self.SURFACES))
        names.scale(min(1.0, min(self.surface_width / name.width for name in names)))
        for name, ball in zip(names, surfaces):
            name.next_to(surfaces, UP, buff=0.4).match_x(ball)
        self.panels = VGroup(names, surfaces)
        self.names = names
        self.distances = self.make_distances()
        self.lesson_words = prose(self.line("lesson"), self.theme, font_size=self.theme.heading_size)
        # The whole story laid out at once, centred in the frame: the surfaces in the middle,
        # the distances under them, the lesson at the bottom; each appears in its beat.
        story = VGroup(self.panels, self.distances, self.lesson_words).arrange(DOWN, buff=0.6)
        for label, ball in zip(self.distances, self.balls.values()):
            label.match_x(ball)
        self.move_to_room(story)
        self.play(FadeIn(self.panels, lag_ratio=0.2), run_time=2)

    def make_distances(self) -> VGroup:
        """How far each ball moved, in the warning colour where it barely moved."""
        labels = VGroup()
        for key, ball in self.balls.items():
            moved = ball.displacement
            color = self.theme.warning if moved < 0.05 * self.lesson.ball.push else self.theme.text
            labels.add(self.math(rf"{tex_words(self.label('moved') + ' ')} {self.number(f'{key}_moved', moved, 2)}",
                                 color=color, font_size=self.theme.formula_size))
        return labels.arrange(RIGHT, buff=0.45)

    def push_balls(self) -> None:
        self.beat("push")
        arrows = [ball.get_push_arrow() for ball in self.balls.values()]
        self.play(*(GrowArrow(arrow) for arrow in arrows))
        # The plateau ball's move is a hair's breadth at this scale: show it close up too,
        # in the room between its name and its surface, rolling with it.
        plateau = self.balls["plateau"]
        close_up = plateau.get_close_up(width=0.85 * self.surface_width)
        close_up.next_to(self.names[0], DOWN, buff=0.45).match_x(plateau)
        self.zoom = ZoomInset(plateau.ball, close_up, theme=self.theme)
        self.play(self.zoom.make_open_animation())
        self.play(*(ball.make_push_animation(run_time=2.5) for ball in (*self.balls.values(), close_up)),
                  *(FadeOut(arrow) for arrow in arrows))

    def show_distances(self) -> None:
        moved = {key: ball.displacement for key, ball in self.balls.items()}
        self.beat("results", **{f"{key}_move": self.spoken(value, 2) for key, value in
                                (("plateau", moved["plateau"]), ("centre", moved["centre"]),
                                 ("relu", moved["relu"]), ("dead", moved["dead"]))})
        self.play(Write(self.distances))

    def state_the_lesson(self) -> None:
        self.beat("lesson")
        self.play(FadeIn(self.lesson_words, shift=0.1 * UP))
        self.wait(0.5)
