"""The cache's size limit: least recently used units go first, whole, and nothing in use goes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lessonkit.cachelimit import ASIDE, enforce_limit, in_use, measure, parse_size
from lessonkit.outputcache import ArrayCache, OutputCache
from tests.conftest import ROOT

#: A time long before any test runs (ns): units "used" then are the oldest.
LONG_AGO = 1_000_000_000 * 10**9


def put(path: Path, size: int, used: int | None = None) -> Path:
    """A file of ``size`` bytes at ``path``, last used ``used`` ns after LONG_AGO."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(size))
    if used is not None:
        used_at(path, used)
    return path


def used_at(path: Path, seconds: int) -> None:
    os.utime(path, ns=(LONG_AGO + seconds * 10**9,) * 2)


def entry(cache: Path, key: str, sizes: dict[str, int], used: int) -> Path:
    """An OutputCache-like entry folder holding files of ``sizes``, last used at ``used``."""
    folder = cache / "outputs" / key[:2] / f"{key}-022"
    for name, size in sizes.items():
        put(folder / name, size)
    used_at(folder, used)
    return folder


def now() -> float:
    return time.time()


def test_the_least_recently_used_go_first(tmp_path):
    old, middle, new = (put(tmp_path / "sound" / "ab" / f"ab{n}.npy", 400, used) for n, used in
                        (("old", 1), ("middle", 2), ("new", 3)))
    eviction = enforce_limit(tmp_path, 900, used_since=now())
    assert (eviction.removed, eviction.freed, eviction.total) == (1, 400, 1200)
    assert not old.exists() and middle.exists() and new.exists()
    assert enforce_limit(tmp_path, 500, used_since=now()).removed == 1
    assert not middle.exists() and new.exists()


def test_the_order_is_by_use_not_by_kind_or_name(tmp_path):
    speech = put(tmp_path / "voice" / "flite-a.wav", 300, used=1)
    outputs = entry(tmp_path, "zz1", {"clip.mp4": 300}, used=3)
    scene = tmp_path / "scenes" / "Scene" / "key" / "reads"
    put(scene / "entry.pickle", 300)
    used_at(scene, 2)
    enforce_limit(tmp_path, 600, used_since=now())
    assert not speech.exists() and scene.exists() and outputs.exists()
    enforce_limit(tmp_path, 300, used_since=now())
    assert not scene.exists() and outputs.exists()


def test_hard_linked_files_are_counted_once(tmp_path):
    svg = put(tmp_path / "texstore" / "f1.svg", 1000, used=1)
    (tmp_path / "Tex" / "Scene").mkdir(parents=True)
    os.link(svg, tmp_path / "Tex" / "Scene" / "f1.svg")  # as texbatch places formulas
    used_at(tmp_path / "Tex" / "Scene", 2)
    assert measure(tmp_path).total == 1000
    assert enforce_limit(tmp_path, 1000, used_since=now()) is None
    # Under a limit of 500 both links must go before the bytes are freed: the older first.
    eviction = enforce_limit(tmp_path, 500, used_since=now())
    assert (eviction.removed, eviction.freed) == (2, 1000)


