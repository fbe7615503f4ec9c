"""LessonScene: the base of every scene in the lecture.

It reads the active lesson and theme, paints the background, and gives scenes three
verbs that keep them honest:

* :meth:`LessonScene.beat` starts a named beat: a section (one slide step) and its
  caption from ``[narration]``, held on screen long enough to be read;
* :meth:`LessonScene.number` formats a computed value for display and records it, so
  tests can check every number a scene showed against mathcore;
* :meth:`LessonScene.show_title` puts the scene's title from ``[titles]`` at the top.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from manim import DL, UP, UR, FadeIn, MathTex, Mobject, Scene, Tex, Text, VMobject, config

from lessonkit.config import Lesson, active_lesson
from lessonkit.schema import SCENE_TITLE_KEYS
from lessonkit.text import title_text
from lessonkit.theme import EDGE_BUFF, TITLE_BUFF, Theme
from mathcore import format_number, format_percent


@dataclass(frozen=True)
class ShownNumber:
    """A number a scene put on screen: what it is, its exact value, and the text shown."""

    label: str
    value: float
    text: str


def _describe(mobject: Mobject) -> str:
    text = getattr(mobject, "tex_string", None) or getattr(mobject, "text", "") or type(mobject).__name__
    return repr(text[:30])


class LessonScene(Scene):
    """A scene of the lecture, drawn from the active lesson config.

    Subclasses implement ``construct()`` as a short sequence of named beats. The class
    attribute ``lesson_key`` (derived from the class name) selects the scene's title in
    ``[titles]`` and its captions in ``[narration.<lesson_key>]``.
    """

    lesson_key: ClassVar[str] = ""
    #: A title for a scene of your own (the lecture's scenes take theirs from ``[titles]``).
    scene_title: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("lesson_key"):
            cls.lesson_key = SCENE_TITLE_KEYS.get(cls.__name__, cls.lesson_key)

    @classmethod
    def title_for(cls, lesson: Lesson) -> str:
        """This scene's title in ``lesson`` (or its own ``scene_title``)."""
        return cls.scene_title or lesson.titles[cls.lesson_key]

    def setup(self) -> None:
        self.lesson = active_lesson()
        self.theme = Theme.from_lesson(self.lesson)
        self.camera.background_color = self.theme.background
        # Text made without an explicit colour follows the theme, in light and dark alike.
        for text_class in (MathTex, Tex, Text):
            text_class.set_default(color=self.theme.text)
        self.shown: dict[str, ShownNumber] = {}
        self.captions: list[str] = []
        self.screen_tex: set[str] = set()
        self.layout_problems: list[str] = []
        self._caption: tuple[str, float, float] | None = None  # text, start time, planned start
        # Time as the sum of planned run times. manim's own clock advances by whole
        # frames when it renders an animation but by the exact run time when it reuses a
        # cached one; waits computed from it would differ between runs and defeat the cache.
        self.planned_time = 0.0

    def tear_down(self) -> None:
        self._close_caption()
        for text_class in (MathTex, Tex, Text):
            text_class.set_default()

    # --- beats and captions --------------------------------------------------------

    def beat(self, name: str, /, text: str | None = None, **values: str) -> None:
        """Start beat ``name``: hold the previous caption until it has been read, open a
        new section, and show ``[narration.<scene>].<name>`` with ``values`` filled in
        (or ``text``, for a scene of your own that has no narration in the lesson)."""
        self._close_caption()
        self.next_section(name)
        if text is None:
            text = self.lesson.caption(self.lesson_key, name, **values)
        self._open_caption(text)

    def caption(self, text: str) -> None:
        """Show ``text`` as the next caption without a new section (e.g. a takeaway read aloud)."""
        self._close_caption()
        self._open_caption(text)

    def _open_caption(self, text: str) -> None:
        self.captions.append(text)
        self._caption = (text, self.time, self.planned_time)

    def play(self, *args, **kwargs) -> None:
        """Scene.play, then a look at the screen (see :meth:`_inspect_screen`)."""
        super().play(*args, **kwargs)
        # Bring updater-driven mobjects (tangents, readouts) to the animation's end state.
        # manim does this when it renders an animation, not when it reuses a cached one,
        # and the next animation's cache key depends on that state.
        self.update_mobjects(0)
        self.planned_time += self.duration
        caption = self._caption[0] if self._caption else ""
        self._inspect_screen(label=caption[:40])

    def reading_time(self, text: str) -> float:
        """Seconds a learner needs for ``text`` at the lesson's reading pace."""
        pacing = self.lesson.pacing
        return max(pacing.min_caption_seconds, len(text.split()) / pacing.words_per_second)

    def _close_caption(self) -> None:
        if self._caption is None:
            return
        text, start, planned_start = self._caption
        remaining = self.reading_time(text) - (self.planned_time - planned_start)
        frames = math.ceil(round(remaining * config.frame_rate, 6))
        if frames > 0:
            self.wait(frames / config.frame_rate)
        elapsed = self.time - start
        # Added now, with a negative offset, so the caption spans its whole beat.
        self.add_subcaption(text, duration=elapsed, offset=-elapsed)
        self._caption = None
        self._inspect_screen(label=text[:40])

    # --- what the viewer sees (recorded for the tests) ---------------------------------

    def texts_on_screen(self) -> list[Mobject]:
        """Every formula and text mobject on screen now (not their glyphs)."""
        found: list[Mobject] = []

        def visit(mobject: Mobject) -> None:
            if isinstance(mobject, (MathTex, Text)):
                if any(part.get_fill_opacity() > 0.05 for part in mobject.family_members_with_points()):
                    found.append(mobject)
                return
            for child in mobject.submobjects:
                visit(child)

        for mobject in self.mobjects:
            visit(mobject)
        return found

    def _inspect_screen(self, label: str) -> None:
        """Record the formulas on screen and anything a viewer would call a layout bug:
        a mobject crossing the frame's edge, or two texts overlapping."""
        texts = self.texts_on_screen()
        self.screen_tex.update(t.tex_string for t in texts if isinstance(t, MathTex))
        half_width, half_height = self.camera.frame_width / 2, self.camera.frame_height / 2
        for mobject in self.mobjects:
            # Only drawn things: a ValueTracker keeps its number in a point of its own.
            if not any(isinstance(m, VMobject) for m in mobject.family_members_with_points()):
                continue
            left, right = mobject.get_left()[0], mobject.get_right()[0]
            bottom, top = mobject.get_bottom()[1], mobject.get_top()[1]
            if left < -half_width or right > half_width or bottom < -half_height or top > half_height:
                self.layout_problems.append(
                    f"{label!r}: {_describe(mobject)} crosses the frame's edge "
                    f"(x {left:.2f}..{right:.2f}, y {bottom:.2f}..{top:.2f})"
                )
        boxes = [(t, t.get_corner(DL), t.get_corner(UR)) for t in texts]
        margin = 0.02  # touching is fine; overlapping by more than this is not
        for i, (a, a_low, a_high) in enumerate(boxes):
            for b, b_low, b_high in boxes[i + 1:]:
                if (a_low[0] + margin < b_high[0] and b_low[0] + margin < a_high[0]
                        and a_low[1] + margin < b_high[1] and b_low[1] + margin < a_high[1]):
                    self.layout_problems.append(
                        f"{label!r}: {_describe(a)} overlaps {_describe(b)}"
                    )

    # --- numbers ---------------------------------------------------------------------

    def number(self, label: str, value: float, sig_figs: int = 4) -> str:
        """``value`` as LaTeX through mathcore's formatter, recorded under ``label``."""
        text = format_number(value, sig_figs)
        self.shown[label] = ShownNumber(label, float(value), text)
        return text

    def percent(self, label: str, fraction: float, sig_figs: int = 3) -> str:
        """``fraction`` as a LaTeX percentage, recorded under ``label``."""
        text = format_percent(fraction, sig_figs)
        self.shown[label] = ShownNumber(label, float(fraction), text)
        return text

    @staticmethod
    def spoken(value: float, sig_figs: int = 4) -> str:
        """``value`` as plain text for a caption."""
        return format_number(value, sig_figs, latex=False)

    @staticmethod
    def spoken_percent(fraction: float, sig_figs: int = 3) -> str:
        """``fraction`` as a plain-text percentage for a caption."""
        return format_percent(fraction, sig_figs, latex=False)

    def math(self, *tex: str, font_size: float | None = None, color: str | None = None) -> MathTex:
        """A formula in the theme's body size and text colour (several strings: parts to match)."""
        return MathTex(*tex, font_size=font_size or self.theme.body_size, color=color or self.theme.text)

    # --- layout ------------------------------------------------------------------------

    def make_title(self) -> Mobject:
        """The scene's title from ``[titles]``, at the top edge, wrapped if long."""
        title = title_text(self.title_for(self.lesson), self.theme)
        return title.to_edge(UP, buff=TITLE_BUFF)

    def show_title(self) -> Mobject:
        """Fade the title in and keep it on screen."""
        self.title = self.make_title()
        self.play(FadeIn(self.title, shift=0.2 * UP), run_time=0.6)
        return self.title

    def width_right_of(self, mobject: Mobject, buff: float = 0.0) -> float:
        """Room between ``mobject``'s left edge (plus ``buff``) and the frame's right margin."""
        return self.camera.frame_width / 2 - EDGE_BUFF - mobject.get_left()[0] - buff

    @property
    def content_top(self) -> float:
        """The y below the title where content may start."""
        title = getattr(self, "title", None)
        top = title.get_bottom()[1] if title is not None else self.camera.frame_height / 2
        return top - EDGE_BUFF
