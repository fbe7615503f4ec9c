"""Text helpers: wrapped prose and titles that always fit the frame."""

from __future__ import annotations

import textwrap

from manim import Text, config

from lessonkit.theme import EDGE_BUFF, Theme

FONT = "DejaVu Sans"


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
    if chars_per_line is None:
        # About 0.0105 frame units per font-size unit per character for DejaVu Sans.
        chars_per_line = max(12, int(max_width / (0.0105 * font_size)))
    wrapped = "\n".join(textwrap.wrap(text, chars_per_line)) or " "
    mobject = Text(wrapped, font=FONT, font_size=font_size, color=color or theme.text, weight=weight,
                   line_spacing=0.9)
    if mobject.width > max_width:
        mobject.scale_to_fit_width(max_width)
    return mobject


def title_text(text: str, theme: Theme) -> Text:
    """A scene title: large, bold, at most the frame's width."""
    return prose(text, theme, font_size=theme.title_size, weight="BOLD")