def test_a_file_also_linked_outside_the_cache_counts_nothing_and_stays(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "output"
    held = entry(cache, "aa1", {"files.json": 10, "clips/01.mp4": 5000}, used=1)
    out.mkdir()
    os.link(held / "clips" / "01.mp4", out / "01.mp4")
    alone = entry(cache, "bb1", {"lecture.mp4": 700}, used=2)
    assert measure(cache).total == 710
    eviction = enforce_limit(cache, 100, used_since=now())
    assert (eviction.removed, eviction.freed) == (1, 700)
    assert held.exists() and not alone.exists()


def test_a_unit_is_removed_whole_and_nothing_is_left_aside(tmp_path):
    whole = entry(tmp_path, "aa1", {"files.json": 10, "clips/01.mp4": 500, "clips/01/01-step.mp4": 300}, used=1)
    other = entry(tmp_path, "aa2", {"files.json": 10, "lecture.mp4": 500}, used=2)
    eviction = enforce_limit(tmp_path, 600, used_since=now())
    assert (eviction.removed, eviction.freed) == (1, 810)
    assert not whole.exists() and sorted(p.name for p in other.rglob("*")) == ["files.json", "lecture.mp4"]
    assert not any((tmp_path / ASIDE).iterdir())


def test_what_a_killed_eviction_left_aside_is_deleted_by_the_next(tmp_path):
    put(tmp_path / ASIDE / "tmp1" / "aa1-022" / "clip.mp4", 2000)
    put(tmp_path / "voice" / "flite-a.wav", 100, used=1)
    assert enforce_limit(tmp_path, 1000, used_since=now()) is None
    assert not (tmp_path / ASIDE).exists() or not any((tmp_path / ASIDE).iterdir())


def test_locks_runs_and_temporaries_are_never_removed(tmp_path):
    kept = [put(tmp_path / "locks" / "LearningGoal.lock", 3000, used=0),
            put(tmp_path / "runs" / "123-abc" / "01-LearningGoal" / "movie.mp4", 3000, used=0),
            put(tmp_path / "outputs" / "aa" / ".aa1-building" / "clip.mp4", 3000, used=0),
            put(tmp_path / "videos" / "480p15" / "partial_movie_files" / "Scene" / ".Scene.rendering", 0, used=0)]
    partial = put(tmp_path / "videos" / "480p15" / "partial_movie_files" / "Scene" / "abc.mp4", 3000, used=1)
    eviction = enforce_limit(tmp_path, 1, used_since=now())
    assert eviction.removed == 1 and not partial.exists()
    assert all(path.exists() for path in kept)


def test_what_the_render_used_stays_over_the_limit(tmp_path):
    old = put(tmp_path / "sound" / "ab" / "ab1.npy", 400, used=1)
    started = now() - 1
    just_used = put(tmp_path / "sound" / "ab" / "ab2.npy", 400)  # written (so used) by this render
    eviction = enforce_limit(tmp_path, 1, used_since=started)
    assert not old.exists() and just_used.exists()
    assert "400 bytes left, the rest in use by this render" in eviction.line()


def test_under_the_limit_or_without_one_nothing_is_removed(tmp_path):
    files = [put(tmp_path / "sound" / "ab" / f"ab{n}.npy", 400, used=n) for n in range(3)]
    assert enforce_limit(tmp_path, 1200, used_since=now()) is None
    assert enforce_limit(tmp_path, 0, used_since=now()) is None
    assert all(path.exists() for path in files)


def test_nothing_is_removed_while_another_render_uses_the_cache(tmp_path):
    old = put(tmp_path / "voice" / "flite-a.wav", 400, used=1)
    with in_use(tmp_path):
        eviction = enforce_limit(tmp_path, 1, used_since=now())
    assert eviction.busy and old.exists()
    assert eviction.line() == ("cache: 400 bytes over the 1 bytes limit; another render is using it, "
                               "nothing removed (the next render will)")
    assert enforce_limit(tmp_path, 1, used_since=now()).removed == 1 and not old.exists()


def test_output_cache_entries_are_marked_used_and_still_fetched(tmp_path):
    built = tmp_path / "built"
    put(built / "clips" / "a.mp4", 50)
    cache = OutputCache(tmp_path / "cache" / "outputs")
    cache.keep("k1", built, ["clips/a.mp4"])
    folder = next((tmp_path / "cache" / "outputs" / "k1").iterdir())
    kept_file = os.stat(folder / "clips" / "a.mp4").st_mtime_ns
    used_at(folder, 1)
    assert cache.fetch("k1", tmp_path / "one", ["clips/a.mp4"])
    assert folder.stat().st_mtime_ns > LONG_AGO + 10**9  # the folder is marked...
    assert os.stat(folder / "clips" / "a.mp4").st_mtime_ns == kept_file  # ...never its files
    assert cache.fetch("k1", tmp_path / "two", ["clips/a.mp4"])  # and the entry stays valid
    used_at(folder, 1)
    cache.keep("k1", built, ["clips/a.mp4"])  # keeping it again is a use too
    assert folder.stat().st_mtime_ns > LONG_AGO + 10**9


def test_arrays_are_marked_used_and_still_read(tmp_path):
    arrays = ArrayCache(tmp_path / "sound")
    arrays.put("ab1", np.arange(5.0))
    path = tmp_path / "sound" / "ab" / "ab1.npy"
    used_at(path, 1)
    assert np.array_equal(arrays.load("ab1"), np.arange(5.0))
    assert path.stat().st_mtime_ns > LONG_AGO + 10**9
    assert np.array_equal(arrays.load("ab1"), np.arange(5.0))


@pytest.mark.parametrize(("text", "size"), [("20G", 20 * 10**9), ("500M", 500 * 10**6), ("1.5t", 15 * 10**11),
                                            ("10GB", 10**10), ("0", 0), ("4096B", 4096)])
def test_sizes_are_read_in_decimal_units(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("value", ["abc", "-5G", "5X", "G", "", "20", "0.5"])
def test_a_bad_cache_limit_is_refused_in_one_line_before_anything_is_written(tmp_path, value):
    done = subprocess.run([sys.executable, "render.py", "--cache-limit", value, "--quality", "low",
                           "--scene", "LearningGoal", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("render.py: error: argument --cache-limit: ")
    assert f"{value!r} is not a size" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()


def test_stored_scenes_and_their_speech_are_marked_used_and_still_found(tmp_path):
    from lessonkit import scenecache
    from lessonkit.jobs import QUALITIES, SceneJob, SceneRender

    made = tmp_path / "made"
    movie, section = put(made / "Scene.mp4", 100), put(made / "Scene_0000_a.mp4", 50)
    speech = put(tmp_path / "cache" / "voice" / "flite-a.wav", 30, used=1)
    job = SceneJob(0, "scenes.learning_goal", "LearningGoal", {}, QUALITIES["low"], tmp_path / "cache")
    scenecache.store(job, SceneRender(0, "LearningGoal", movie, [("a", section)], 1.0, sounds=[(0.0, speech)]), {})
    stored = next((tmp_path / "cache" / "scenes" / "LearningGoal").glob("*/*"))
    used_at(stored, 1)
    used_at(speech, 1)
    found = scenecache.lookup(job)
    assert found is not None and found.movie.read_bytes() == bytes(100)
    assert stored.stat().st_mtime_ns > LONG_AGO + 10**9 and speech.stat().st_mtime_ns > LONG_AGO + 10**9
    used_at(stored, 1)
    scenecache.store(job, SceneRender(0, "LearningGoal", movie, [("a", section)], 1.0, sounds=[(0.0, speech)]), {})
    assert stored.stat().st_mtime_ns > LONG_AGO + 10**9  # storing it again is a use too


def test_a_spoken_line_from_the_cache_is_marked_used(tmp_path):
    from lessonkit.voices import synthesize

    first = synthesize("one line", "flite", 1.0, tmp_path / "voice")
    used_at(first.path, 1)
    again = synthesize("one line", "flite", 1.0, tmp_path / "voice")
    assert again.path == first.path and not again.synthesized
    assert again.path.stat().st_mtime_ns > LONG_AGO + 10**9
