"""What teachers put in their slides: steps, posters, captions, chapters, formats, decks."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time

import av
import numpy as np
import pytest
from PIL import Image, ImageColor

from lessonkit.audio import RATE, read_audio
from lessonkit.config import load_lesson
from lessonkit.pipeline import render_lecture
from lessonkit.speech import wrap_cue
from lessonkit.theme import Theme
from lessonkit.video import frames_at, has_alpha, last_frame, probe
from scenes import LearningGoal
from tests.conftest import ROOT, TEST_QUALITY


def manifest_of(out):
    return json.loads((out / "manifest.json").read_text())


def test_steps_split_each_clip_at_its_pauses(tiny_lecture):
    out, _ = tiny_lecture
    for clip in manifest_of(out)["clips"]:
        whole = probe(out / clip["file"], decode=True, fps=4)
        steps = [probe(out / step["file"], decode=True, fps=4) for step in clip["steps"]]
        assert len(steps) >= 2
        # After the last step, the scene fades to the background (and holds it for a frame):
        # not a step of its own.
        closing = load_lesson().pacing.closing_seconds
        assert whole.frames - sum(step.frames for step in steps) == math.ceil(closing * 4) + 1
        assert "closing" not in [step["name"] for step in clip["steps"]]
        for number, step in enumerate(clip["steps"], start=1):
            assert step["file"] == f"clips/{clip['file'][6:-4]}/{number:02d}-{step['name']}.mp4"
        assert [s["name"] for s in clip["steps"]][:1] in (["title"], ["sigmoid"])


def test_posters_are_the_last_frames_of_the_steps(tiny_lecture):
    out, _ = tiny_lecture
    for clip in manifest_of(out)["clips"]:
        for item in clip["steps"]:
            poster = Image.open(out / item["poster"])
            assert poster.size == (854, 480)
            # Decoded from the start, not by last_frame()'s seek: an independent answer.
            expected = np.asarray(frames_at(out / item["file"], [float("inf")])[0], dtype=int)
            assert np.abs(np.asarray(poster.convert("RGB"), dtype=int) - expected).max() == 0
        # The clip's own poster is its last picture before it fades out: its last step's.
        assert (out / clip["poster"]).read_bytes() == (out / clip["steps"][-1]["poster"]).read_bytes()


def test_scenes_open_and_close_on_the_background_so_the_lecture_has_no_hard_cut(tiny_lecture):
    out, _ = tiny_lecture
    background = np.array(ImageColor.getrgb(Theme.from_lesson(load_lesson()).background))
    lecture = out / "lecture.mp4"
    for clip in manifest_of(out)["clips"]:
        # The lecture around each join (clip start), and each clip's own first and last frames.
        first, last = frames_at(out / clip["file"], [0, float("inf")])
        joined = frames_at(lecture, [clip["start"], max(0.0, clip["start"] - 0.01)])
        for where, frame in zip(("first", "last", "lecture at start", "lecture before start"), (first, last, *joined)):
            pixels = np.asarray(frame, dtype=int)
            # Nearly all of the frame is the background (the encoder's rounding aside).
            assert (np.abs(pixels - background).max(axis=2) <= 6).mean() > 0.995, (clip["scene"], where)
        # ...and the clip does show something in between.
        middle = np.asarray(Image.open(out / clip["poster"]).convert("RGB"), dtype=int)
        assert (np.abs(middle - background).max(axis=2) > 6).mean() > 0.01


def test_every_clip_and_step_has_captions_in_srt_and_vtt(tiny_lecture):
    out, _ = tiny_lecture
    for clip in manifest_of(out)["clips"]:
        texts = [c["text"] for c in clip["captions"]]
        assert (out / clip["captions_srt"]).read_text().count("-->") == len(texts)
        vtt = (out / clip["captions_vtt"]).read_text()
        # Each cue wrapped into at most two lines, as captions are.
        assert vtt.startswith("WEBVTT") and all(wrap_cue(text) in vtt for text in texts)
        for step in clip["steps"]:
            assert step["narration"], step["name"]
            step_vtt = (out / step["captions_vtt"]).read_text()
            assert all(wrap_cue(text) in step_vtt for text in step["narration"])
            first_start = step_vtt.split("\n\n")[1].splitlines()[1].split(" --> ")[0]
            assert first_start.startswith("00:00:00."), "timed from the step's own start"


def test_chapters_for_video_sites_and_players(tiny_lecture):
    out, result = tiny_lecture
    lines = (out / "chapters.txt").read_text().splitlines()
    assert lines[0] == "0:00 Learning goal"
    seconds = int(result.clips[1].start)
    assert lines[1] == f"0:{seconds:02d} Why the maximum slope is so small"
    vtt = (out / "chapters.vtt").read_text()
    assert vtt.startswith("WEBVTT") and vtt.count("-->") == 2 and "Learning goal" in vtt


def test_pptx_has_one_slide_per_step_with_video_and_notes(tiny_lecture):
    from pptx import Presentation

    out, _ = tiny_lecture
    steps = [step for clip in manifest_of(out)["clips"] for step in clip["steps"]]
    deck = Presentation(str(out / "lecture.pptx"))
    assert len(deck.slides) == len(steps)
    for slide, step in zip(deck.slides, steps):
        movies = [shape for shape in slide.shapes if shape.shape_type == 16]  # MSO_SHAPE_TYPE.MEDIA
        assert len(movies) == 1
        assert slide.notes_slide.notes_text_frame.text == "\n\n".join(step["narration"])
        assert slide.shapes.title.text in {"Learning goal", "Why the maximum slope is so small"}
    media = [part for part in deck.part.package.iter_parts() if part.content_type == "video/mp4"]
    assert len(media) == len(steps)
    import io

    import av

    for part in media:  # each embedded clip speaks its step's line
        with av.open(io.BytesIO(part.blob)) as container:
            assert container.streams.audio and container.streams.audio[0].codec_context.name == "aac"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required", "--window-size=1280,720"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def test_slides_html_plays_every_step_in_chromium(tiny_lecture, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    out, _ = tiny_lecture
    html = (out / "slides.html").read_text()
    assert "http://" not in html and "https://" not in html, "nothing fetched from the network"
    browser.get((out / "slides.html").as_uri())
    count = browser.execute_script("return document.querySelectorAll('.slide').length")
    assert count == sum(len(clip["steps"]) for clip in manifest_of(out)["clips"])
    state = "const v = document.querySelector('.slide.current'); return [v.readyState, v.currentTime, v.error];"
    for index in range(count):
        deadline = time.time() + 10
        ready, played, error = browser.execute_script(state)
        while (ready < 2 or played <= 0) and error is None and time.time() < deadline:
            time.sleep(0.2)
            ready, played, error = browser.execute_script(state)
        assert error is None and ready >= 2 and played > 0, (index, ready, played, error)
        if index == 0:
            # The step speaks: sound on, and Chromium decoded its audio track.
            deadline = time.time() + 10
            heard = 0
            while heard == 0 and time.time() < deadline:
                time.sleep(0.2)
                heard = browser.execute_script(
                    "const v = document.querySelector('.slide.current'); return v.muted ? -1 : v.webkitAudioDecodedByteCount;")
            assert heard > 0, "the first step plays its narration"
            browser.find_element(By.TAG_NAME, "body").send_keys("m")
            assert browser.execute_script("return Array.from(document.querySelectorAll('video')).every(v => v.muted)")
            assert browser.execute_script("return document.getElementById('sound').textContent") == "sound off"
            browser.find_element(By.TAG_NAME, "body").send_keys("m")
        if index == count - 1:
            break
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    deadline = time.time() + 30
    while not browser.execute_script("return document.querySelector('.slide.current').ended") and time.time() < deadline:
        time.sleep(0.2)
    browser.find_element(By.TAG_NAME, "body").send_keys("c")
    caption = browser.execute_script("return document.querySelector('#caption span').textContent")
    # The last step's last line, held over its last frame.
    assert caption == manifest_of(out)["clips"][-1]["captions"][-1]["text"]
    assert caption.startswith("So a sigmoid never passes on more than 0.25")
    browser.save_screenshot(str(tmp_path / "slides.png"))


@pytest.mark.parametrize(
    ("clip_format", "transparent", "codec"),
    [("webm", False, "vp9"), ("gif", False, "gif"), ("mov", False, "h264"), ("webm", True, "vp9"),
     ("mov", True, "qtrle")],
)
def test_clip_formats_decode_to_their_end(tmp_path, clip_format, transparent, codec):
    out = tmp_path / "out"
    result = render_lecture([LearningGoal], load_lesson(), out, quality=TEST_QUALITY, jobs=1,
                            cache_dir=tmp_path / "cache", clip_format=clip_format, transparent=transparent,
                            decks=False)
    clip = result.clips[0]
    assert clip.file.endswith(f".{clip_format}")
    sound_codec = {"webm": "opus", "mov": "aac", "gif": None}[clip_format]
    for path in [clip.file, *(step.file for step in clip.steps)]:
        info = probe(out / path, decode=True)
        assert info.codec == codec and info.frames > 0
        # The narration in every format but GIF, as long as the video (AAC pads one packet).
        with av.open(str(out / path)) as container:
            streams = container.streams.audio
            assert (streams[0].codec_context.name if streams else None) == sound_codec
        if sound_codec:
            assert len(read_audio(out / path)) / RATE == pytest.approx(info.duration, abs=1024 / RATE)
    assert np.abs(read_audio(out / "lecture.mp4")).max() > 0.1, "the lecture speaks whatever the clip format"
    lecture = probe(out / "lecture.mp4", decode=True, fps=4)
    assert lecture.codec == "h264" and lecture.frames == clip.frames
    if transparent:
        assert has_alpha(out / clip.file)
        # The last step's end: the clip itself ends faded out, all transparent.
        frame = np.asarray(last_frame(out / clip.steps[-1].file, alpha=True))
        assert frame[2, 2, 3] == 0, "the background is transparent"
        assert frame[..., 3].max() == 255, "the drawing is opaque"
        assert np.asarray(Image.open(out / clip.poster))[2, 2, 3] == 0
    else:
        assert not has_alpha(out / clip.file) or clip_format == "gif"


def test_transparent_mp4_is_refused_with_one_line(tmp_path):
    done = subprocess.run([sys.executable, "render.py", "--transparent", "--out", str(tmp_path / "out")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "--transparent needs --format webm or --format mov" in done.stderr
    assert not (tmp_path / "out").exists()


def test_manifest_lists_every_number_of_every_step_with_its_mathcore_source(tiny_lecture):
    import mathcore
    from tests.test_scenes import recompute

    out, _ = tiny_lecture
    numbers = [(step["name"], number) for clip in manifest_of(out)["clips"] for step in clip["steps"]
               for number in step["numbers"]]
    assert {number["label"] for _, number in numbers} == {"sigma0", "one_minus_sigma0", "max_derivative",
                                                           "axis_0.0", "axis_0.5", "axis_1.0"}
    for step, number in numbers:
        assert recompute(number["computed_by"]) == number["value"], (step, number)
        assert number["function"] is None or callable(getattr(mathcore, number["function"])), number
    maximum = {n["label"]: n for step, n in numbers if step == "maximum"}
    assert maximum["max_derivative"]["text"] == "0.25"
    assert maximum["max_derivative"]["function"] == "sigmoid_prime"


def test_transcript_has_chapters_narration_and_formulas_as_text(tiny_lecture):
    from html.parser import HTMLParser

    out, _ = tiny_lecture
    manifest = manifest_of(out)
    page = (out / "transcript.html").read_text()

    class Outline(HTMLParser):
        def __init__(self):
            super().__init__()
            self.headings, self.paragraphs, self.formulas, self.tag = [], [], [], None

        def handle_starttag(self, tag, attrs):
            self.tag = tag

        def handle_data(self, data):
            target = {"h2": self.headings, "p": self.paragraphs, "li": self.formulas}.get(self.tag)
            if target is not None and data.strip():
                target.append(data.strip())

        def handle_endtag(self, tag):
            self.tag = None

    outline = Outline()
    outline.feed(page)
    assert '<html lang="en">' in page and "<h1>" in page
    assert outline.headings == [clip["title"] for clip in manifest["clips"]]
    for clip in manifest["clips"]:
        for step in clip["steps"]:
            if step["narration"]:  # a step's lines, read as one paragraph
                assert " ".join(step["narration"]) in outline.paragraphs
    assert "σ′(0) = 0.5 × 0.5 = 0.25" in outline.formulas
    assert "σ′(z) = σ(z) (1 − σ(z))" in outline.formulas
    assert "σ(z) = 1/(1 + e^(−z))" in outline.formulas
    assert "\\" not in page, "no LaTeX left for a screen reader to spell out"
    assert 'href="transcript.html"' in (out / "slides.html").read_text()


def test_slides_html_waits_on_posters_when_motion_is_reduced(tiny_lecture, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    out, _ = tiny_lecture
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                            {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})
    try:
        browser.get((out / "slides.html").as_uri())
        state = ("const v = document.querySelector('.slide.current'); "
                 "return [v.paused, v.currentTime, document.getElementById('play').hidden];")
        for _ in range(2):  # the first step, and the next one after an arrow key
            time.sleep(1.0)
            assert browser.execute_script(state) == [True, 0, False], "poster and a play button, no autoplay"
            browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
        browser.find_element(By.ID, "play").click()
        deadline = time.time() + 10
        while browser.execute_script(state)[1] <= 0 and time.time() < deadline:
            time.sleep(0.2)
        paused, played, hidden = browser.execute_script(state)
        assert played > 0 and hidden, "the button plays the step"
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
