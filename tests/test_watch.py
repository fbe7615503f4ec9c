"""render.py --watch: a render after every save, a bad save refused while watching goes on,
the preview page reloading, and Ctrl-C ending it in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from lessonkit.watch import PreviewServer, WarmRender, watch, watched_files
from tests.conftest import ROOT

#: A stand-in for render.py: counts its runs in a file, and fails when told to.
FAKE_RENDER = """
import pathlib, sys
runs = pathlib.Path(sys.argv[1])
runs.write_text(runs.read_text() + "x" if runs.exists() else "x")
if pathlib.Path(sys.argv[2]).read_text().startswith("bad"):
    print("render.py: error: lesson.toml line 1: a typo")
    sys.exit(2)
"""


def _wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _watch_in_thread(tmp_path: Path, renders: int, server: PreviewServer | None = None):
    lesson = tmp_path / "lesson.toml"
    lesson.write_text("good", encoding="utf-8")
    (tmp_path / "ignored.log").write_text("", encoding="utf-8")
    runs = tmp_path / "runs"
    heard: list[str] = []
    result: dict[str, int] = {}
    command = [sys.executable, "-c", FAKE_RENDER, str(runs), str(lesson)]
    thread = threading.Thread(target=lambda: result.setdefault(
        "code", watch(command, [tmp_path], set(), server=server, max_renders=renders, log=heard.append)))
    thread.start()
    return lesson, runs, heard, result, thread


def test_a_saved_file_renders_again_and_a_bad_one_keeps_watching(tmp_path):
    lesson, runs, heard, result, thread = _watch_in_thread(tmp_path, renders=3)
    _wait_for(lambda: "watching for changes (Ctrl-C stops)" in heard)
    (tmp_path / "ignored.log").write_text("not a watched kind of file", encoding="utf-8")
    lesson.write_text("bad", encoding="utf-8")
    _wait_for(lambda: runs.exists() and runs.read_text() == "xx")
    _wait_for(lambda: heard.count("watching for changes (Ctrl-C stops)") == 2)
    assert "render.py: error: lesson.toml line 1: a typo" in heard
    assert "kept the last good render; fix the file and save it to render again" in heard
    lesson.write_text("good again", encoding="utf-8")
    thread.join(timeout=60)
    assert not thread.is_alive() and result["code"] == 0
    assert runs.read_text() == "xxx", "one render per save, none for the .log file"


def test_the_preview_page_reloads_after_a_good_render(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "slides.html").write_text("<p>slides</p>", encoding="utf-8")
    server = PreviewServer(out, port=0).start()
    try:
        page = urllib.request.urlopen(server.url).read().decode()
        assert 'src="slides.html"' in page and "/__render__" in page
        version = server.url.replace("/__preview__.html", "/__render__")
        assert urllib.request.urlopen(version).read() == b"0"
        lesson, runs, heard, result, thread = _watch_in_thread(tmp_path, renders=1, server=server)
        thread.join(timeout=60)
        assert urllib.request.urlopen(version).read() == b"1", "a good render moves the page on"
        assert urllib.request.urlopen(server.url.replace("__preview__.html", "slides.html")).read() == b"<p>slides</p>"
    finally:
        server.stop()


def test_a_lesson_file_outside_the_project_is_watched_alone(tmp_path):
    config = tmp_path / "my-lesson.toml"
    folders, exact = watched_files(ROOT, config)
    assert exact == {config.resolve()} and config.resolve().parent in folders
    assert ROOT / "scenes" in folders and ROOT / "lessonkit" / "components" in folders
    assert not any("__pycache__" in folder.parts for folder in folders)


def _start_watch(tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "render.py", "--watch", "--port", "0", "--out", str(tmp_path / "out"),
                             "--cache", str(tmp_path / "cache"), *args],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_watch_renders_a_scene_again_when_the_lesson_is_saved(tmp_path):
    """The real thing: render.py --watch at preview quality, a caption edited in a --config file."""
    config = tmp_path / "lesson.toml"
    config.write_text('[narration.learning_goal]\ngoal = "First words."\n', encoding="utf-8")
    process = _start_watch(tmp_path, "--scene", "LearningGoal", "--voice", "none", "--config", str(config),
                           "--renders", "2", "--jobs", "1")
    manifest = tmp_path / "out" / "manifest.json"
    try:
        _wait_for(manifest.exists, timeout=300)
        # The first render hashed its animations for manim's cache: an edit is expected.
        movies = list((tmp_path / "cache").rglob("*.mp4"))
        hashed = bool(movies) and not any(movie.name.startswith("uncached_") for movie in movies)
        config.write_text('[narration.learning_goal]\ngoal = "Second words."\n', encoding="utf-8")
        _, stderr = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, stderr
    assert hashed, movies
    assert "saved: lesson.toml; rendering again" in stderr
    assert "at 480p15" in stderr, "--watch renders at preview quality unless told otherwise"
    captions = [cue["text"] for cue in json.loads(manifest.read_text())["clips"][0]["captions"]]
    assert "Second words." in captions and "First words." not in captions


def test_ctrl_c_stops_watching_with_one_line(tmp_path):
    config = tmp_path / "lesson.toml"
    config.write_text("[chain]\nlayers = \n", encoding="utf-8")  # refused at once: nothing to wait for
    process = _start_watch(tmp_path, "--scene", "LearningGoal", "--config", str(config))
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)
    reader.start()
    try:
        _wait_for(lambda: any("watching for changes" in line for line in lines), timeout=120)
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole process group
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    reader.join(timeout=10)
    assert process.returncode == 0
    assert any(line.startswith("render.py: error: ") and "line 2" in line for line in lines), lines
    after = lines[[i for i, line in enumerate(lines) if "watching for changes" in line][-1] + 1:]
    assert len(after) == 1 and after[0].startswith("render.py: stopped watching (SIGINT)"), after
    assert not any("Traceback" in line for line in lines)


#: A stand-in for render.py for WarmRender: reads a module of the "project" next to it,
#: notes what it saw, prints a line, sleeps if told to, and exits with the status given.
FAKE_WARM_RENDER = """
import os, pathlib, sys, time
here = pathlib.Path(__file__).parent
sys.path.insert(0, str(here))
import project_module
seen = f"{project_module.VALUE} manim-imported-before:{'manim' in sys.modules} own-session:{os.getsid(0) == os.getpid()}"
with open(here / "seen.txt", "a") as record:
    print(seen, file=record)
