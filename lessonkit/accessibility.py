"""Can every student read the lesson: contrast and colour-vision checks of a theme's colours.

* **Contrast** (WCAG 2.1, success criteria 1.4.3 and 1.4.11): every colour role is drawn
  as text somewhere (labels and formulas take the colour of the curve they name), so each
  needs 4.5:1 against the background, which also covers 3:1 for lines and large text.
* **Colour-vision deficiency**: pairs of colours that must be told apart on one screen stay
  at least ``MIN_CVD_DELTA_E`` apart in CAM02-UCS under simulated protanopia, deuteranopia
  and tritanopia (Machado et al. 2009 at full severity, through ``colorspacious``).

A teacher's own colours that fall short are warned about by ``render.py`` (one line each),
not refused.

>>> round(contrast_ratio("#FFFFFF", "#000000"), 1)
21.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from lessonkit.config import Lesson
from lessonkit.schema import COLOR_ROLES

#: WCAG 2.1 AA for normal text; it also covers the 3:1 of large text and of the graphics
#: that carry meaning (curves, bars), since every role below is drawn as text too.
MIN_TEXT_CONTRAST = 4.5
#: The colour roles drawn as text (all of them but the background: labels take their curve's colour).
TEXT_ROLES = tuple(role for role in COLOR_ROLES if role != "background")

#: Simulated deficiencies (colorspacious' names; severity 100 is the full -anopia).
CVD_TYPES = {"protanopia": "protanomaly", "deuteranopia": "deuteranomaly", "tritanopia": "tritanomaly"}
CVD_SEVERITY = 100
#: Least colour difference (CAM02-UCS Delta E') between colours that must be told apart, in
#: normal vision and under each simulated deficiency. About 1 is just noticeable; twelve
#: times that keeps thin curves apart on a washed-out projector.
MIN_CVD_DELTA_E = 12.0
#: Colours shown together whose difference carries meaning: (role, role, where).
MUST_DIFFER = (
    ("sigmoid", "sigmoid_prime", "the sigmoid and its derivative, on one plot"),
    ("sigmoid", "relu", "the sigmoid and ReLU, side by side"),
    ("gradient", "warning", "gradient bars and the vanishing warning"),
    ("warning", "text", "a warning among ordinary text"),
)


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def srgb(color: str) -> tuple[float, float, float]:
    """``#RRGGBB`` as sRGB channels from 0 to 1."""
    digits = color.lstrip("#")
    return tuple(int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def relative_luminance(color: str) -> float:
    """WCAG 2.1's relative luminance of ``#RRGGBB`` (0 black, 1 white)."""
    red, green, blue = (_linear(channel) for channel in srgb(color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1's contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class ContrastCheck:
    """One colour role against its theme's background."""

    role: str
    color: str
    ratio: float
    minimum: float

    @property
    def ok(self) -> bool:
        return self.ratio >= self.minimum


def contrast_checks(colors: Mapping[str, str]) -> list[ContrastCheck]:
    """Every text role of one theme's ``colors`` against its background."""
    return [ContrastCheck(role, colors[role], contrast_ratio(colors[role], colors["background"]), MIN_TEXT_CONTRAST)
            for role in TEXT_ROLES]


def color_differences(first: str, second: str) -> dict[str, float]:
    """CAM02-UCS Delta E' between two colours in normal vision and under each simulated deficiency."""
    import colorspacious
    import numpy as np

    pair = np.array([srgb(first), srgb(second)])
    differences = {"normal vision": float(colorspacious.deltaE(pair[0], pair[1], input_space="sRGB1"))}
    for name, cvd_type in CVD_TYPES.items():
        space = {"name": "sRGB1+CVD", "cvd_type": cvd_type, "severity": CVD_SEVERITY}
        # The simulation can leave the sRGB gamut: clip, as a screen would.
        seen = np.clip(colorspacious.cspace_convert(pair, space, "sRGB1"), 0, 1)
        differences[name] = float(colorspacious.deltaE(seen[0], seen[1], input_space="sRGB1"))
    return differences


@dataclass(frozen=True)
class DifferenceCheck:
    """Two colours that must be told apart, and their least difference and where it is least."""

    first: str
    second: str
    where: str
    delta_e: float
    vision: str

    @property
    def ok(self) -> bool:
        return self.delta_e >= MIN_CVD_DELTA_E


def difference_checks(colors: Mapping[str, str]) -> list[DifferenceCheck]:
    """Every pair of :data:`MUST_DIFFER` in one theme's ``colors``, at its least distinguishable."""
    checks = []
    for first, second, where in MUST_DIFFER:
        differences = color_differences(colors[first], colors[second])
        vision = min(differences, key=differences.get)
        checks.append(DifferenceCheck(first, second, where, differences[vision], vision))
    return checks


def color_warnings(lesson: Lesson) -> list[str]:
    """One line per colour of ``lesson``'s themes that some students could not read or tell apart."""
    lines = []
    for theme in lesson.theme:
        colors = lesson.theme[theme]
        if not isinstance(colors, Lesson):  # theme.name
            continue
        colors = {role: colors[role] for role in colors}
        for check in contrast_checks(colors):
            if not check.ok:
                lines.append(f"theme.{theme}.{check.role} = {check.color} has contrast {check.ratio:.2f}:1 against "
                             f"theme.{theme}.background; text needs {check.minimum:g}:1 (WCAG 2.1 AA)")
        try:
            differences = difference_checks(colors)
        except (IndexError, ValueError):  # colorspacious' hue lookup fails on a few extreme colours
            differences = []
        for check in differences:
            if not check.ok:
                lines.append(f"theme.{theme}.{check.first} and theme.{theme}.{check.second} differ by only "
                             f"{check.delta_e:.1f} (CAM02-UCS) in {check.vision}; {MIN_CVD_DELTA_E:g} tells "
                             f"{check.where} apart")
    return lines
