"""Components are library code: they draw with what they are given, not the active lesson."""

from __future__ import annotations

from manim import tempconfig

from lessonkit.components import ActivationPlot, BallOnSurface
from lessonkit.config import default_lesson, load_lesson, use_lesson
from lessonkit.theme import Theme


def test_components_without_a_theme_or_range_ignore_the_active_lesson(tmp_path):
    use_lesson(load_lesson(overrides=["theme.name=light", "plot.z_max=12"]))
    try:
        with tempconfig({"media_dir": str(tmp_path), "tex_dir": str(tmp_path / "Tex")}):
            plot = ActivationPlot("sigmoid", show_numbers=False)
            ball = BallOnSurface("sigmoid", 2.0, z_window=(0.0, 3.0))
    finally:
        use_lesson(None)
    assert plot.theme == ball.theme == Theme.default() == Theme.from_lesson(load_lesson())
    assert Theme.default().name == "dark"
    assert plot.z_max == default_lesson().plot.z_max == 8.0
