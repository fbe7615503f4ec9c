"""One place for the look: colours by role, font sizes, stroke widths, layout constants.

Colours come from the lesson config (``[theme.dark]`` / ``[theme.light]``); sizes are
fixed here so that every scene is readable at 480p. Components read a :class:`Theme`
when they are built (never as import-time default arguments): the one they are given, else
:meth:`Theme.default`, never the active lesson's.

>>> from lessonkit.config import load_lesson
>>> Theme.from_lesson(load_lesson(overrides=["theme.name=light"])).background
'#FFFFFF'
"""

from __future__ import annotations

from dataclasses import dataclass

from lessonkit.config import Lesson, active_lesson, default_lesson

# The type scale, in manim's font-size units (48 is manim's default). A formula's digits
# are about 0.98 px tall per unit at 1080p (lessonkit.layout.digit_height_px), so a number
# the narration names is set at BODY_SIZE or larger (31 px and up; 30 is the floor for the
# back of a room), and a tick label at TICK_SIZE (23 px; 18 is the floor).
TITLE_SIZE = 44
#: A lone formula or question, large and central before it moves aside.
DISPLAY_SIZE = 56
#: Formulas: worked lines, results.
FORMULA_SIZE = 40
HEADING_SIZE = 36
#: Sentences, and numbers beside plots.
BODY_SIZE = 32
#: Names of curves and axes (words and symbols, no narrated numbers).
LABEL_SIZE = 28
#: Axis ticks and bar numbers.
TICK_SIZE = 24
#: Muted names under pictures. 24 is the smallest that stays legible at 854x480.
SMALL_SIZE = 24

CURVE_STROKE = 5
AXIS_STROKE = 2
TANGENT_STROKE = 4
DOT_RADIUS = 0.09

# Margins of the 14.2 x 8 frame that nothing may cross.
EDGE_BUFF = 0.4
TITLE_BUFF = 0.35


@dataclass(frozen=True)
class Theme:
    """The colours of one theme, by role, plus the shared sizes above.

    Attributes mirror ``[theme.<name>]`` of the lesson config: ``background``, ``text``,
    ``muted``, ``sigmoid``, ``sigmoid_prime``, ``relu``, ``relu_prime``, ``tanh``, ``tanh_prime``, ``highlight``,
    ``saturated``, ``gradient``, ``warning``.
    """

    name: str
    background: str
    text: str
    muted: str
    sigmoid: str
    sigmoid_prime: str
    relu: str
    relu_prime: str
    tanh: str
    tanh_prime: str
    highlight: str
    saturated: str
    gradient: str
    warning: str

    title_size: int = TITLE_SIZE
    display_size: int = DISPLAY_SIZE
    formula_size: int = FORMULA_SIZE
    heading_size: int = HEADING_SIZE
    body_size: int = BODY_SIZE
    label_size: int = LABEL_SIZE
    tick_size: int = TICK_SIZE
    small_size: int = SMALL_SIZE

    @classmethod
    def from_lesson(cls, lesson: Lesson | None = None) -> "Theme":
        """The theme named by ``theme.name`` in ``lesson`` (default: the active lesson)."""
        lesson = lesson or active_lesson()
        name = lesson.theme.name
        colors = lesson.theme[name]
        return cls(name=name, **{role: colors[role] for role in colors})

    @classmethod
    def default(cls) -> "Theme":
        """The built-in theme, the default lesson file's (dark), whatever lesson is active:
        what a component draws with when it is given no theme.

        >>> Theme.default().name
        'dark'
        """
        return cls.from_lesson(default_lesson())

    def function_color(self, activation: str) -> str:
        """The colour of an activation's curve: one colour per function across the lecture."""
        return {"sigmoid": self.sigmoid, "relu": self.relu, "leaky_relu": self.relu, "tanh": self.tanh}.get(
            activation, self.muted
        )

    def derivative_color(self, activation: str) -> str:
        """The colour of an activation's derivative."""
        return {"sigmoid": self.sigmoid_prime, "relu": self.relu_prime, "leaky_relu": self.relu_prime,
                "tanh": self.tanh_prime}.get(activation, self.muted)
