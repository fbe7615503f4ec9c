"""Renders that never mix, never lie and never leave a mess (issue 9): concurrent runs on one
cache, checks before rendering, signals, and the modes of what is written."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import zipfile
from xml.etree import ElementTree

import pytest

from lessonkit.config import ConfigError, load_lesson
from lessonkit.deck import write_pptx
from lessonkit.pipeline import write_text
from lessonkit.video import last_frame

from tests.conftest import ROOT


def start_cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "render.py", *args], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            **kwargs)


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_two_runs_on_one_cache_each_get_their_own_theme(tmp_path):
    cache = tmp_path / "cache"
    runs = {
        theme: start_cli("--quality", "low", "--scene", "LearningGoal", "--jobs", "1", "--cache", str(cache),
                         "--out", str(tmp_path / theme), "--set", f"theme.name={theme}")
        for theme in ("dark", "light")
    }
    for theme, process in runs.items():
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"{theme}: {stderr}"
    for theme in runs:
        background = hex_to_rgb(load_lesson(overrides=[f"theme.name={theme}"]).value_at(f"theme.{theme}.background"))
        for video in (tmp_path / theme / "lecture.mp4", tmp_path / theme / "clips" / "01-LearningGoal.mp4"):
            corner = last_frame(video).convert("RGB").getpixel((2, 2))
            assert all(abs(a - b) <= 6 for a, b in zip(corner, background)), (theme, video.name, corner)


# --- narration templates checked when the lesson loads -----------------------------------


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ('narration.key_formula.why="The maximum is {max_derivative"', "narration.key_formula.why has an unbalanced"),
        ('narration.key_formula.why="A brace } alone"', "narration.key_formula.why has an unbalanced"),
        ('narration.saturation.summary="Sigma { barely moves"', "narration.saturation.summary has an unbalanced"),
        ('narration.key_formula.why="{{{bogus}}}"', "narration.key_formula.why uses unknown placeholder {bogus}"),
        ('narration.key_formula.why="{max_derivative:.2f}"', "narration.key_formula.why cannot be filled in"),
        ('narration.key_formula.why="{}"', "narration.key_formula.why uses unknown placeholder {}"),
    ],
)
def test_bad_narration_templates_are_refused_at_load(assignment, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_lesson(overrides=[assignment])


def test_bad_takeaway_template_is_refused_naming_its_item(tmp_path):
    config = tmp_path / "lesson.toml"
    config.write_text('[[takeaways.items]]\ntext = "Sigmoid at most {sigmoid_max"\nrecall = "saturation"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape("takeaways.items[0].text has an unbalanced")):
        load_lesson(config)


def test_cli_refuses_a_bad_template_with_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "render.py", "--set", 'narration.learning_goal.title="Welcome {"',
                           "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "narration.learning_goal.title has an unbalanced" in done.stderr
    assert not (tmp_path / "out").exists()


# --- what is written ------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_outputs_get_the_usual_mode(tmp_path, umask):
    previous = os.umask(umask)
    try:
        write_text(tmp_path / "manifest.json", "{}\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "manifest.json").stat().st_mode) == 0o666 & ~umask


def test_pptx_declares_its_16_9_slide_size(tmp_path):
    write_pptx({"clips": []}, tmp_path)
    with zipfile.ZipFile(tmp_path / "lecture.pptx") as pptx:
        size = ElementTree.fromstring(pptx.read("ppt/presentation.xml")).find(
            "{http://schemas.openxmlformats.org/presentationml/2006/main}sldSz")
    assert size.get("type") in (None, "custom"), size.attrib
    assert int(size.get("cx")) / int(size.get("cy")) == pytest.approx(16 / 9, rel=1e-3)
