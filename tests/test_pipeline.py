"""render.py and the pipeline: outputs checked with PyAV, usage errors, failures, interrupts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import srt

from lessonkit.config import load_lesson
from lessonkit.jobs import render_scene, scene_cache_paths
from lessonkit.pipeline import RenderError, SceneJob, render_lecture
from lessonkit.video import probe
from scenes import BallAnalogy, KeyFormula, LearningGoal
from tests.failing_scene import BrokenScene

from tests.conftest import ROOT, TEST_QUALITY


def run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "render.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_lecture_joins_the_clips_and_decodes_to_its_end(tiny_lecture):
    out, result = tiny_lecture
    clips = [probe(out / "clips" / name, decode=True, fps=4) for name in ("01-LearningGoal.mp4", "02-KeyFormula.mp4")]
    lecture = probe(out / "lecture.mp4", decode=True, fps=4)
    assert (lecture.width, lecture.height, lecture.codec, lecture.pix_fmt) == (854, 480, "h264", "yuv420p")
    assert lecture.frames == sum(clip.frames for clip in clips) > 0
    assert lecture.duration == pytest.approx(sum(clip.duration for clip in clips))
    assert not list(out.rglob(".*")), "no temporary files left behind"


def test_manifest_lists_every_clip_in_order(tiny_lecture):
    out, result = tiny_lecture
    manifest = json.loads((out / "manifest.json").read_text())
    clips = manifest["clips"]
    assert [c["scene"] for c in clips] == ["LearningGoal", "KeyFormula"]
    assert [c["title"] for c in clips] == ["Learning goal", "Why the maximum slope is so small"]
    for clip in clips:
        info = probe(out / clip["file"], fps=4)
        assert (clip["width"], clip["height"], clip["fps"], clip["frames"]) == (854, 480, 4, info.frames)
        assert clip["duration"] == pytest.approx(info.duration)
    assert clips[1]["start"] == pytest.approx(clips[0]["duration"])
    assert manifest["lecture"]["duration"] == pytest.approx(sum(c["duration"] for c in clips))


def test_lecture_captions_are_offset_to_the_lecture_timeline(tiny_lecture):
    out, result = tiny_lecture
    captions = list(srt.parse((out / "lecture.srt").read_text()))
    first_clip = result.clips[0]
    assert len(captions) == sum(len(c.captions) for c in result.clips)
    later = captions[len(first_clip.captions)]
    assert later.start.total_seconds() == pytest.approx(first_clip.duration + result.clips[1].captions[0]["start"],
                                                        abs=1e-3)
    assert later.content.startswith("The sigmoid is one over")
    assert captions[-1].end.total_seconds() <= result.clips[-1].start + result.clips[-1].duration + 1e-3


def test_cli_renders_one_scene_at_low_quality(tmp_path):
    done = run_cli("--quality", "low", "--scene", "LearningGoal", "--out", str(tmp_path / "out"),
                   "--cache", str(tmp_path / "cache"), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert "[1/1] LearningGoal done" in done.stderr
    lecture = probe(tmp_path / "out" / "lecture.mp4", decode=True, fps=15)
    assert (lecture.width, lecture.height, lecture.fps) == (854, 480, 15)
    assert lecture.frames == probe(tmp_path / "out" / "clips" / "01-LearningGoal.mp4", decode=True).frames


def test_cli_lists_the_scenes_in_lecture_order():
    done = run_cli("--list")
    assert done.returncode == 0
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 11
    assert lines[0].split()[:2] == ["1", "LearningGoal"] and lines[-1].split()[:2] == ["11", "Takeaways"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scene", "Nope"], "unknown scene 'Nope'; known scenes: LearningGoal, Saturation"),
        (["--quality", "ultra"], "argument --quality: invalid choice: 'ultra'"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--set", "chain.layers=0"], "chain.layers = 0 is out of range"),
        (["--set", "chain.layerz=3"], "did you mean chain.layers?"),
        (["--set", "theme.name=blue"], "theme.name = 'blue' is unknown"),
        (["--config", "no-such-file.toml"], "config file not found: no-such-file.toml"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--renders", "2"], "--renders needs --watch"),
        (["--watch", "--list"], "--watch renders the lecture; it does not go with --list"),
    ],
)
def test_usage_errors_exit_2_with_one_line_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    done = run_cli(*args, "--out", str(out), "--cache", str(tmp_path / "cache"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("render.py: error: ")
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists() and not (tmp_path / "cache").exists()


def test_malformed_config_names_its_line(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[chain]\nlayers = \n", encoding="utf-8")
    done = run_cli("--config", str(config), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "line 2" in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_scene_is_named_and_leaves_no_lecture(tmp_path, jobs):
    out, cache = tmp_path / "out", tmp_path / "cache"
    with pytest.raises(RenderError, match="scene BrokenScene failed: RuntimeError: this scene is broken on purpose"):
        render_lecture([LearningGoal, BrokenScene], load_lesson(), out, quality=TEST_QUALITY, jobs=jobs,
                       cache_dir=cache)
    assert not (out / "lecture.mp4").exists()
    partial_dir, marker = scene_cache_paths(SceneJob(1, "", "BrokenScene", {}, TEST_QUALITY, cache.resolve()))
    assert not marker.exists()
    assert not partial_dir.exists(), "a failed render's cached clips are deleted"


def test_unchanged_scenes_are_reused_and_an_edit_rerenders_only_the_scenes_that_read_it(tiny_lecture, tiny_cache,
                                                                                       tmp_path):
    """Issue 13: a scene is keyed on its code, render settings and the lesson values it read."""
    first_out, _ = tiny_lecture
    heard: list[str] = []
    render_lecture([LearningGoal, KeyFormula], load_lesson(), tmp_path / "same", quality=TEST_QUALITY, jobs=2,
                   cache_dir=tiny_cache, progress=heard.append)
    assert "unchanged since an earlier render, reused: LearningGoal, KeyFormula" in heard
    assert not any("rendering" in line for line in heard), heard
    same = json.loads((tmp_path / "same" / "manifest.json").read_text())
    assert same == json.loads((first_out / "manifest.json").read_text())

    heard.clear()
    edited = load_lesson(overrides=['narration.key_formula.why="Because one half times one half is {max_derivative}."'])
    render_lecture([LearningGoal, KeyFormula], edited, tmp_path / "edited", quality=TEST_QUALITY, jobs=2,
                   cache_dir=tiny_cache, progress=heard.append)
    assert "unchanged since an earlier render, reused: LearningGoal" in heard
    assert any(line.startswith("[1/1] KeyFormula done in") for line in heard), heard
    manifest = json.loads((tmp_path / "edited" / "manifest.json").read_text())
    assert manifest["clips"][1]["steps"][-1]["narration"] == ["Because one half times one half is 0.25."]


def test_layout_problems_are_warnings_naming_scene_and_beat_and_errors_with_strict(tmp_path):
    from tests.failing_scene import OverlappingScene

    heard: list[str] = []
    with pytest.raises(RenderError, match="1 layout problem.* with --strict, the first: OverlappingScene.title: "):
        render_lecture([OverlappingScene], load_lesson(overrides=["voice.name=none"]), tmp_path / "out", quality=TEST_QUALITY,
                       cache_dir=tmp_path / "cache", strict_layout=True, progress=heard.append)
    assert "layout warning: OverlappingScene.title: 'a + b' overlaps 'c + d'" in heard
    assert not (tmp_path / "out").exists()


def test_a_render_killed_midway_does_not_poison_the_cache(tmp_path):
    cache = tmp_path / "cache"
    job = SceneJob(0, "scenes.learning_goal", "LearningGoal", load_lesson().to_dict(), TEST_QUALITY, cache.resolve())
    partial_dir, marker = scene_cache_paths(job)
    partial_dir.mkdir(parents=True)
    # What a killed render leaves: its marker and a truncated clip under a cache name.
    truncated = partial_dir / "0123456789abcdef.mp4"
    truncated.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    marker.touch()
    result = render_lecture([LearningGoal], load_lesson(), tmp_path / "out", quality=TEST_QUALITY, jobs=1,
                            cache_dir=cache)
    assert not truncated.exists() and not marker.exists()
    assert probe(result.lecture, decode=True).frames == result.clips[0].frames


def test_interrupt_stops_without_writing_a_lecture(tmp_path):
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "render.py", "--quality", "low", "--scene", "TangentTrace", "--scene", "Saturation",
         "--out", str(out), "--cache", str(tmp_path / "cache"), "--jobs", "2"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    time.sleep(6)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole process group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert not (out / "lecture.mp4").exists()


def _encoded_files(folder):
    """Every clip, step, poster, the lecture and the pptx in a render's folder: what is encoded."""
    return sorted(path.relative_to(folder) for path in folder.rglob("*")
                  if path.suffix in (".mp4", ".png", ".pptx"))


