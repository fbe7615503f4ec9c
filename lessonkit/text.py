"""Text helpers: wrapped prose and titles that always fit the frame."""

from __future__ import annotations

import textwrap

from manim import Text, config

from lessonkit.fonts import FONT
from lessonkit.theme import EDGE_BUFF, Theme


def prose(
    text: str,
    theme: Theme,
    *,
    font_size: float | None = None,
    color: str | None = None,
    max_width: float | None = None,
    chars_per_line: int | None = None,
    weight: str = "NORMAL",
) -> Text:
    """``text`` as a :class:`~manim.Text`, wrapped into lines and shrunk to ``max_width`` if needed.

    Pango draws the glyphs (no LaTeX), so any character an educator types is safe.
    """
    font_size = font_size or theme.body_size
    max_width = max_width or (config.frame_width - 2 * EDGE_BUFF)
    def typeset(chars: int) -> Text:
        wrapped = "\n".join(textwrap.wrap(text, chars)) or " "
        return Text(wrapped, font=FONT, font_size=font_size, color=color or theme.text, weight=weight,
                    line_spacing=0.9)

    if chars_per_line is not None:
        mobject = typeset(chars_per_line)
    else:
        # Start from a measured average (DejaVu Sans: 0.0070 frame units per font-size
        # unit per character, bold 0.0080) and wrap tighter while a line is too wide.
        per_char = 0.0080 if weight == "BOLD" else 0.0070
        chars = max(12, int(max_width / (per_char * font_size)))
        mobject = typeset(chars)
        for _ in range(3):
            if mobject.width <= max_width or chars <= 12:
                break
            chars = max(12, int(chars * max_width / mobject.width))
            mobject = typeset(chars)
    if mobject.width > max_width:
        mobject.scale_to_fit_width(max_width)
    return mobject


def title_text(text: str, theme: Theme) -> Text:
    """A scene title: large, bold, on one line, shrunk (never wrapped) to the frame's width.

    A second line would run into what several scenes draw under their title; the lesson's
    limit on titles (``lessonkit.schema.TITLE_CHARS``) keeps the shrunk title legible.
    """
    return prose(text, theme, font_size=theme.title_size, weight="BOLD", chars_per_line=max(1, len(text)))


#: LaTeX's special characters and how to write each inside \text{}.
_TEX_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                "^": r"\^{}", "_": r"\_", "~": r"\~{}", "%": r"\%"}


def tex_words(words: str) -> str:
    """``words`` (a label from the lesson) as LaTeX text for a formula: ``\\text{...}`` with
    LaTeX's special characters escaped, so an educator's ``%`` or ``&`` is drawn as typed."""
    return r"\text{" + "".join(_TEX_ESCAPES.get(character, character) for character in words) + "}"
