"""Renders that never mix, never lie and never leave a mess (issue 9): concurrent runs on one
cache, checks before rendering, signals, and the modes of what is written."""

from __future__ import annotations

import errno
import json
import fcntl
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

import render
from lessonkit import preflight
from lessonkit.config import ConfigError, known_keys, load_lesson
from lessonkit.deck import write_pptx
from lessonkit.pipeline import start_run, write_text
from lessonkit.schema import TITLE_CHARS
from lessonkit.video import current_umask, last_frame

from scenes import LearningGoal, PracticeProblem2, RealNetwork, ReluComparison, TangentTrace, Takeaways
from tests.conftest import ROOT, TEST_QUALITY, render_tiny


def start_cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "render.py", *args], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            **kwargs)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "render.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env)


def error_lines(stderr: str) -> list[str]:
    """render.py's own messages (the rest of stderr is progress lines)."""
    return [line for line in stderr.splitlines() if line.startswith("render.py:")]


def children(pid: int) -> set[int]:
    """Live processes whose parent is ``pid`` (read from /proc; zombies count as gone)."""
    found = set()
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.add(int(stat_file.parent.name))
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
                living.add(pid)
        except OSError:
            pass
    return living


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def start_two_scene_render(tmp_path) -> tuple[subprocess.Popen, set[int]]:
    """A render with two worker processes, started and working; returns it and its children."""
    process = start_cli("--quality", "low", "--scene", "TangentTrace", "--scene", "Saturation", "--jobs", "2",
                        "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"))
    # Two workers and multiprocessing's resource tracker.
    assert wait_for(lambda: len(children(process.pid)) >= 3, 120), "the workers did not start"
    time.sleep(3)
    return process, children(process.pid)


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
    assert not list((cache / "runs").glob("[0-9]*")), "each run's own folder is removed when it ends"
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


# --- checks before rendering ---------------------------------------------------------------


@pytest.fixture
def a_file(tmp_path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("not a folder\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--out", "{file}", "--out {file} is a file, not a folder"),
        ("--out", "{file}/out", "--out {file}/out is under {file}, which is a file"),
        ("--out", "/proc/lecture-output", "--out /proc/lecture-output is not writable"),
        ("--out", "", "argument --out: an empty path is not a folder"),
        ("--cache", "", "argument --cache: an empty path is not a folder"),
        ("--cache", "{file}", "--cache {file} is a file, not a folder"),
    ],
)
def test_unusable_folders_are_refused_before_rendering(tmp_path, a_file, option, value, message):
    value, message = value.format(file=a_file), message.format(file=a_file)
    others = {"--out": str(tmp_path / "out"), "--cache": str(tmp_path / "cache")}
    others[option] = value
    started = time.monotonic()
    done = run_cli("--quality", "low", "--scene", "LearningGoal", *(item for pair in others.items() for item in pair))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert time.monotonic() - started < 60, "refused before rendering"
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()


def test_a_full_disk_is_refused_with_the_estimate(tmp_path, monkeypatch, capsys):
    full = shutil._ntuple_diskusage(total=10**9, used=10**9 - 10**6, free=10**6)
    monkeypatch.setattr(preflight.shutil, "disk_usage", lambda path: full)
    status = render.main(["--quality", "low", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")])
    stderr = capsys.readouterr().err
    assert status == 2 and stderr.count("\n") == 1, stderr
    assert "not enough free disk space for --out and --cache: about " in stderr and "1.0 MB free" in stderr
    assert not (tmp_path / "out").exists()


def test_a_disk_that_fills_during_the_run_is_one_line(tmp_path, monkeypatch, capsys):
    def fill_the_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / ".lecture.x.mp4"))

    monkeypatch.setattr(render, "render_lecture", fill_the_disk)
    status = render.main(["--quality", "low", "--scene", "LearningGoal", "--out", str(tmp_path / "out"),
                          "--cache", str(tmp_path / "cache")])
    stderr = capsys.readouterr().err
    assert status == 1 and error_lines(stderr) == [
        f"render.py: error: cannot write {tmp_path / 'out' / '.lecture.x.mp4'}: No space left on device; "
        "the run did not finish"]