def _text_files(folder):
    return sorted(path.relative_to(folder) for path in folder.rglob("*")
                  if path.suffix in (".srt", ".vtt", ".json", ".txt", ".html"))


def test_an_unchanged_render_encodes_nothing_and_writes_the_same_files(tiny_lecture, tiny_cache, tmp_path,
                                                                       monkeypatch):
    """Issue 13: a second render of the same lecture links the first one's encoded files."""
    from lessonkit import deck, pipeline

    def encoder(*args, **kwargs):
        raise AssertionError("nothing should be encoded again")

    for name in ("_write_clip", "_write_poster", "join_clips", "transcode_to_mp4"):
        monkeypatch.setattr(pipeline, name, encoder)
    monkeypatch.setattr(deck, "write_pptx", encoder)
    first, _ = tiny_lecture
    again = tmp_path / "again"
    render_lecture([LearningGoal, KeyFormula], load_lesson(), again, quality=TEST_QUALITY, jobs=2,
                   cache_dir=tiny_cache)
    encoded = _encoded_files(first)
    assert encoded == _encoded_files(again) and len(encoded) > 10
    for name in encoded:  # the same files on disk, linked, not copies
        assert os.stat(again / name).st_ino == os.stat(first / name).st_ino, name
    assert _text_files(first) == _text_files(again)
    for name in _text_files(first):  # captions, chapters, manifest, decks: byte for byte
        assert (again / name).read_bytes() == (first / name).read_bytes(), name


