"""scripts/benchmark.py's arithmetic: the critical-path estimate and the first previews' median."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def benchmark():
    spec = importlib.util.spec_from_file_location("lesson_benchmark", ROOT / "scripts" / "benchmark.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_makespan_of_whole_scenes_places_the_longest_first(benchmark):
    tasks = {"a": (None, [5.0]), "b": (None, [3.0]), "c": (None, [3.0]), "d": (None, [1.0])}
    assert benchmark.makespan(tasks, 1) == pytest.approx(12.0)
    # Longest first on two workers: 5 | 3+3, then 1 on the first worker free (at 5 or 6): 6.
    assert benchmark.makespan(tasks, 2) == pytest.approx(6.0)
    # One worker per job: the longest job bounds it.
    assert benchmark.makespan(tasks, 64) == pytest.approx(5.0)


def test_makespan_starts_a_scenes_segments_after_its_plan(benchmark):
    tasks = {"split": (2.0, [4.0, 4.0, 4.0]), "whole": (None, [3.0])}
    # Two workers: the plan (2) beside the whole scene (3); the segments are ready at 2:
    # one starts at 2 (ends 6), one at 3 (ends 7), the last at 6 (ends 10).
    assert benchmark.makespan(tasks, 2) == pytest.approx(10.0)
    # Enough workers: plan then one segment.
    assert benchmark.makespan(tasks, 16) == pytest.approx(6.0)


def test_first_previews_give_their_median_and_each_run(benchmark):
    runs = [benchmark.Run("render.py --quality low --jobs 2", seconds, []) for seconds in (41.2, 31.4, 33.0)]
    assert benchmark.median_run(runs) is runs[2]
    assert benchmark.spread(runs) == "33.0 s (median of 3: 41.2, 31.4, 33.0 s)"
    assert benchmark.spread(runs[:1]) == "41.2 s"
    # An even count takes the lower of the middle two, a run that happened.
    assert benchmark.median_run(runs[:2]) is runs[1]
