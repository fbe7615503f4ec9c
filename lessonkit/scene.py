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

import inspect
import math
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import ClassVar, Mapping

import numpy as np

from manim import UP, Dot, FadeIn, MathTex, Mobject, Scene, Tex, Text, VMobject, config
from manim.utils import hashing
from manim.utils.exceptions import EndSceneEarlyException

from lessonkit.audio import AAC_FRAME, RATE
from lessonkit.components.fade import fade_away
from lessonkit.components.plots import ActivationPlot
from lessonkit.config import Lesson, active_lesson, check_scene_words
from lessonkit.layout import (
    MIN_NARRATED_DIGIT_PX,
    MIN_STEP_FILL,
    MIN_TICK_DIGIT_PX,
    content_fill,
    digit_height_px,
)
from lessonkit.narration import Narrator, OpenUtterance
from lessonkit.scenetext import (
    Beat,
    CLOSING_SECTION,
    DeclarationError,
    Label,
    SceneText,
    Setting,
    check_beat,
    check_beat_calls,
    fill,
    lesson_key_for,
    register,
    registered,
)
from lessonkit.heldframes import encode_held_frames_once
from lessonkit.svgshare import leave_parsed_paths_out_of_hashes, share_parsed_svg_paths
from lessonkit.text import title_text
from lessonkit.theme import EDGE_BUFF, TITLE_BUFF, Theme
from mathcore import format_number, format_percent

#: The longest a scene holds its background after the closing fade to make its sound a
#: whole number of AAC frames: 0.53 s at 15, 30 and 60 fps (8, 16 or 32 frames).
SOUND_ROUNDING_SECONDS = 0.6


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


@dataclass(frozen=True)
class StepLayout:
    """How a step's last frame (its poster) is composed: the share of the room below the
    title that the content fills (see :func:`lessonkit.layout.content_fill`), and the digit
    height in px at 1080p of the smallest narrated number in a formula or sentence, and of
    the smallest number standing alone (an axis tick, a bar's or a level line's value); None
    when the step shows no such number."""

    step: str
    fill: float
    narrated_digit_px: float | None
    tick_digit_px: float | None


#: Numbers that formulas hold as constants (sigma(0), 1 / (1 + e^-z), 1 - sigma).
FORMULA_CONSTANTS = {"0", "1"}
#: A formula that is only a number: an axis's tick label, a bar's or a level line's value.
LONE_NUMBER = re.compile(r"\s*-?\d+(\.\d+)?(\s*\\times\s*10\^\{-?\d+\})?(\\%)?\s*|\s*10\^\{-?\d+\}\s*")


def _segments_cross_box(starts: np.ndarray, ends: np.ndarray, low: np.ndarray, high: np.ndarray) -> bool:
    """True if any segment starts[i]..ends[i] (2D) meets the box low..high (Liang-Barsky)."""
    delta = ends - starts
    t0, t1 = np.zeros(len(starts)), np.ones(len(starts))
    for axis in (0, 1):
        for p, q in ((-delta[:, axis], starts[:, axis] - low[axis]), (delta[:, axis], high[axis] - starts[:, axis])):
            parallel = np.abs(p) < 1e-12
            outside = parallel & (q < 0)
            t0[outside], t1[outside] = 1.0, 0.0
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
            entering, leaving = ~parallel & (p < 0), ~parallel & (p > 0)
            t0 = np.where(entering, np.maximum(t0, r), t0)
            t1 = np.where(leaving, np.minimum(t1, r), t1)
    return bool(np.any(t0 <= t1))


def _box(mobject: Mobject) -> tuple[np.ndarray, np.ndarray]:
    """The lower-left and upper-right corners of the box around ``mobject``, as its
    ``get_corner(DL)`` and ``get_corner(UR)`` give them, from one pass over its points (each
    of manim's edges gathers them all again: most of the screen check's time)."""
    points = mobject.get_points_defining_boundary()
    if len(points) == 0:
        return np.zeros(3), np.zeros(3)
    return points.min(axis=0), points.max(axis=0)


def _describe(mobject: Mobject) -> str:
    text = getattr(mobject, "tex_string", None) or getattr(mobject, "text", "") or type(mobject).__name__
    return repr(text[:30])


