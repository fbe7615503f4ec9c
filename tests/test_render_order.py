"""The order scenes start in a pool of workers: the longest first, by each scene's last
render time in the cache, else by how long the formula batch's run of it took, else the
lecture's order; the times kept after each render."""

from __future__ import annotations

import concurrent.futures as futures
import json
from pathlib import Path

from lessonkit import pipeline, texbatch
from lessonkit.jobs import QUALITIES, TIMES_FILE, SceneJob, SceneRender, longest_first, read_times, record_times

NAMES = ("LearningGoal", "Saturation", "TangentTrace", "KeyFormula")


def jobs(cache: Path) -> list[SceneJob]:
    return [SceneJob(index, "scenes", name, {}, QUALITIES["low"], cache) for index, name in enumerate(NAMES)]


def rendered(name: str, seconds: float) -> SceneRender:
    return SceneRender(0, name, Path(f"{name}.mp4"), [], seconds)


def names(ordered: list[SceneJob]) -> list[str]:
    return [job.name for job in ordered]


def test_scenes_start_longest_first_by_their_last_render_time(tmp_path):
    record_times(tmp_path, [rendered("LearningGoal", 5.4), rendered("Saturation", 12.3)])
    record_times(tmp_path, [rendered("TangentTrace", 9.9), rendered("KeyFormula", 12.3), rendered("LearningGoal", 6)])
    assert read_times(tmp_path) == {"LearningGoal": 6.0, "Saturation": 12.3, "TangentTrace": 9.9, "KeyFormula": 12.3}
    # The last render's times win; equal times keep the lecture's order.
    assert names(longest_first(jobs(tmp_path), tmp_path)) == ["Saturation", "KeyFormula", "TangentTrace",
                                                              "LearningGoal"]


def test_without_every_time_the_estimates_order_them_else_the_lecture(tmp_path):
    record_times(tmp_path, [rendered("LearningGoal", 5.4)])  # a new cache knows one scene
    estimates = {"LearningGoal": 0.7, "Saturation": 1.6, "TangentTrace": 1.2, "KeyFormula": 1.5}
    assert names(longest_first(jobs(tmp_path), tmp_path, estimates)) == ["Saturation", "KeyFormula",
                                                                         "TangentTrace", "LearningGoal"]
    assert names(longest_first(jobs(tmp_path), tmp_path, {"Saturation": 3})) == list(NAMES)
    (tmp_path / TIMES_FILE).write_text("{not json", encoding="utf-8")
    assert read_times(tmp_path) == {} and names(longest_first(jobs(tmp_path), tmp_path)) == list(NAMES)
    record_times(tmp_path, [rendered("KeyFormula", 2.0)])  # a bad file is replaced, whole
    assert json.loads((tmp_path / TIMES_FILE).read_text(encoding="utf-8")) == {"KeyFormula": 2.0}


def test_the_pipeline_starts_the_longest_scene_first_and_keeps_the_times(tmp_path, monkeypatch):
    started: list[list[str]] = []

    def run_jobs(to_render, jobs_, progress, cluster=None, parts=1, pool=None):
        started.append(names(to_render))
        return {job.index: rendered(job.name, {"TangentTrace": 9.0}.get(job.name, 1.0)) for job in to_render}

    batch = texbatch.BatchResult([], {}, 1, collect_seconds={"LearningGoal": 0.7, "Saturation": 1.6,
                                                             "TangentTrace": 1.9, "KeyFormula": 1.5})
    monkeypatch.setattr(pipeline, "_run_jobs", run_jobs)
    monkeypatch.setattr(pipeline.scenecache, "lookup", lambda job: None)
    monkeypatch.setattr(pipeline.scenecache, "store", lambda job, render, reads: None)
    monkeypatch.setattr(texbatch, "prepare", lambda to_render, processes, progress, pool=None: batch)
    monkeypatch.setattr(pipeline, "worker_pool", lambda workers: futures.ThreadPoolExecutor(workers))
    pipeline._render_changed(jobs(tmp_path), 2, lambda message: None)
    assert started == [["TangentTrace", "Saturation", "KeyFormula", "LearningGoal"]]
    assert read_times(tmp_path) == {"LearningGoal": 1.0, "Saturation": 1.0, "TangentTrace": 9.0, "KeyFormula": 1.0}
