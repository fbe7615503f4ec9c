"""Renders that never mix, never lie and never leave a mess (issue 9): concurrent runs on one
cache, checks before rendering, signals, and the modes of what is written."""

from __future__ import annotations

import subprocess
import sys

from lessonkit.config import load_lesson
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
