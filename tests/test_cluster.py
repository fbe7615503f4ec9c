"""Scenes split into segments by animation ranges, and rendered on a Dask cluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lessonkit.config import load_lesson
from lessonkit.pipeline import QUALITIES, render_lecture
from lessonkit.segments import ScenePlan, SectionPlan, split
from lessonkit.video import shown_frames
from scenes import KeyFormula, LearningGoal

from tests.conftest import ROOT, TEST_QUALITY


def frames_of(path: Path) -> list[np.ndarray]:
    """Every frame of a video as shown (a held picture once per frame held), decoded to RGB."""
    return [frame.to_ndarray(format="rgb24") for frame in shown_frames(path)]


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


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real Dask cluster on this machine: a scheduler and one worker process (one thread,
    as manim's config is per process), rendering into a cache of its own."""
    from distributed import LocalCluster

    from lessonkit.segments import WORKER_CACHE_ENV

    worker_cache = tmp_path_factory.mktemp("worker-cache")
    previous = os.environ.get(WORKER_CACHE_ENV)
    os.environ[WORKER_CACHE_ENV] = str(worker_cache)  # the worker process inherits it
    try:
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            yield cluster, worker_cache
    finally:
        if previous is None:
            os.environ.pop(WORKER_CACHE_ENV, None)
        else:
            os.environ[WORKER_CACHE_ENV] = previous


def test_segments_on_a_dask_cluster_match_the_local_render(unsplit, dask_cluster, tmp_path):
    from distributed import Client

    cluster, worker_cache = dask_cluster
    out, cache = tmp_path / "out", tmp_path / "cache"
    with Client(cluster) as client:
        render_lecture([KeyFormula], load_lesson(), out, quality=TEST_QUALITY, cache_dir=cache, decks=False,
                       cluster=client, parts=2)
    assert_same_frames(unsplit / "clips" / "01-KeyFormula.mp4", out / "clips" / "01-KeyFormula.mp4")
    assert manifest_numbers(out) == manifest_numbers(unsplit)
    assert (out / "lecture.srt").read_text() == (unsplit / "lecture.srt").read_text()
    # The worker drew the frames in its own cache; the client only received them.
    assert list((worker_cache / "segments").rglob("*.mp4"))
    assert not (cache / "segments").exists() and not (cache / "videos").exists()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "render.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_cli_renders_whole_scenes_on_a_dask_cluster(dask_cluster, tmp_path):
    cluster, worker_cache = dask_cluster
    done = run_cli("--scheduler", cluster.scheduler_address, "--quality", "low", "--scene", "LearningGoal",
                   "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"))
    assert done.returncode == 0, done.stderr
    assert "[1/1] LearningGoal done" in done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    clip = manifest["clips"][0]
    assert len(frames_of(tmp_path / "out" / clip["file"])) == clip["frames"] > 0
    # The steps, then the closing fade to the background (no step).
    steps = sum(len(frames_of(tmp_path / "out" / step["file"])) for step in clip["steps"])
    closing = load_lesson().pacing.closing_seconds
    # manim's frames for the fade (np.arange, as it counts them), then one of the background.
    assert clip["frames"] - steps == len(np.arange(0, closing, 1 / QUALITIES["low"].fps)) + 1
    assert (worker_cache / "videos").is_dir() and not (tmp_path / "cache" / "videos").exists()


def test_cli_refuses_a_scheduler_it_cannot_reach_and_writes_nothing(tmp_path):
    done = run_cli("--scheduler", "tcp://127.0.0.1:9", "--quality", "low", "--scene", "LearningGoal",
                   "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in done.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()
