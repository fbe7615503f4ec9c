"""The font the lecture's text is drawn in, and which characters can be drawn.

Pango draws a character that no installed font has as an empty box, and lays out
right-to-left scripts in ways the layout checks cannot see; both are refused when the
lesson loads, naming the key and the character (see :func:`undrawable_character`).
A character the lecture's font lacks but another installed font has (after, say,
``apt-get install fonts-noto-cjk``) is drawn by Pango from that font, so it is accepted.
No manim here: the schema uses this module.

>>> undrawable_character("Sigmoid saturates: σ'(z) → 0") is None or font_coverage() is None
True
"""

from __future__ import annotations

import bisect
import functools
import subprocess
import unicodedata

#: The family every Text is drawn in (regular and bold), and the Debian package that installs it.
FONT = "DejaVu Sans"
FONT_PACKAGE = "fonts-dejavu-core"
#: Unicode bidirectional classes of right-to-left letters.
RIGHT_TO_LEFT = ("R", "AL")


@functools.cache
def font_coverage(family: str = FONT) -> tuple[tuple[int, int], ...] | None:
    """Code point ranges (inclusive) that both the regular and the bold face of ``family``
    draw, as fontconfig reports them; None if fontconfig or the font is missing."""
    faces = []
    for style in ("", ":bold"):
        try:
            found = subprocess.run(["fc-match", "--format=%{family}\n%{charset}", family + style],
                                   capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        names, _, charset = found.stdout.partition("\n")
        if found.returncode != 0 or family not in names.split(","):
            return None  # fontconfig substituted another family
        faces.append(set(_parse_charset(charset)))
    return tuple(sorted(set.intersection(*faces)))


def _parse_charset(charset: str) -> list[tuple[int, int]]:
    """fontconfig's ``20-7e a0-17f 2212`` as inclusive ranges."""
    ranges = []
    for item in charset.split():
        start, _, end = item.partition("-")
        ranges.append((int(start, 16), int(end or start, 16)))
    return ranges


def covers(ranges: tuple[tuple[int, int], ...], character: str) -> bool:
    point = ord(character)
    index = bisect.bisect_right(ranges, (point, float("inf"))) - 1
    return index >= 0 and ranges[index][0] <= point <= ranges[index][1]


@functools.cache
def any_font_has(point: int) -> bool:
    """Whether some installed font draws code point ``point`` (True if fontconfig cannot say)."""
    try:
        found = subprocess.run(["fc-list", "--format=%{family}\n", f":charset={point:x}"],
                               capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return True
    return found.returncode != 0 or bool(found.stdout.strip())


def undrawable_character(text: str) -> str | None:
    """Why a character of ``text`` cannot be drawn (one phrase naming it), or None."""
    ranges = font_coverage()
    for character in text:
        if character.isspace():
            continue
        name = unicodedata.name(character, "unnamed")
        if unicodedata.bidirectional(character) in RIGHT_TO_LEFT:
            return f"contains {character!r} (U+{ord(character):04X} {name}): right-to-left text is not supported"
        if ranges is not None and not covers(ranges, character) and not any_font_has(ord(character)):
            return (f"contains {character!r} (U+{ord(character):04X} {name}), which no installed font can draw "
                    "(it would show as an empty box); use other characters or install a font that has it")
    return None