def test_missing_latex_is_refused_naming_the_debian_package(tmp_path):
    done = run_cli("--quality", "low", "--scene", "KeyFormula", "--voice", "none", "--out", str(tmp_path / "out"),
                   "--cache", str(tmp_path / "cache"), env={**os.environ, "PATH": str(tmp_path)})
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "latex not found; install the Debian package texlive-latex-base" in done.stderr


def test_missing_font_names_its_debian_package(monkeypatch):
    import manimpango

    monkeypatch.setattr(manimpango, "list_fonts", lambda: ["Noto Serif"])
    check = preflight.check_font("DejaVu Sans", "fonts-dejavu-core")
    assert not check.ok and "install the Debian package fonts-dejavu-core" in check.problem


def test_doctor_prints_one_line_per_check(tmp_path):
    done = run_cli("--doctor", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[1].rstrip(":") for line in lines][:5] == ["--out", "--cache", "disk", "latex", "dvisvgm"]
    assert all(line.startswith("ok ") for line in lines), done.stdout
    missing = run_cli("--doctor", "--out", str(tmp_path / "out"), env={**os.environ, "PATH": str(tmp_path)})
    assert missing.returncode == 2
    assert [" ".join(line.split()[1:3]) for line in missing.stdout.splitlines() if line.startswith("problem")] == [
        "latex: latex", "dvisvgm: dvisvgm", "voice flite:"]
    assert not (tmp_path / "out").exists()


def test_every_package_named_is_one_the_setup_installs():
    listed = {line.strip() for line in (ROOT / "setup" / "debian-packages.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    named = {*preflight.PROGRAMS.values(), *preflight.LATEX_FILES.values(), *preflight.FONTS.values(),
             *(package for packages in preflight.NATIVE_MODULES.values() for package in packages)}
    assert named <= listed, named - listed


# --- signals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_stops_the_run_and_its_workers(tmp_path, signum):
    process, workers = start_two_scene_render(tmp_path)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, stderr
    name = signal.Signals(signum).name
    assert error_lines(stderr) == [f"render.py: interrupted by {name}; lecture.mp4 was not written"], stderr
    assert "Traceback" not in stderr and "Warning" not in stderr, stderr
    assert wait_for(lambda: not alive(workers), 5), f"workers left: {alive(workers)}"
    assert not (tmp_path / "out" / "lecture.mp4").exists()
    assert not list((tmp_path / "cache" / "runs").glob("[0-9]*")), "the run's own folder is removed"


def test_folders_of_killed_runs_are_removed_at_the_next_start(tmp_path):
    runs = tmp_path / "runs"
    killed, live = runs / "101-killed", runs / "102-live"
    for folder in (killed, live):
        (folder / "01-LearningGoal").mkdir(parents=True)
        (folder / ".lock").touch()
    with open(live / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # what a running render holds
        own = start_run(tmp_path)
    assert own.is_dir() and live.is_dir() and not killed.exists()


def test_workers_exit_when_their_parent_is_killed(tmp_path):
    process, workers = start_two_scene_render(tmp_path)
    process.kill()
    process.communicate(timeout=60)
    assert wait_for(lambda: not alive(workers), 5), f"workers left: {alive(workers)}"


# --- text that would not fit or not draw -------------------------------------------------------

PROSE = ("Gradients vanish because every sigmoid layer multiplies the signal by a small slope, so the first "
         "layers of a deep network barely learn anything at all, while the last layers still do. ") * 3


def words(length: int) -> str:
    """Realistic text of exactly ``length`` characters (no trailing space)."""
    return PROSE[:length - 1].rstrip() + "." * (length - len(PROSE[:length - 1].rstrip()))


def takeaways_toml(text: str, count: int = 1) -> str:
    return f'[[takeaways.items]]\ntext = "{text}"\nrecall = "chain"\n' * count


@pytest.mark.parametrize("key", ["lesson.title", "lesson.subtitle", "lesson.goal", "titles.saturation",
                                 "titles.real_network", "practice.verdict"])
def test_text_longer_than_fits_is_refused_naming_the_key_and_its_limit(key):
    limit = known_keys()[key].max_chars
    load_lesson(overrides=[f'{key}="{words(limit)}"'])
    with pytest.raises(ConfigError, match=re.escape(f"{key} is {limit + 1} characters long; at most {limit} fit")):
        load_lesson(overrides=[f'{key}="{words(limit + 1)}"'])


def test_a_takeaway_longer_than_fits_is_refused(tmp_path):
    config = tmp_path / "lesson.toml"
    config.write_text(takeaways_toml(words(101)), encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape("takeaways.items[0].text is 101 characters long; at most 100")):
        load_lesson(config)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("梯度消失问题", "'梯' (U+68AF CJK UNIFIED IDEOGRAPH-68AF), which no installed font can draw"),
        ("Gradients 🚀 vanish", "'🚀' (U+1F680 ROCKET), which no installed font can draw"),
        ("Gradients שלום vanish", "'ש' (U+05E9 HEBREW LETTER SHIN): right-to-left text is not supported"),
    ],
)
def test_characters_that_would_draw_as_boxes_are_refused(text, named):
    with pytest.raises(ConfigError, match=re.escape(f"lesson.title contains {named}")):
        load_lesson(overrides=[f'lesson.title="{text}"'])