class LessonScene(Scene):
    """A scene of the lecture, drawn from the active lesson config.

    Subclasses implement ``construct()`` as a short sequence of named beats, and declare
    them (and any words they draw) next to the code, with :class:`~lessonkit.scenetext.Beat`
    and :class:`~lessonkit.scenetext.Label`::

        class GradientChain(LessonScene):
            beats = {"network": Beat("The layers appear.", "layers"), ...}
            labels = {"per_layer": Label("After the factor.", max_chars=20)}

    The words live in the lesson TOML under the scene's ``lesson_key`` (its class name in
    snake case): ``titles.gradient_chain``, ``[narration.gradient_chain]``,
    ``[labels.gradient_chain]``. A ``self.beat(...)`` that names an undeclared beat, or
    fills in other placeholders than the declared ones, is refused when the class is
    created (or, for a computed name, when it runs).
    """

    #: The scene's key in ``[titles]``, ``[narration.*]`` and ``[labels.*]`` (default: the
    #: class name in snake case). A scene that sets only this borrows another's words.
    lesson_key: ClassVar[str] = ""
    #: Beat name -> what happens and the placeholders its line may use.
    beats: ClassVar[Mapping[str, Beat]] = {}
    #: Label name -> where it is drawn and the placeholders it may use.
    labels: ClassVar[Mapping[str, Label]] = {}
    #: Placeholders the title may use (filled in by ``show_title(**values)``).
    title_placeholders: ClassVar[tuple[str, ...]] = ()
    #: For a scene of one's own: its numbers and choices, under ``[settings.<lesson_key>]``.
    settings: ClassVar[Mapping[str, Setting]] = {}
    #: The declaration, built from the four attributes above when the class is created.
    scene_text: ClassVar[SceneText | None] = None
    #: Where the numbers come from: label (a regular expression) -> the mathcore expression
    #: that computes it, in terms of ``lesson`` (the lecture's are in scenes/numbers.py).
    number_sources: ClassVar[Mapping[str, str]] = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        declares = any(name in own for name in ("beats", "labels", "title_placeholders", "settings"))
        if not own.get("lesson_key") and declares:
            cls.lesson_key = lesson_key_for(cls.__name__)
        if CLOSING_SECTION in own.get("beats", {}):
            raise DeclarationError(f"{cls.__name__}: a beat may not be called {CLOSING_SECTION!r}, the name of "
                                   "the fade that closes every scene; choose another name")
        if declares:
            doc = (inspect.getdoc(cls) or cls.__name__).split("\n")[0]
            cls.scene_text = SceneText(cls.__name__, cls.lesson_key, doc, dict(cls.beats), dict(cls.labels),
                                       tuple(cls.title_placeholders), dict(cls.settings))
            check_beat_calls(cls, cls.scene_text)
            register(cls.scene_text)
        elif not cls.lesson_key:
            cls.lesson_key = lesson_key_for(cls.__name__)

    @classmethod
    def _own_or_borrowed_text(cls) -> SceneText | None:
        return cls.scene_text or registered().get(cls.lesson_key)

    @classmethod
    def declared_text(cls) -> SceneText:
        """This scene's declaration (a scene that sets only ``lesson_key`` borrows that scene's)."""
        text = cls._own_or_borrowed_text()
        if text is None:
            raise DeclarationError(f"{cls.__name__} declares no beats or title: add beats = {{...}} to the class "
                                   "(see docs/EDITING.md)")
        return text

    @classmethod
    def title_for(cls, lesson: Lesson, **values: str) -> str:
        """This scene's title in ``lesson``, with ``values`` filled in."""
        text = cls.declared_text()
        return fill(lesson, f"titles.{text.key}", text.title_placeholders, values, cls.__name__)

    #: When True (the plain manim CLI), the narration is also mixed into manim's own movie.
    #: The pipeline turns it off and builds each clip's sound track itself.
    narration_to_movie: ClassVar[bool] = True

    def setup(self) -> None:
        # manim hashes each mobject's sheen_direction into its cache keys, and its SVG cache
        # hands a formula built a second time in one process a different one. No scene here
        # uses sheen (sheen_factor is 0), so it cannot change a frame: leave it out of the
        # keys, or a scene rendered twice in one process misses the cache from then on.
        hashing.KEYS_TO_FILTER_OUT.add("sheen_direction")
        # Copies of formulas, made by most animations, and manim's cache keys of them were
        # mostly parsed SVG.
        share_parsed_svg_paths()
        leave_parsed_paths_out_of_hashes()
        # Most frames of a lecture are held pictures: convert each for the encoder once
        # (and in a preview, store it once: see jobs._render_locked).
        encode_held_frames_once()
        self.lesson = active_lesson()
        text = self._own_or_borrowed_text()
        if text is not None:
            # A scene of one's own whose words are not in the lesson yet stops here, naming the key.
            check_scene_words(self.lesson, text)
        self._beat_name = ""
        self.theme = Theme.from_lesson(self.lesson)
        self.camera.background_color = self.theme.background
        # Text made without an explicit colour follows the theme, in light and dark alike.
        for text_class in (MathTex, Tex, Text):
            text_class.set_default(color=self.theme.text)
        self.shown: dict[str, ShownNumber] = {}
        #: The title as shown (placeholders filled in), once show_title() has run.
        self.title_words: str | None = None
        self.captions: list[str] = []
        self.screen_tex: set[str] = set()
        self.layout_problems: list[str] = []
        #: Each step's composition at its end, by step name (see :meth:`_measure_step`).
        self.step_layouts: dict[str, StepLayout] = {}
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
        try:
            self._close_utterance()
            self._close_to_background()
        except EndSceneEarlyException:
            # A render of a range of animations (manim -n a,b) that ends before the hold after
            # the last line or before the closing fade: those are a later range's animations.
            pass
        for text_class in (MathTex, Tex, Text):
            text_class.set_default()

    def _close_to_background(self) -> None:
        """Fade everything out over ``pacing.closing_seconds``, so that joined scenes meet on
        the background instead of cutting from one full picture to the next. The fade is a
        section of its own, :data:`CLOSING_SECTION`, which is not a step: steps, posters and
        golden frames end on the last beat's picture."""
        seconds = self.lesson.pacing.closing_seconds
        if seconds <= 0 or not self.mobjects:
            return
        self.next_section(CLOSING_SECTION)
        self.play(fade_away(*self.mobjects), run_time=seconds)
        # manim's last frame of an animation is a step short of its end: end on the background
        # itself, held until the scene's sound is whole AAC frames long (if that takes at most
        # SOUND_ROUNDING_SECONDS), so the lecture joins the clips' sound by copying it instead
        # of encoding it again.
        per_frame = RATE / Fraction(self.fps).limit_denominator(1001)
        whole = AAC_FRAME // math.gcd(AAC_FRAME, per_frame.numerator) * per_frame.denominator
        hold = 1
        if whole <= SOUND_ROUNDING_SECONDS * self.fps:  # 8 frames at 15, 30 or 60 fps; not at 4 fps
            hold += (-(self.frames + 1)) % whole
        # A frozen frame (a static wait) is written int(duration * fps) times.
        self.wait((hold + 0.5) / self.fps, frozen_frame=True)

    # --- beats, narration and captions --------------------------------------------------

    def beat(self, name: str, /, **values: str) -> "OpenUtterance":
        """Start beat ``name``: let the previous narration finish, open a new section (one
        slide step), and say ``[narration.<lesson_key>].<name>`` with ``values`` filled in.
        ``name`` and the names of ``values`` must be as declared in the class's ``beats``.

        Returns a tracker, as manim-voiceover's ``voiceover()`` does: ``tracker.duration``
        is the length of the speech, for animations that should last as long as it::

            tracker = self.beat("trace")
            self.play(Create(curve), run_time=tracker.duration)
        """
        text = self.declared_text()
        check_beat(text, name, set(values), type(self).__name__)
        self._close_utterance()
        self.next_section(name)
        self._beat_name = name
        line = fill(self.lesson, f"narration.{text.key}.{name}", text.beats[name].placeholders, values,
                    type(self).__name__)
        return self._open_utterance(f"{text.key}.{name}", line)

    def say(self, text: str, name: str) -> "OpenUtterance":
        """Say ``text`` within the current beat (no new step), e.g. a takeaway read aloud.
        ``name`` makes its id ``<lesson_key>.<name>`` (the file name of a teacher's recording)."""
        self._close_utterance()
        return self._open_utterance(f"{self.lesson_key}.{name}", text)

    def line(self, beat: str, **values: str) -> str:
        """Beat ``beat``'s narration with ``values`` filled in, e.g. to write it on screen too."""
        text = self.declared_text()
        check_beat(text, beat, set(values), type(self).__name__)
        return fill(self.lesson, f"narration.{text.key}.{beat}", text.beats[beat].placeholders, values,
                    type(self).__name__)

    def setting(self, name: str):
        """The value of this scene's own setting ``name`` (``[settings.<lesson_key>]``)."""
        text = self.declared_text()
        if name not in text.settings:
            known = ", ".join(text.settings) or "none"
            raise DeclarationError(f"{type(self).__name__}: setting {name!r} is not declared in "
                                   f"{text.scene}.settings (declared: {known})")
        return self.lesson.value_at(f"settings.{text.key}.{name}")

    def label(self, name: str, **values: str) -> str:
        """The words of label ``name`` from ``[labels.<lesson_key>]``, ``values`` filled in."""
        text = self.declared_text()
        if name not in text.labels:
            known = ", ".join(text.labels) or "none"
            raise DeclarationError(f"{type(self).__name__}: label {name!r} is not declared in "
                                   f"{text.scene}.labels (declared: {known})")
        return fill(self.lesson, f"labels.{text.key}.{name}", text.labels[name].placeholders, values,
                    type(self).__name__)

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
        # For the plain manim CLI: manim's own subtitles, spanning the utterance. manim's clock
        # runs a little behind the frames after animations it took from its cache: never
        # before 0 (its subtitle writer would drop the line, and log that it did).
        self.add_subcaption(utterance.spoken.text, duration=elapsed, offset=-min(elapsed, self.renderer.time))
        self._inspect_screen()
        self._measure_step()

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
        self._inspect_screen()

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

    def _inspect_screen(self) -> None:
        """Record the formulas on screen and anything a viewer would call a layout bug:
        a mobject crossing the frame's edge, or two texts overlapping, named by scene and beat."""
        label = f"{type(self).__name__}.{self._beat_name or 'start'}"
        texts = self.texts_on_screen()
        self.screen_tex.update(t.tex_string for t in texts if isinstance(t, MathTex))
        self._note_steps(texts)
        half_width, half_height = self.camera.frame_width / 2, self.camera.frame_height / 2
        for mobject in self.mobjects:
            # Only drawn things: a ValueTracker keeps its number in a point of its own.
            if not any(isinstance(m, VMobject) for m in mobject.family_members_with_points()):
                continue
            (left, bottom, _), (right, top, _) = _box(mobject)
            if left < -half_width or right > half_width or bottom < -half_height or top > half_height:
                self._report_layout(
                    f"{label}: {_describe(mobject)} crosses the frame's edge "
                    f"(x {left:.2f}..{right:.2f}, y {bottom:.2f}..{top:.2f})"
                )
        for plot, part in self._off_their_axes():
            self._report_layout(f"{label}: {_describe(part)} leaves the axes of {_describe(plot)}")
        boxes = [(t, *_box(t)) for t in texts]
        margin = 0.02  # touching is fine; overlapping by more than this is not
        for i, (a, a_low, a_high) in enumerate(boxes):
            for b, b_low, b_high in boxes[i + 1:]:
                if (a_low[0] + margin < b_high[0] and b_low[0] + margin < a_high[0]
                        and a_low[1] + margin < b_high[1] and b_low[1] + margin < a_high[1]):
                    self._report_layout(
                        f"{label}: {_describe(a)} overlaps {_describe(b)}"
                    )
        lines = self._drawn_lines() if boxes else []
        for text, low, high in boxes:
            crossing = self._line_through(text, low + margin, high - margin, lines)
            if crossing is not None:
                self._report_layout(f"{label}: {_describe(text)} is crossed by a {type(crossing).__name__}")

    # --- composition and legibility (issue 10) ----------------------------------------

    def content_region(self) -> tuple[np.ndarray, np.ndarray]:
        """The room for content: the frame inside its margins, below the title when it is on screen."""
        half_width, half_height = self.camera.frame_width / 2, self.camera.frame_height / 2
        title = getattr(self, "title", None)
        top = self.content_top if title is not None and title in self.mobjects else half_height - EDGE_BUFF
        return np.array([-half_width + EDGE_BUFF, -half_height + EDGE_BUFF]), np.array([half_width - EDGE_BUFF, top])

    def content_fill(self) -> float:
        """The share of :meth:`content_region` that the box around everything drawn but the title covers."""
        title = getattr(self, "title", None)
        low, high = self.content_region()
        return content_fill(self.mobjects, low, high, exclude=[title] if title is not None else [])

    def is_narrated(self, value: float) -> bool:
        """True if a caption of this scene so far names ``value`` (as mathcore formats it, to any precision)."""
        forms = {format_number(value, s, latex=False) for s in range(1, 8)}
        forms |= {format_percent(value, s, latex=False) for s in range(1, 8)}
        captions = " ".join(self.captions)
        return any(re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", captions) for form in forms)

    def _measure_step(self) -> None:
        """Record the composition of the current step's last frame (see :class:`StepLayout`)."""
        step = self._beat_name or "start"
        # 0 and 1 are also the constants of formulas (sigma(0), 1 - sigma): not counted as named numbers.
        narrated = [n.text for n in self.shown.values() if self.is_narrated(n.value) and n.text not in FORMULA_CONSTANTS]
        words = {self.spoken(n.value, s) for n in self.shown.values() if self.is_narrated(n.value) for s in range(1, 8)}
        in_text, alone = [], []
        for text in self.texts_on_screen():
            if isinstance(text, MathTex):
                tex = text.tex_string
                if LONE_NUMBER.fullmatch(tex):
                    alone.append(digit_height_px(text))
                elif any(re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", tex) for number in narrated):
                    in_text.append(digit_height_px(text))
            elif isinstance(text, Text) and any(re.search(rf"(?<![\d.]){re.escape(w)}(?![\d])", text.text)
                                                for w in words):
                in_text.append(digit_height_px(text))
        self.step_layouts[step] = StepLayout(step, self.content_fill(), min(in_text, default=None),
                                             min(alone, default=None))

    def composition_problems(self) -> list[str]:
        """Steps whose last frame falls below the per-step targets of :mod:`lessonkit.layout`:
        content filling less than ``MIN_STEP_FILL`` of the room below the title, a narrated
        number's digits under ``MIN_NARRATED_DIGIT_PX`` or a tick's under ``MIN_TICK_DIGIT_PX``."""
        problems = []
        name = type(self).__name__
        for step, layout in self.step_layouts.items():
            if layout.fill < MIN_STEP_FILL:
                problems.append(f"{name}.{step}: content fills {layout.fill:.0%} of the room below the title "
                                f"(at least {MIN_STEP_FILL:.0%})")
            if layout.narrated_digit_px is not None and layout.narrated_digit_px < MIN_NARRATED_DIGIT_PX:
                problems.append(f"{name}.{step}: a narrated number's digits are {layout.narrated_digit_px:.1f} px "
                                f"tall at 1080p (at least {MIN_NARRATED_DIGIT_PX})")
            if layout.tick_digit_px is not None and layout.tick_digit_px < MIN_TICK_DIGIT_PX:
                problems.append(f"{name}.{step}: tick labels' digits are {layout.tick_digit_px:.1f} px tall at 1080p "
                                f"(at least {MIN_TICK_DIGIT_PX})")
        return problems

    def _off_their_axes(self) -> list[tuple[Mobject, Mobject]]:
        """(plot, part) for each dot, band, level line or tangent drawn on a plot's axes
        (:attr:`ActivationPlot.on_axes`) that is on screen but reaches outside them."""
        family = self.get_mobject_family_members()
        on_screen = set(map(id, family))
        found = []
        for plot in (m for m in family if isinstance(m, ActivationPlot)):
            low, high = plot.axes_box()
            for part in plot.on_axes:
                if id(part) not in on_screen or max(part.get_fill_opacity(), part.get_stroke_opacity()) <= 0.05:
                    continue
                # A dot sits on the axes by its centre; anything else by its whole box.
                margin = part.width / 2 + 0.02 if isinstance(part, Dot) else 0.02
                part_low, part_high = _box(part)
                if np.any(part_low[:2] < low[:2] - margin) or np.any(part_high[:2] > high[:2] + margin):
                    found.append((plot, part))
        return found

    def _drawn_lines(self) -> list[tuple[VMobject, set[int], np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Every line or curve drawn on screen (not text, not a filled shape), taken as the
        polyline through its anchors, which manim's plotted curves are dense enough for:
        (the part, the ids of its family, its segments' starts and ends, its box's corners)."""
        lines = []
        for mobject in self.mobjects:
            for part in mobject.family_members_with_points():
                if not isinstance(part, VMobject) or isinstance(part, (MathTex, Text)) \
                        or part.get_stroke_width() <= 0 \
                        or part.get_stroke_opacity() <= 0.05 or part.get_fill_opacity() > 0.05:
                    continue
                points = part.points[:, :2]
                if len(points) < 4:
                    continue
                lines.append((part, {id(member) for member in part.get_family()}, points[0::4], points[3::4],
                              points.min(axis=0), points.max(axis=0)))
        return lines

    def _line_through(self, text: Mobject, low: np.ndarray, high: np.ndarray,
                      lines: list[tuple[VMobject, set[int], np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
                      ) -> Mobject | None:
        """One of the drawn ``lines`` (see :meth:`_drawn_lines`), not part of ``text``, that
        passes through the box ``low``..``high`` of ``text``, or None."""
        if not (low[0] < high[0] and low[1] < high[1]):
            return None
        own = set(map(id, text.get_family()))
        for part, family, starts, ends, part_low, part_high in lines:
            # Most lines are nowhere near the text: their boxes do not meet.
            if part_low[0] > high[0] or part_high[0] < low[0] or part_low[1] > high[1] or part_high[1] < low[1]:
                continue
            if family & own:
                continue
            if _segments_cross_box(starts, ends, low[:2], high[:2]):
                return part
        return None

    def _report_layout(self, problem: str) -> None:
        # The same overlap seen after several animations is one problem.
        if problem not in self.layout_problems:
            self.layout_problems.append(problem)

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

    def make_title(self, **values: str) -> Mobject:
        """The scene's title from ``[titles]`` (``values`` filled in), at the top edge."""
        self.title_words = self.title_for(self.lesson, **values)
        title = title_text(self.title_words, self.theme)
        return title.to_edge(UP, buff=TITLE_BUFF)

    def show_title(self, **values: str) -> Mobject:
        """Fade the title in (``values`` filled in) and keep it on screen."""
        self.title = self.make_title(**values)
        self.play(FadeIn(self.title, shift=0.2 * UP), run_time=0.6)
        return self.title

    def width_right_of(self, mobject: Mobject, buff: float = 0.0) -> float:
        """Room between ``mobject``'s left edge (plus ``buff``) and the frame's right margin."""
        return self.camera.frame_width / 2 - EDGE_BUFF - mobject.get_left()[0] - buff

    def move_to_room(self, mobject: Mobject, *, fit: bool = True, fill: bool = False) -> Mobject:
        """Centre ``mobject`` in the room below the title (see :meth:`content_region`),
        shrunk to fit it if ``fit`` and it is larger; with ``fill``, scaled up or down to the
        largest size that fits (a lone picture taking the whole room)."""
        low, high = self.content_region()
        room = high - low
        if fill or (fit and (mobject.width > room[0] or mobject.height > room[1])):
            mobject.scale(min(room[0] / mobject.width, room[1] / mobject.height))
        return mobject.move_to([(low[0] + high[0]) / 2, (low[1] + high[1]) / 2, 0])

    @property
    def content_top(self) -> float:
        """The y below the title where content may start."""
        title = getattr(self, "title", None)
        top = title.get_bottom()[1] if title is not None else self.camera.frame_height / 2
        return top - EDGE_BUFF
