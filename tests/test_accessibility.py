"""Every student can read it: WCAG 2.1 contrast and colour-vision checks of both built-in themes."""

from __future__ import annotations

import pytest

from lessonkit.accessibility import (
    MIN_CVD_DELTA_E,
    MIN_TEXT_CONTRAST,
    TEXT_ROLES,
    color_differences,
    color_warnings,
    contrast_checks,
    contrast_ratio,
    difference_checks,
)
from lessonkit.config import load_lesson
from lessonkit.schema import THEMES

LESSON = load_lesson()


def colors_of(lesson, theme: str) -> dict[str, str]:
    return {role: lesson.theme[theme][role] for role in lesson.theme[theme]}


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)  # WCAG's classic near miss
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#123456", "#123456") == 1.0


@pytest.mark.parametrize("theme", THEMES)
def test_every_text_colour_meets_wcag_aa_in_both_themes(theme):
    checks = contrast_checks(colors_of(LESSON, theme))
    assert {check.role for check in checks} == set(TEXT_ROLES)
    failing = [(c.role, round(c.ratio, 2)) for c in checks if c.ratio < MIN_TEXT_CONTRAST]
    assert not failing


@pytest.mark.parametrize("theme", THEMES)
def test_colours_that_must_differ_stay_apart_under_colour_vision_deficiency(theme):
    for check in difference_checks(colors_of(LESSON, theme)):
        assert check.delta_e >= MIN_CVD_DELTA_E, check


def test_simulated_deficiency_collapses_a_red_green_pair():
    """The simulation is on: red and green, far apart in normal vision, nearly merge for a deuteranope."""
    differences = color_differences("#D62728", "#2CA02C")
    assert differences["normal vision"] > 40
    assert differences["deuteranopia"] < differences["normal vision"] / 2


def test_the_default_lesson_warns_of_nothing():
    assert color_warnings(LESSON) == []


def test_a_teachers_low_contrast_colour_is_warned_about_by_name_and_ratio():
    lesson = load_lesson(overrides=["theme.dark.muted=#333333", "theme.light.warning=#FF9999"])
    lines = color_warnings(lesson)
    assert any(line.startswith("theme.dark.muted = #333333 has contrast 1.") for line in lines), lines
    assert any(line.startswith("theme.light.warning = #FF9999 has contrast 2.") for line in lines), lines
    assert all("\n" not in line for line in lines)


def test_a_teachers_indistinct_pair_is_warned_about():
    lesson = load_lesson(overrides=["theme.dark.gradient=#FC6256"])
    assert any("theme.dark.gradient and theme.dark.warning differ by only" in line for line in color_warnings(lesson))


def test_render_py_prints_the_warning_and_goes_on(capsys):
    import render

    assert render.main(["--list", "--set", "theme.dark.muted=#333333"]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if "warning" in line]
    assert warnings == [next(line for line in captured.err.splitlines() if "theme.dark.muted" in line)]
    assert warnings[0].startswith("render.py: warning: theme.dark.muted = #333333 has contrast")
    assert "LearningGoal" in captured.out