def test_greek_arrows_and_accents_are_drawn():
    lesson = load_lesson(overrides=['lesson.title="Pourquoi σ′(z) → 0 : le gradient s’évanouit"'])
    assert lesson.lesson.title.startswith("Pourquoi σ′(z)")


def test_text_at_its_limits_fits_on_screen(media_dir, tmp_path):
    """The limits are honest: the longest accepted texts render inside the frame, overlapping nothing."""
    card = [f'lesson.{name}="{words(known_keys()["lesson." + name].max_chars)}"'
            for name in ("title", "subtitle", "goal")]
    assert render_tiny(LearningGoal, media_dir, card, skip_animations=True).layout_problems == []
    verdict = [f'practice.verdict="{words(known_keys()["practice.verdict"].max_chars)}"']
    assert render_tiny(PracticeProblem2, media_dir, verdict, skip_animations=True).layout_problems == []
    config = tmp_path / "takeaways.toml"
    config.write_text(takeaways_toml(words(100), count=7), encoding="utf-8")
    assert render_tiny(Takeaways, media_dir, config_path=config, skip_animations=True).layout_problems == []
    # The scenes with the least room under their title, with ordinary words and the widest letters.
    for title in (words(TITLE_CHARS), "W" * TITLE_CHARS):
        for scene_class, key in ((TangentTrace, "tangent_trace"), (ReluComparison, "relu_comparison"),
                                 (RealNetwork, "real_network")):
            scene = render_tiny(scene_class, media_dir, [f'titles.{key}="{title}"'], skip_animations=True)
            assert scene.layout_problems == [], (scene_class.__name__, title)
            assert scene.title.height < 1.0, f"{scene_class.__name__}: the title wrapped"


# --- 7. the output folder changes all at once -----------------------------------------------


def test_a_render_replaces_the_output_folder_whole(tmp_path):
    from lessonkit.pipeline import render_lecture
    from scenes import KeyFormula

    out = tmp_path / "out"
    (out / "clips").mkdir(parents=True)
    (out / "clips" / "02-PracticeProblem2.mp4").write_bytes(b"an older render's clip")
    (out / "manifest.json").write_text("{}")
    (out / "narration.md").write_text("# the script a teacher records from\n")
    result = render_lecture([KeyFormula], load_lesson(overrides=["voice.name=none"]), out, quality=TEST_QUALITY,
                            cache_dir=tmp_path / "cache", decks=False)
    assert result.lecture == out / "lecture.mp4" and result.lecture.exists()
    assert not (out / "clips" / "02-PracticeProblem2.mp4").exists(), "no file of an older set stays"
    assert (out / "narration.md").read_text().startswith("# the script"), "the narration script is kept"
    assert json.loads((out / "manifest.json").read_text())["clips"][0]["scene"] == "KeyFormula"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out"], "nothing left beside --out"
    assert not list(out.rglob(".*"))
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~current_umask()