def test_a_one_key_edit_encodes_only_the_scene_that_read_it(tiny_lecture, tiny_cache, tmp_path, monkeypatch):
    from lessonkit import pipeline

    written: list[str] = []
    write_scene_media = pipeline._write_scene_media
    monkeypatch.setattr(pipeline, "_write_scene_media",
                        lambda item, *args: written.append(item.render.name) or write_scene_media(item, *args))
    edited = load_lesson(overrides=['titles.key_formula="The steepest slope is small"'])
    out = tmp_path / "edited"
    render_lecture([LearningGoal, KeyFormula], edited, out, quality=TEST_QUALITY, jobs=2, cache_dir=tiny_cache)
    assert written == ["KeyFormula"]
    first, _ = tiny_lecture
    same = "clips/01-LearningGoal.mp4"
    assert os.stat(out / same).st_ino == os.stat(first / same).st_ino
    assert json.loads((out / "manifest.json").read_text())["clips"][1]["title"] == "The steepest slope is small"
    lecture = probe(out / "lecture.mp4", decode=True, fps=4)
    assert lecture.frames == sum(probe(out / "clips" / name, fps=4).frames
                                 for name in ("01-LearningGoal.mp4", "02-KeyFormula.mp4"))


def test_a_changed_kept_file_is_not_reused(tmp_path):
    """A file kept in the cache and changed in place afterwards (through an output's link) is written anew."""
    from lessonkit.outputcache import OutputCache

    built = tmp_path / "built"
    (built / "clips").mkdir(parents=True)
    (built / "clips" / "a.mp4").write_bytes(b"first")
    cache = OutputCache(tmp_path / "outputs")
    cache.keep("key", built, ["clips/a.mp4"])
    assert cache.fetch("key", tmp_path / "one", ["clips/a.mp4"])
    with open(tmp_path / "one" / "clips" / "a.mp4", "ab") as linked:
        linked.write(b" and changed")
    assert not cache.fetch("key", tmp_path / "two", ["clips/a.mp4"])
    assert not (tmp_path / "two").exists()


