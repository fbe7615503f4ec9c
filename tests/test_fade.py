"""FadeAway (lessonkit.components.fade), the closing fade of every scene: the same frames
as manim's FadeOut, without FadeOut's copies of what it fades."""

from __future__ import annotations

import numpy as np
import pytest
from manim import (
    BLUE,
    DOWN,
    LEFT,
    RED,
    Circle,
    Dot,
    FadeOut,
    ImageMobject,
    Mobject,
    Scene,
    Square,
    Text,
    ValueTracker,
    VGroup,
    tempconfig,
)

from lessonkit.components.fade import FadeAway, fade_away

SMALL = {"pixel_width": 192, "pixel_height": 108, "frame_rate": 15, "format": "none",
         "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR"}


def busy_picture() -> tuple[list[Mobject], ValueTracker]:
    """Overlapping shapes at partial opacities, a gradient, a background stroke, text,
    a dot and a value tracker (which manim does not draw)."""
    tracker = ValueTracker(0.5)
    back = Square(side_length=3, fill_color=BLUE, fill_opacity=0.6, stroke_width=6).set_color([BLUE, RED])
    front = Circle(radius=1.2, fill_color=RED, fill_opacity=0.8, stroke_opacity=0.5).shift(0.6 * LEFT)
    front.set_stroke(width=4, background=True)
    words = VGroup(Text("fade", font_size=36), Text("away", font_size=24, fill_opacity=0.7)).arrange(DOWN)
    dot = Dot(color=RED).set_x(tracker.get_value())
    return [back, front, words, dot, tracker], tracker


class FramesScene(Scene):
    """Keeps every frame it draws, and the scene's mobjects after each play."""

    def __init__(self, fade, **kwargs) -> None:
        self.fade = fade
        self.frames: list[np.ndarray] = []
        self.copies = 0
        self.after: list[Mobject] = []
        super().__init__(**kwargs)

    def construct(self) -> None:
        add_frame = self.renderer.add_frame

        def keep(frame, num_frames=1):
            self.frames += [np.array(frame)] * num_frames
            add_frame(frame, num_frames)

        self.renderer.add_frame = keep
        mobjects, _ = busy_picture()
        self.add(*mobjects)
        self.wait(0.2)
        counted, copy = self, Mobject.copy

        def counting_copy(mobject):
            counted.copies += 1
            return copy(mobject)

        Mobject.copy = counting_copy
        try:
            self.play(self.fade(*self.mobjects), run_time=0.6)
        finally:
            Mobject.copy = copy
        self.after = list(self.mobjects)
        self.faded = mobjects
        self.wait(0.2)


def render_frames(fade) -> FramesScene:
    with tempconfig(SMALL):
        scene = FramesScene(fade)
        scene.render()
    return scene


def test_fade_away_draws_exactly_the_frames_fade_out_draws():
    ours, manims = render_frames(FadeAway), render_frames(FadeOut)
    assert len(ours.frames) == len(manims.frames) >= 15
    # The picture changes while it fades: the comparison is not of empty frames.
    assert not np.array_equal(manims.frames[3], manims.frames[8])
    for number, (frame, expected) in enumerate(zip(ours.frames, manims.frames)):
        assert np.array_equal(frame, expected), f"frame {number} differs"


def test_fade_away_copies_nothing_and_leaves_the_scene_as_fade_out_does():
    ours, manims = render_frames(FadeAway), render_frames(FadeOut)
    assert manims.copies >= 2 and ours.copies == 0
    assert ours.after == manims.after == []
    # Removed, the mobjects look as they did before the fade (FadeOut restores them too).
    for mine, theirs in zip(ours.faded, manims.faded):
        for part, other in zip(mine.family_members_with_points(), theirs.family_members_with_points()):
            for name in ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas"):
                if hasattr(other, name):
                    assert np.array_equal(getattr(part, name), getattr(other, name)), name


def test_fade_away_hands_images_to_fade_out_and_needs_a_mobject():
    image = ImageMobject(np.zeros((4, 4, 3), dtype=np.uint8))
    assert type(fade_away(Square(), image)) is FadeOut
    assert type(fade_away(Square(), ValueTracker(1))) is FadeAway
    # FadeOut runs its copies' updaters and fades from them: a follower keeps following.
    tracker = ValueTracker(1)
    follower = VGroup(Square(), Dot().add_updater(lambda dot: dot.set_x(tracker.get_value())))
    assert type(fade_away(Circle(), follower)) is FadeOut
    with pytest.raises(ValueError, match="at least one"):
        FadeAway()