print("rendered", project_module.VALUE, flush=True)
time.sleep(float(sys.argv[1]))
sys.exit(int(sys.argv[2]))
"""


def _fake_project(tmp_path: Path, value: str) -> Path:
    script = tmp_path / "fake_render.py"
    script.write_text(FAKE_WARM_RENDER, encoding="utf-8")
    (tmp_path / "project_module.py").write_text(f"VALUE = {value!r}\n", encoding="utf-8")
    return script


def test_a_warm_render_runs_the_saved_code_with_the_libraries_imported_once(tmp_path):
    script = _fake_project(tmp_path, "first")
    renders, heard = WarmRender(script, ["0", "3"]), []
    assert renders.start(heard.append).wait() == 3, "the render's exit status"
    (tmp_path / "project_module.py").write_text("VALUE = 'second, as saved'\n", encoding="utf-8")
    assert renders.start(heard.append).wait() == 3
    assert heard == ["rendered first", "rendered second, as saved"]
    # Forked from the warm interpreter: manim was there before the render imported anything,
    # the project's module was not; and the render has a session of its own (Ctrl-C).
    assert (tmp_path / "seen.txt").read_text().splitlines() == [
        "first manim-imported-before:True own-session:True",
        "second, as saved manim-imported-before:True own-session:True"]


def test_a_warm_render_is_stopped_without_its_messages(tmp_path):
    script = _fake_project(tmp_path, "slow")
    heard: list[str] = []
    running = WarmRender(script, ["120", "0"]).start(heard.append)
    _wait_for(lambda: heard == ["rendered slow"])
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 30 and not running.process.is_alive()
    assert running.wait() == -signal.SIGTERM and heard == ["rendered slow"]