@pytest.mark.parametrize("quality, lookahead, queue, preset", [("high", None, 4, None), ("4k", "3", 1, None),
                                                              ("low", None, 8, "veryfast")])
def test_a_worker_bounds_its_encoder_memory_at_large_frames(tmp_path, quality, lookahead, queue, preset):
    """At 4K, manim's encoder gets x264 options that hold fewer frames and a shorter frame
    queue (a 4K worker peaked at 2.26 GB with the defaults); 1080p keeps x264's defaults;
    the preview quality asks x264 for speed."""
    from manim import Scene, tempconfig

    from lessonkit.jobs import QUALITIES, manim_settings

    job = SceneJob(0, "scenes.learning_goal", "LearningGoal", {}, QUALITIES[quality], tmp_path)
    with tempconfig(manim_settings(job)):
        settings = Scene().file_writer_settings  # what manim's writer will encode with
    options = dict(settings.video_encoder.options)
    assert settings.encoder_queue_size == queue
    assert options.get("rc-lookahead") == lookahead
    assert options.get("preset") == preset
    assert options["crf"] == "23"  # manim's own default still applies


def test_a_first_render_does_not_hash_its_animations_and_the_next_does(tmp_path):
    """Nothing can be found by hash in an empty cache, so the first render skips manim's
    hashing (about 30% of a 480p15 render); the next hashes, and its movies replace the
    unhashed ones."""
    job = SceneJob(0, "scenes.learning_goal", "LearningGoal", load_lesson().to_dict(), TEST_QUALITY,
                   (tmp_path / "cache").resolve())
    partial_dir, _ = scene_cache_paths(job)

    def movies():
        return sorted(path.stem for path in partial_dir.glob("*.mp4"))

    render_scene(job)
    first = movies()
    assert first and all(name.startswith("uncached_") for name in first)
    render_scene(job)
    second = movies()
    assert len(second) == len(first) and not any(name.startswith("uncached_") for name in second)


def test_one_pool_of_workers_runs_the_formula_batch_and_then_the_renders(tmp_path, monkeypatch):
    """A first render's formula batch runs its scenes in the workers that then render them:
    each worker starts, and imports manim, once."""
    from lessonkit import jobs, pipeline

    made: list[int] = []
    real = jobs.worker_pool

    def counting(workers):
        made.append(workers)
        return real(workers)

    monkeypatch.setattr(jobs, "worker_pool", counting)
    monkeypatch.setattr(pipeline, "worker_pool", counting)
    heard: list[str] = []
    result = render_lecture([LearningGoal, BallAnalogy], load_lesson(overrides=["voice.name=none"]), tmp_path / "out",
                            quality=TEST_QUALITY, jobs=2, cache_dir=tmp_path / "cache", decks=False,
                            progress=heard.append)
    assert made == [2]
    assert any(line.startswith("typeset ") and "of 2 scene(s)" in line for line in heard), heard
    assert "[0/2] rendering 2 scenes in 2 processes" in heard
    assert [clip.scene for clip in result.clips] == ["LearningGoal", "BallAnalogy"]


def test_a_first_render_that_expects_edits_hashes_its_animations(tmp_path):
    """Under render.py --watch an edit follows: the first render hashes, so the first edit
    finds the animations it did not change in manim's cache."""
    job = SceneJob(0, "scenes.learning_goal", "LearningGoal", load_lesson().to_dict(), TEST_QUALITY,
                   (tmp_path / "cache").resolve(), expect_edits=True)
    partial_dir, _ = scene_cache_paths(job)
    render_scene(job)
    movies = sorted(path.stem for path in partial_dir.glob("*.mp4"))
    assert movies and not any(name.startswith("uncached_") for name in movies)
