"""LiveNumber: a number that changes every frame without re-typesetting anything.

manim's ``DecimalNumber.set_value`` builds a new mobject (and deep-copies its glyphs)
on every call; in an updater that took about 70% of a 1080p60 scene's render time.
LiveNumber typesets its glyphs once (digits, point, minus, the times sign and
superscripts for scientific notation) and, each frame, only copies point arrays into a
fixed row of glyph slots.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from manim import DOWN, MathTex, VGroup, VMobject

from mathcore import format_fixed, format_number

#: The glyphs a live number is drawn from, in the order LaTeX sets them in _TEMPLATE_TEX;
#: text as mathcore's plain-text formatter writes it ("4.540 × 10⁻⁴").
_CHARACTERS = "0123456789.-×10⁻⁰¹²³⁴⁵⁶⁷⁸⁹"
_TEMPLATE_TEX = r"0123456789.-\times10^{-0123456789}"
#: The glyph for each character of the formatter's text (the 1 and 0 of "10" are the digits').
_GLYPH_INDEX = {char: index for index, char in enumerate(_CHARACTERS) if index not in (13, 14)}
_SUPERSCRIPTS = "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"


def live_text(value: float, sig_figs: int | None, decimals: int) -> str:
    """What a live readout shows for ``value``: ``sig_figs`` significant figures (zeros
    kept, so the width holds while it counts; scientific notation below 0.001, as every
    static number of the lesson), or ``decimals`` fixed decimals when ``sig_figs`` is None.
    Never a zero for a value that is not zero: a fixed readout too small to show it
    switches to significant figures."""
    if sig_figs is not None:
        return format_number(value, sig_figs, latex=False, keep_zeros=True)
    text = format_fixed(value, decimals)
    if value != 0 and text.lstrip("-").strip("0.") == "":
        return format_number(value, max(decimals, 1), latex=False, keep_zeros=True)
    return text


class LiveNumber(VGroup):
    """A readout of ``get_value()``, updated every frame.

    Args:
        get_value: Called each frame; the number to show.
        sig_figs: Significant figures, as the lesson's static numbers have (tiny values
            in scientific notation: ``4.540 × 10⁻⁴``, never ``0.000``); or None for...
        decimals: ...a fixed number of decimals, for inputs such as z that sweep a range.
        max_chars: Glyph slots to reserve (sign, digits, point, exponent).
        font_size: manim font size (set it here: scaling a LiveNumber is not supported).
        color: Glyph colour.

    Example::

        slope = LiveNumber(lambda: sigmoid_prime(z.get_value()), sig_figs=4)
        slope.next_to(label, RIGHT)
    """

    def __init__(
        self,
        get_value: Callable[[], float],
        *,
        sig_figs: int | None = 4,
        decimals: int = 3,
        max_chars: int = 12,
        font_size: float = 32,
        color: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.get_value = get_value
        self.sig_figs = sig_figs
        self.decimals = decimals
        template = MathTex(_TEMPLATE_TEX, font_size=font_size)
        if color is not None:
            template.set_color(color)
        glyphs = template[0]
        self._templates: dict[str, VMobject] = {}
        baseline = glyphs[0].get_bottom()[1]  # digits sit on the baseline; superscripts above it
        for char, index in _GLYPH_INDEX.items():
            glyph = glyphs[index]
            # Each glyph relative to its own left edge and the digits' baseline.
            glyph.shift(-np.array([glyph.get_left()[0], baseline, 0.0]))
            self._templates[char] = glyph
        digit_width = max(self._templates[d].width for d in "0123456789")
        gap = 0.12 * digit_width
        self._advance = {char: glyph.width + gap for char, glyph in self._templates.items()}
        for digit in "0123456789":
            self._advance[digit] = digit_width + gap  # tabular digits: no jitter while counting
        superscript_width = max(self._templates[d].width for d in _SUPERSCRIPTS[1:])
        for digit in _SUPERSCRIPTS[1:]:
            self._advance[digit] = superscript_width + gap
        self._advance["×"] += 2 * gap
        self._advance[" "] = 0.0
        self.slots = [self._templates["0"].copy() for _ in range(max_chars)]
        # An invisible point that moves with every shift of this mobject or a parent:
        # it remembers where the baseline starts (parents move points, not via shift()).
        self.anchor_mark = VMobject(stroke_width=0, fill_opacity=0).set_points(np.zeros((4, 3)))
        self.add(self.anchor_mark, *self.slots)
        self.text = ""
        self.refresh()
        self.add_updater(lambda mob: mob.refresh())

    def refresh(self) -> "LiveNumber":
        """Show the current value (called by the updater every frame)."""
        text = live_text(self.get_value(), self.sig_figs, self.decimals)
        if text == self.text:
            return self
        glyphs = [char for char in text if char != " "]
        if len(glyphs) > len(self.slots):
            raise ValueError(f"{text!r} needs more than max_chars={len(self.slots)} slots")
        anchor = self.get_anchor()
        x = 0.0
        for index, slot in enumerate(self.slots):
            if index < len(glyphs):
                char = glyphs[index]
                slot.points = self._templates[char].points + np.array([x, 0.0, 0.0]) + anchor
                x += self._advance[char]
            else:
                slot.points = np.zeros((0, 3))
        self.text = text
        return self

    def place_at(self, anchor: np.ndarray) -> "LiveNumber":
        """Put the baseline's left end at ``anchor``."""
        return self.shift(np.asarray(anchor, dtype=float) - self.get_anchor())

    def get_anchor(self) -> np.ndarray:
        """The left end of the baseline, where the first glyph starts."""
        return self.anchor_mark.points[0].copy()

    def next_to(self, mobject_or_point, direction=np.array([1.0, 0.0, 0.0]), buff=0.2, **kwargs):
        """Like Mobject.next_to, aligned on the baseline's left end by default."""
        kwargs.setdefault("aligned_edge", DOWN)
        return super().next_to(mobject_or_point, direction, buff=buff, **kwargs)



class LabelledReadout(VGroup):
    r"""A formula followed by a :class:`LiveNumber`, sharing one baseline.

    The label is typeset together with a sample number so that the live digits sit
    exactly where LaTeX would have put them.

    Args:
        label: LaTeX before the number, e.g. ``r"\sigma'(z) ="``.
        get_value: Called each frame.
        sig_figs, decimals: As for :class:`LiveNumber`.
        font_size: manim font size.
        color: Colour of the label.
        number_color: Colour of the live number (default: the label's).

    Parts: ``label``, ``number``.
    """

    def __init__(
        self,
        label: str,
        get_value: Callable[[], float],
        *,
        sig_figs: int | None = 4,
        decimals: int = 3,
        font_size: float = 32,
        color: str | None = None,
        number_color: str | None = None,
        max_chars: int = 12,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        sample = "0." + "0" * decimals if decimals else "0"
        typeset = MathTex(label, sample, font_size=font_size)
        if color is not None:
            typeset.set_color(color)
        self.label, sample_glyphs = typeset[0], typeset[1]
        self.number = LiveNumber(get_value, sig_figs=sig_figs, decimals=decimals, max_chars=max_chars, font_size=font_size,
                                 color=number_color or color)
        self.number.place_at([sample_glyphs[0].get_left()[0], sample_glyphs[0].get_bottom()[1], 0.0])
        self.add(self.label, self.number)