def test_a_render_failing_midway_leaves_the_old_outputs_untouched(tmp_path, monkeypatch):
    import lessonkit.pipeline as pipeline
    from scenes import LearningGoal

    out = tmp_path / "out"
    out.mkdir()
    (out / "lecture.mp4").write_bytes(b"the lecture of the last good render")
    written = []

    def poster_then_full_disk(source, target, transparent):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(target)
        return real_poster(source, target, transparent)

    real_poster = pipeline._write_poster
    monkeypatch.setattr(pipeline, "_write_poster", poster_then_full_disk)
    with pytest.raises(OSError):
        pipeline.render_lecture([LearningGoal], load_lesson(overrides=["voice.name=none"]), out,
                                quality=TEST_QUALITY, cache_dir=tmp_path / "cache", decks=False)
    assert written, "the run failed while writing its outputs"
    assert [p.name for p in out.iterdir()] == ["lecture.mp4"], "no new clip beside the old lecture"
    assert (out / "lecture.mp4").read_bytes() == b"the lecture of the last good render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out"]


def test_leftovers_of_a_killed_run_are_cleaned_at_the_next_start(tmp_path):
    from lessonkit.video import atomic_folder

    out = tmp_path / "out"
    leftover = tmp_path / ".out.building-killed"
    (leftover / "clips").mkdir(parents=True)
    (leftover / "clips" / "half-written.mp4").write_bytes(b"\x00" * 10)
    with atomic_folder(out) as building:
        (building / "lecture.mp4").write_bytes(b"new")
    assert not leftover.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def _movie(path, container="mp4", codec="libx264", pixel_format="yuv420p", frames=60, options=None):
    """``frames`` frames of a moving square, a keyframe every 20 (H.264)."""
    import av
    import numpy as np

    with av.open(str(path), "w", format=container, options=options or {}) as movie:
        stream = movie.add_stream(codec, rate=15, options={"g": "20"} if codec == "libx264" else {})
        stream.width, stream.height, stream.pix_fmt = 64, 48, pixel_format
        for number in range(frames):
            pixels = np.zeros((48, 64, 3), np.uint8)
            pixels[10:30, number % 40:number % 40 + 20] = (250, 200, 40)
            movie.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        movie.mux(stream.encode())
    return path


@pytest.mark.parametrize("container, codec, pixel_format", [("mp4", "libx264", "yuv420p"),
                                                            ("webm", "libvpx-vp9", "yuva420p"),
                                                            ("mov", "qtrle", "argb")])
def test_a_whole_video_is_checked_without_decoding_every_frame(tmp_path, container, codec, pixel_format):
    from lessonkit.video import check_whole, probe

    movie = _movie(tmp_path / f"whole.{container}", container, codec, pixel_format)
    assert check_whole(movie) == probe(movie, decode=True).frames == 60


def test_a_video_cut_short_is_not_whole(tmp_path):
    from lessonkit.video import VideoError, check_whole

    # The index written first (faststart), as a player streaming it would read it: cut
    # short, the file still opens and lists 60 frames, but holds fewer.
    movie = _movie(tmp_path / "fast.mp4", options={"movflags": "+faststart"})
    data = movie.read_bytes()
    for keep in (0.9, 0.5):
        cut = tmp_path / f"cut-{keep}.mp4"
        cut.write_bytes(data[:int(len(data) * keep)])
        with pytest.raises(VideoError, match="cannot read video"):
            check_whole(cut)
    # The index written last (manim's files): cut short, it does not open.
    plain = _movie(tmp_path / "plain.mp4").read_bytes()
    (tmp_path / "cut.mp4").write_bytes(plain[:len(plain) // 2])
    with pytest.raises(VideoError, match="cannot read video"):
        check_whole(tmp_path / "cut.mp4")
