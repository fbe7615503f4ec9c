"""LessonScene: the base of every scene in the lecture.

It reads the active lesson and theme, paints the background, and gives scenes three
verbs that keep them honest:

* :meth:`LessonScene.beat` starts a named beat: a section (one slide step) and its
  line from ``[narration]``, spoken by the lesson's voice (see :mod:`lessonkit.narration`)
  and captioned, held until the voice has finished (or, silent, until it has been read);
* :meth:`LessonScene.number` formats a computed value for display and records it, so
  tests can check every number a scene showed against mathcore;
* :meth:`LessonScene.show_title` puts the scene's title from ``[titles]`` at the top.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar, Mapping

import numpy as np

from manim import DL, UP, UR, FadeIn, MathTex, Mobject, Scene, Tex, Text, VMobject, config

from lessonkit.config import Lesson, active_lesson
from lessonkit.narration import Narrator, OpenUtterance
from lessonkit.schema import SCENE_TITLE_KEYS
from lessonkit.text import title_text
from lessonkit.theme import EDGE_BUFF, TITLE_BUFF, Theme
from mathcore import format_number, format_percent


@dataclass(frozen=True)
class ShownNumber:
    """A number a scene put on screen: what it is, its exact value, and the text shown;
    the expression that computed it (see ``LessonScene.number_sources``) and the steps
    (sections) in which it was on screen."""

    label: str
    value: float
    text: str
    source: str = ""
    steps: tuple[str, ...] = ()


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
    #: Where the numbers come from: label (a regular expression) -> the mathcore expression
    #: that computes it, in terms of ``lesson`` (the lecture's are in scenes/numbers.py).
    number_sources: ClassVar[Mapping[str, str]] = {}
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

    #: When True (the plain manim CLI), the narration is also mixed into manim's own movie.
    #: The pipeline turns it off and builds each clip's sound track itself.
    narration_to_movie: ClassVar[bool] = True

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
        self.narrator = Narrator.from_lesson(self.lesson, Path(config.media_dir) / "voice")
        #: What was said: (id, caption text) per utterance, in order (``render.py --script``).
        self.utterances: list[tuple[str, str]] = []
        #: Caption cues, frame-exact on the scene's timeline: (start, end, text) in seconds.
        self.cues: list[tuple[float, float, str]] = []
        #: The speech: (start in seconds, sound file) for the pipeline to mix.
        self.sounds: list[tuple[float, Path]] = []
        self.synthesized = 0
        self._open: OpenUtterance | None = None
        # Time counted in the frames manim writes. manim's own clock advances by whole
        # frames when it renders an animation but by the exact run time when it reuses a
        # cached one; times taken from it would differ between runs, defeat the cache, and
        # put captions a frame off the video.
        self.frames = 0
        self.fps = config.frame_rate

    @property
    def planned_time(self) -> float:
        """Seconds of video written so far (whole frames)."""
        return self.frames / self.fps

    def tear_down(self) -> None:
        self._close_utterance()
        for text_class in (MathTex, Tex, Text):
            text_class.set_default()

    # --- beats, narration and captions --------------------------------------------------

    def beat(self, name: str, /, text: str | None = None, **values: str) -> "OpenUtterance":
        """Start beat ``name``: let the previous narration finish, open a new section (one
        slide step), and say ``[narration.<scene>].<name>`` with ``values`` filled in (or
        ``text``, for a scene of your own that has no narration in the lesson).

        Returns a tracker, as manim-voiceover's ``voiceover()`` does: ``tracker.duration``
        is the length of the speech, for animations that should last as long as it::

            tracker = self.beat("trace")
            self.play(Create(curve), run_time=tracker.duration)
        """
        self._close_utterance()
        self.next_section(name)
        if text is None:
            text = self.lesson.caption(self.lesson_key, name, **values)
        return self._open_utterance(f"{self.lesson_key or type(self).__name__}.{name}", text)

    def caption(self, text: str, name: str) -> "OpenUtterance":
        """Say ``text`` within the current beat (no new step), e.g. a takeaway read aloud.
        ``name`` makes its id ``<scene>.<name>`` (the file name of a teacher's recording)."""
        self._close_utterance()
        return self._open_utterance(f"{self.lesson_key or type(self).__name__}.{name}", text)

    def _open_utterance(self, utterance_id: str, text: str) -> "OpenUtterance":
        self.captions.append(text)
        self.utterances.append((utterance_id, text))
        start = self.planned_time
        spoken = self.narrator.speak(utterance_id, text, reading_time=self.reading_time(text))
        self.synthesized += spoken.synthesized
        if spoken.sounds:
            for offset, path in spoken.sounds:
                self.sounds.append((start + offset, path))
                if self.narration_to_movie and not self.renderer.skip_animations:
                    self.add_sound(str(path), time_offset=start + offset - self.renderer.time)
        self._open = OpenUtterance(utterance_id, start, spoken)
        return self._open

    def _close_utterance(self) -> None:
        """Hold the picture until the open utterance has been said (or read) and a pause
        has passed, then record its cues."""
        if self._open is None:
            return
        utterance, self._open = self._open, None
        remaining = utterance.spoken.hold - (self.planned_time - utterance.start)
        frames = math.ceil(round(remaining * self.fps, 6))
        if frames > 0:
            self.wait(frames / self.fps)
        end = self.planned_time
        for offset, cue_end, text in utterance.spoken.cues:
            # Silent narration (reading time only): the last cue stays until the beat ends.
            cue_end = end - utterance.start if cue_end is None else cue_end
            self.cues.append((utterance.start + offset, utterance.start + cue_end, text))
        elapsed = end - utterance.start
        # For the plain manim CLI: manim's own subtitles, spanning the utterance.
        self.add_subcaption(utterance.spoken.text, duration=elapsed, offset=-elapsed)
        self._inspect_screen(label=utterance.spoken.text[:40])

    def reading_time(self, text: str) -> float:
        """Seconds a learner needs to read ``text`` at the lesson's reading pace."""
        pacing = self.lesson.pacing
        return max(pacing.min_caption_seconds, len(text.split()) / pacing.words_per_second)

    def is_current_animation_frozen_frame(self) -> bool:
        # manim asks this once per play, rendered or cached; the answer decides how many
        # frames it writes (see _count_frames).
        self._frozen = super().is_current_animation_frozen_frame()
        return self._frozen

    def _count_frames(self, duration: float) -> int:
        """The frames manim writes for a play of ``duration`` seconds (its own arithmetic)."""
        step = 1 / config.frame_rate
        if getattr(self, "_frozen", False):
            return int(duration / step)
        return len(np.arange(0, duration, step))

    def play(self, *args, **kwargs) -> None:
        """Scene.play, counting frames, then a look at the screen (see :meth:`_inspect_screen`)."""
        self._frozen = False
        super().play(*args, **kwargs)
        # Bring updater-driven mobjects (tangents, readouts) to the animation's end state.
        # manim does this when it renders an animation, not when it reuses a cached one,
        # and the next animation's cache key depends on that state.
        self.update_mobjects(0)
        self.frames += self._count_frames(self.duration)
        label = self._open.spoken.text[:40] if self._open else ""
        self._inspect_screen(label=label)

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
        self._note_steps(texts)
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
        return self._record(label, value, format_number(value, sig_figs))

    def percent(self, label: str, fraction: float, sig_figs: int = 3) -> str:
        """``fraction`` as a LaTeX percentage, recorded under ``label``."""
        return self._record(label, fraction, format_percent(fraction, sig_figs))

    def _record(self, label: str, value: float, text: str) -> str:
        steps = self.shown[label].steps if label in self.shown else ()
        self.shown[label] = ShownNumber(label, float(value), text, self.number_source(label), steps)
        return text

    def number_source(self, label: str) -> str:
        """The expression in :attr:`number_sources` that computes the number ``label`` ("" if none)."""
        for pattern, source in self.number_sources.items():
            match = re.fullmatch(pattern, label)
            if match:
                return source.format(*match.groups())
        return ""

    def _note_steps(self, texts: list[Mobject]) -> None:
        """Note the current step (section) on every recorded number that is on screen now."""
        sections = self.manager.file_writer.sections if getattr(self, "manager", None) else []
        if not sections:
            return
        step = sections[-1].name
        formulas = [t.tex_string for t in texts if isinstance(t, MathTex)]
        #: The formulas each step shows first, in order (the transcript writes them out).
        self.step_formulas: dict[str, list[str]] = getattr(self, "step_formulas", {})
        seen = {formula for shown in self.step_formulas.values() for formula in shown}
        self.step_formulas.setdefault(step, []).extend(dict.fromkeys(f for f in formulas if f not in seen))
        tex = " ".join(formulas)
        for label, number in self.shown.items():
            # The number's own digits, not a part of a longer number ("5" in "0.25").
            if step not in number.steps and re.search(rf"(?<![\d.]){re.escape(number.text)}(?![\d])", tex):
                self.shown[label] = replace(number, steps=(*number.steps, step))

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
