"""Scenes split into segments by animation ranges, and rendered on a Dask cluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from lessonkit.config import load_lesson
from lessonkit.pipeline import render_lecture
from lessonkit.segments import ScenePlan, SectionPlan, split
from scenes import KeyFormula, LearningGoal

from tests.conftest import ROOT, TEST_QUALITY


def frames_of(path: Path) -> list[np.ndarray]:
    """Every frame of a video, decoded to RGB."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def assert_same_frames(a: Path, b: Path) -> None:
    first, second = frames_of(a), frames_of(b)
    assert len(first) == len(second) > 0
    for number, (x, y) in enumerate(zip(first, second)):
        assert np.array_equal(x, y), f"frame {number} of {b.name} differs from {a.name}"


def manifest_numbers(out: Path) -> list:
    """What the manifest says of each clip and step, file names aside."""
    manifest = json.loads((out / "manifest.json").read_text())
    return [(clip["scene"], clip["frames"], clip["duration"], clip["start"], clip["captions"],
             [(step["name"], step["start"], step["duration"], step["narration"], step["numbers"], step["formulas"])
              for step in clip["steps"]]) for clip in manifest["clips"]]


@pytest.fixture(scope="module")
def unsplit(tmp_path_factory):
    """KeyFormula rendered whole, the reference for the split and remote renders."""
    out = tmp_path_factory.mktemp("whole")
    render_lecture([KeyFormula], load_lesson(), out, quality=TEST_QUALITY, jobs=1,
                   cache_dir=tmp_path_factory.mktemp("cache-whole"), decks=False)
    return out


def test_split_keeps_sections_whole_and_balances_seconds():
    plan = ScenePlan(0, [SectionPlan("a", 2, 4.0), SectionPlan("b", 3, 1.0), SectionPlan("c", 1, 3.0),
                         SectionPlan("d", 4, 4.0)], 0.0)
    segments = split(plan, 3)
    assert [(s.first_section, s.last_section) for s in segments] == [(0, 0), (1, 2), (3, 3)]
    assert [(s.first_animation, s.last_animation) for s in segments] == [(0, 1), (2, 5), (6, -1)]
    assert [s.part for s in segments] == [0, 1, 2] and {s.parts for s in segments} == {3}
    assert len(split(plan, 10)) == 4 and len(split(plan, 1)) == 1


def test_segments_join_into_the_unsplit_frames_captions_and_steps(unsplit, tmp_path):
    out = tmp_path / "out"
    progress: list[str] = []
    render_lecture([KeyFormula], load_lesson(), out, quality=TEST_QUALITY, jobs=2, cache_dir=tmp_path / "cache",
                   decks=False, parts=3, progress=progress.append)
    assert any(line.startswith("segment KeyFormula 3/3") for line in progress), progress
    assert_same_frames(unsplit / "clips" / "01-KeyFormula.mp4", out / "clips" / "01-KeyFormula.mp4")
    steps = sorted((out / "clips" / "01-KeyFormula").glob("*.mp4"))
    assert [p.name for p in steps] == [p.name for p in sorted((unsplit / "clips" / "01-KeyFormula").glob("*.mp4"))]
    for step in steps:
        assert_same_frames(unsplit / "clips" / "01-KeyFormula" / step.name, step)
    assert manifest_numbers(out) == manifest_numbers(unsplit)
    assert (out / "lecture.srt").read_text() == (unsplit / "lecture.srt").read_text()
