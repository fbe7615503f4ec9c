"""Composition and legibility, measured from mobjects in scene units.

Two measures a viewer would notice on a poster (a step's last frame):

* :func:`content_fill`: how much of the room below the title the content uses. The box
  around everything visible except the title, clipped to that room, over the room's area.
  A lone small formula at the top of an empty frame scores a few percent; content spread
  over the room scores near 100%.
* :func:`digit_height_px`: how tall a text's digits are drawn, in pixels of a 1080p frame
  (the frame is 8 units tall, so 1 unit = 135 px). Measured on the glyphs.

>>> from manim import Square
>>> round(content_fill([Square(side_length=2)], (-4.0, -2.0), (4.0, 2.0)), 3)
0.125
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np
from manim import MathTex, Mobject, Text, VMobject

#: Pixels per scene unit at 1080p: the frame is 8 units tall.
PX_PER_UNIT_1080P = 1080 / 8
#: A mobject counts as drawn when its fill or stroke is at least this opaque.
VISIBLE_OPACITY = 0.05


def is_drawn(part: Mobject) -> bool:
    """True if ``part`` (a mobject with points) shows anything: some fill or some stroke."""
    if not isinstance(part, VMobject) or len(part.points) == 0:
        return False
    if part.get_fill_opacity() > VISIBLE_OPACITY:
        return True
    return part.get_stroke_width() > 0 and part.get_stroke_opacity() > VISIBLE_OPACITY


def drawn_parts(mobjects: Iterable[Mobject], exclude: Iterable[Mobject] = ()) -> list[VMobject]:
    """The drawn parts (see :func:`is_drawn`) of ``mobjects``, leaving out ``exclude``'s families."""
    excluded = {id(m) for mobject in exclude for m in mobject.get_family()}
    return [part for mobject in mobjects for part in mobject.family_members_with_points()
            if id(part) not in excluded and is_drawn(part)]


def content_box(parts: Sequence[Mobject]) -> tuple[np.ndarray, np.ndarray] | None:
    """The lower-left and upper-right corners (x, y) of the box around ``parts``; None if none."""
    if not parts:
        return None
    points = np.concatenate([part.points[:, :2] for part in parts])
    return points.min(axis=0), points.max(axis=0)


def content_fill(mobjects: Iterable[Mobject], low: Sequence[float], high: Sequence[float],
                 exclude: Iterable[Mobject] = ()) -> float:
    """The share (0 to 1) of the region ``low``..``high`` (x, y corners) covered by the box
    around the drawn parts of ``mobjects`` (``exclude`` left out), clipped to the region."""
    box = content_box(drawn_parts(mobjects, exclude))
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    region = np.prod(high - low)
    if box is None or region <= 0:
        return 0.0
    clipped = np.clip(np.minimum(box[1], high) - np.maximum(box[0], low), 0.0, None)
    return float(np.prod(clipped) / region)


@lru_cache(maxsize=None)
def _tex_digit_height_per_font_size() -> float:
    # The digits' glyphs as LaTeX draws them; their median height over the font size it was asked for.
    digits = MathTex("0123456789", font_size=48)
    return float(np.median([glyph.height for glyph in digits.family_members_with_points()])) / 48


def digit_height_px(text: Mobject) -> float:
    """The height of ``text``'s digits in px at 1080p.

    A :class:`~manim.Text` has one glyph per character that is not white space, so its
    digits are measured directly (their median height; 0 if it has none). A formula's glyphs
    do not map to its LaTeX source, so for a :class:`~manim.MathTex` this is the height a
    digit's glyph has at the formula's font size as drawn (after any scaling), which is what
    its digits measure outside sub- and superscripts.
    """
    if isinstance(text, Text):
        characters = re.sub(r"\s", "", text.text)
        glyphs = text.submobjects
        heights = [glyph.height for character, glyph in zip(characters, glyphs) if character.isdigit()]
        return float(np.median(heights)) * PX_PER_UNIT_1080P if heights else 0.0
    if isinstance(text, MathTex):
        return text.font_size * _tex_digit_height_per_font_size() * PX_PER_UNIT_1080P
    raise TypeError(f"digit_height_px measures Text or MathTex, not {type(text).__name__}")


def px_at_1080p(units: float) -> float:
    """A length in scene units as px of a 1080p frame."""
    return units * PX_PER_UNIT_1080P


# The targets of issue 10, checked by tests/test_scenes.py.
#: The median over the lecture's steps of :func:`content_fill` at each step's end...
MEDIAN_FILL = 0.65
#: ...and the least any one step may fill.
MIN_STEP_FILL = 0.30
#: Digits of a number the narration names, in a formula or a sentence (px at 1080p).
MIN_NARRATED_DIGIT_PX = 30
#: Digits of a number standing alone: an axis tick, a bar's or a level line's value.
MIN_TICK_DIGIT_PX = 18
