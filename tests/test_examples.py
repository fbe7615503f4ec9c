"""The examples docs/EDITING.md walks through: they must keep working."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from lessonkit.config import load_lesson
from mathcore import tanh_prime
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
