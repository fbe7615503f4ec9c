"""The examples docs/EDITING.md walks through: they must keep working."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from lessonkit.config import load_lesson
from mathcore import format_number, tanh_prime
from tests.conftest import render_tiny

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


def load_example_scene(file_name: str, class_name: str) -> type:
    spec = importlib.util.spec_from_file_location(f"examples_{Path(file_name).stem}", EXAMPLES / file_name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, class_name)


def test_own_scene_from_components_renders(media_dir):
    scene_class = load_example_scene("slope_comparison.py", "SlopeComparison")
    config = EXAMPLES / "slope-comparison.toml"
    scene = render_tiny(scene_class, media_dir, config_path=config)
    assert scene.shown["sigmoid_max"].value == 0.25 and scene.shown["tanh_max"].value == 1.0
    assert scene.captions[2] == "The peak slopes are 0.25 and 1."
    assert len(scene.captions) == 3 and scene.layout_problems == []
    assert scene_class.title_for(load_lesson(config)) == "Sigmoid or tanh: both saturate"


def test_tanh_lesson_by_config_alone(media_dir):
    from scenes import TangentTrace

    lesson = load_lesson(EXAMPLES / "tanh-lesson.toml")
    scene = render_tiny(TangentTrace, media_dir, config_path=EXAMPLES / "tanh-lesson.toml")
    assert scene.shown["max_derivative"].value == 1.0
    assert scene.shown["slope_at_pause"].value == tanh_prime(3.0)
    assert scene.title_for(lesson) == "The slope of tanh"
    assert scene.layout_problems == []


def test_exploding_lesson_by_config_alone(media_dir):
    """Issue 14: a factor above 1 draws an exploding chain, with the numbers mathcore computes."""
    from scenes import GradientChain, PracticeProblem2

    config = EXAMPLES / "exploding-lesson.toml"
    chain = render_tiny(GradientChain, media_dir, config_path=config, skip_animations=True)
    assert chain.shown["first_layer_gradient"].value == pytest.approx(1.5**10, rel=1e-12)
    assert chain.shown["first_layer_gradient"].text == format_number(1.5**10, 4)
    heights = [bar.height for bar in chain.chain.chart.bars]
    assert heights == sorted(heights, reverse=True) and heights[-1] > 0  # grows towards layer 1
    assert chain.layout_problems == []
    practice = render_tiny(PracticeProblem2, media_dir, config_path=config, skip_animations=True)
    assert practice.shown["weight_update"].value == pytest.approx(0.1 * 1.5**10, rel=1e-12)
    assert practice.layout_problems == []
