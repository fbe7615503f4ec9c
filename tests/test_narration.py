"""The narrated lecture: spoken words, cues, voices, and the sound in every output."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import wave

import av
import numpy as np
import pytest
import srt

from lessonkit.audio import RATE, block_powers, gated_loudness, integrated_loudness, read_audio, true_peak, write_wav
from lessonkit.config import load_lesson
from lessonkit.pipeline import render_lecture
from lessonkit.video import COLOUR_TAGS, shown_frames
from lessonkit.speech import CUE_LINE_CHARS, split_cues, spoken_text, wrap_cue
from lessonkit.voices import ENGINES, synthesize
from scenes import LearningGoal, Saturation
from tests.conftest import ROOT, TEST_QUALITY

FPS = TEST_QUALITY.fps


def rms_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(samples, dtype=np.float64))) + 1e-12))


def audio_seconds(path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return float(stream.duration * stream.time_base)


def video_seconds(path) -> float:
    return sum(1 for _ in shown_frames(path, FPS)) / FPS


def manifest_of(out):
    return json.loads((out / "manifest.json").read_text())


# --- what the voice says ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("sigma'(5) is 0.006648", "sigma prime of five is zero point zero zero six six four eight"),
        ("just 2.66% of the maximum", "just two point six six percent of the maximum"),
        ("only 9.095 × 10⁻¹³.", "only nine point zero nine five times ten to the minus thirteen."),
        ("below -3, the curve", "below minus three, the curve"),
        ("a 20-layer network", "a twenty-layer network"),
        ("z = 0.5", "z equals zero point five"),
    ],
)
def test_numbers_and_symbols_are_spoken_as_written(written, spoken):
    assert spoken_text(written) == spoken


def test_pronunciations_replace_whole_words_only():
    table = {"ReLU": "rel-you", "ReLUs": "rel-yous"}
    assert spoken_text("ReLU and ReLUs, not ReLUx", table) == "rel-you and rel-yous, not ReLUx"


def test_every_cue_of_the_lesson_fits_two_short_lines():
    lesson = load_lesson()
    texts = [text for beats in lesson.to_dict()["narration"].values() for text in beats.values()]
    for text in texts:
        cues = split_cues(text)
        assert " ".join(cues).split() == text.split(), "no word lost or added"
        for cue in cues:
            lines = wrap_cue(cue).splitlines()
            assert len(lines) <= 2 and all(len(line) <= CUE_LINE_CHARS for line in lines), cue


@pytest.mark.parametrize("engine", list(ENGINES))
def test_each_offline_voice_speaks_and_is_cached(engine, tmp_path):
    first = synthesize("The slope is zero point two five.", engine, 1.0, tmp_path)
    assert first.synthesized and first.duration > 0.8
    samples = read_audio(first.path)
    assert rms_db(samples) > -40, "it is speech, not silence"
    again = synthesize("The slope is zero point two five.", engine, 1.0, tmp_path)
    assert not again.synthesized and again.path == first.path
    faster = synthesize("The slope is zero point two five.", engine, 1.5, tmp_path)
    assert faster.duration < first.duration * 0.85, "voice.rate speeds the voice up"


# --- the narrated lecture ----------------------------------------------------------------


def test_lecture_clip_and_step_carry_speech_as_long_as_their_video(tiny_lecture):
    out, _ = tiny_lecture
    clip = manifest_of(out)["clips"][1]
    for path in [out / "lecture.mp4", out / clip["file"], out / clip["steps"][2]["file"]]:
        with av.open(str(path)) as container:
            assert container.streams.audio[0].codec_context.name == "aac"
        assert audio_seconds(path) == pytest.approx(video_seconds(path), abs=1 / 60)
        decoded = read_audio(path)
        # AAC pads its last packet: at most one packet (1024 samples) over.
        assert 0 <= len(decoded) - video_seconds(path) * RATE <= 1024
        assert rms_db(decoded) > -30


def test_every_cue_holds_speech_and_steps_are_cut_in_silence(tiny_lecture):
    out, _ = tiny_lecture
    for clip in manifest_of(out)["clips"]:
        sound = read_audio(out / clip["file"])
        for cue in clip["captions"]:
            window = sound[int(cue["start"] * RATE):int(cue["end"] * RATE)]
            assert cue["end"] - cue["start"] > 0.3
            assert rms_db(window) > -30, cue["text"]
            # Speech from the first tenth of the cue to its last tenth: it starts and ends with the voice.
            tenth = max(1, len(window) // 10)
            assert rms_db(window[:tenth]) > -45 and rms_db(window[-tenth:]) > -45, cue["text"]
        for step in clip["steps"]:
            cut = int(step["start"] * RATE)
            assert rms_db(sound[max(0, cut - 2400):cut + 2400]) < -60, (clip["scene"], step["name"])
            step_sound = read_audio(out / step["file"])
            assert rms_db(step_sound[:480]) < -60 and rms_db(step_sound[-2400:]) < -60, "no click at the cuts"


def test_loudness_meets_video_site_targets(tiny_lecture):
    out, result = tiny_lecture
    lecture = read_audio(out / "lecture.mp4")
    loudness = integrated_loudness(lecture)
    assert loudness == pytest.approx(-16, abs=1.0)
    assert true_peak(lecture) <= -1.0
    for clip in result.clips:
        assert integrated_loudness(read_audio(out / clip.file)) == pytest.approx(loudness, abs=2.0)


def test_mp4_files_are_web_ready_and_say_their_colours(tiny_lecture):
    out, _ = tiny_lecture
    for path in [out / "lecture.mp4", *sorted((out / "clips").rglob("*.mp4"))]:
        head = path.read_bytes()[:64 * 1024]
        assert head.find(b"moov") != -1 and head.find(b"moov") < max(head.find(b"mdat"), 0) or b"mdat" not in head, \
            f"{path.name}: the index (moov) comes before the media (faststart)"
        with av.open(str(path)) as container:
            context = container.streams.video[0].codec_context
            assert (context.color_primaries, context.color_trc, context.colorspace) == COLOUR_TAGS, path.name


def test_each_step_narrates_exactly_its_own_captions(tiny_lecture):
    out, _ = tiny_lecture
    for clip in manifest_of(out)["clips"]:
        cues = clip["captions"]
        said = []
        for step in clip["steps"]:
            step_cues = list(srt.parse((out / step["captions_srt"]).read_text()))
            assert all(cue.end > cue.start for cue in step_cues), "no zero-length cue"
            assert [" ".join(c.content.split("\n")) for c in step_cues] == step["narration"]
            said += step["narration"]
            end = step["start"] + step["duration"]
            assert all(c["end"] <= end + 1e-9 for c in cues if step["start"] <= c["start"] < end)
        assert said == [c["text"] for c in cues]


def test_srt_and_vtt_carry_the_same_times(tiny_lecture):
    out, _ = tiny_lecture
    srt_times = [(c.start.total_seconds(), c.end.total_seconds()) for c in srt.parse((out / "lecture.srt").read_text())]
    vtt = (out / "lecture.vtt").read_text()
    vtt_times = []
    for line in vtt.splitlines():
        if "-->" in line:
            start, end = (sum(float(x) * 60 ** i for i, x in enumerate(reversed(t.split(":")))) for t in line.split(" --> "))
            vtt_times.append((round(start, 3), round(end, 3)))
    assert vtt_times == [(round(a, 3), round(b, 3)) for a, b in srt_times]


def test_a_second_render_synthesizes_nothing_and_writes_the_same_text(tmp_path):
    # Saturation: one of the scenes whose animations are known to hit manim's cache.
    cache = tmp_path / "cache"
    lesson = load_lesson()
    # jobs=2: each render in a fresh worker process, as render.py does.
    first = render_lecture([Saturation], lesson, tmp_path / "one", quality=TEST_QUALITY, cache_dir=cache, decks=False,
                           jobs=2)
    movies = sorted((cache / "videos").rglob("partial_movie_files/**/*.mp4"))
    second = render_lecture([Saturation], lesson, tmp_path / "two", quality=TEST_QUALITY, cache_dir=cache, jobs=2,
                            decks=False)
    assert first.synthesized > 0 and second.synthesized == 0
    assert sorted((cache / "videos").rglob("partial_movie_files/**/*.mp4")) == movies, "manim's cache reused"
    for name in ["lecture.srt", "lecture.vtt", "manifest.json", "clips/01-Saturation.srt"]:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_silent_lecture_has_no_sound_track(tmp_path):
    result = render_lecture([LearningGoal], load_lesson(overrides=["voice.name=none"]), tmp_path / "out",
                            quality=TEST_QUALITY, cache_dir=tmp_path / "cache", decks=False)
    with av.open(str(result.lecture)) as container:
        assert not container.streams.audio
    assert result.synthesized == 0 and result.loudness is None


# --- the teacher's own voice -----------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "render.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def write_recording(path, seconds: float, frequency: float) -> None:
    """A stand-in for a teacher's recording: silence, a voiced tone, silence, in any container."""
    t = np.arange(int(seconds * RATE)) / RATE
    tone = 0.3 * np.sin(2 * np.pi * frequency * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
    samples = np.concatenate([np.zeros(RATE // 4), tone, np.zeros(RATE // 4)]).astype(np.float32)
    if path.suffix == ".wav":
        write_wav(path, samples)
        return
    codec = {".ogg": "libopus", ".m4a": "aac", ".mp3": "libmp3lame"}[path.suffix]
    with av.open(str(path), "w") as output:
        stream = output.add_stream(codec, rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            output.mux(packet)


def test_script_lists_every_line_with_its_id(tmp_path):
    done = run_cli("--script", "--scene", "LearningGoal", "--scene", "Takeaways", "--out", str(tmp_path),
                   "--cache", str(tmp_path / "cache"))
    assert done.returncode == 0, done.stderr
    rows = (tmp_path / "narration.csv").read_text().splitlines()
    assert rows[0] == "scene,id,text,recording"
    ids = [row.split(",")[1] for row in rows[1:]]
    assert ids[:3] == ["learning_goal.title", "learning_goal.goal", "takeaways.intro"]
    assert ids[-1] == "takeaways.outro" and "takeaways.item_2" in ids
    markdown = (tmp_path / "narration.md").read_text()
    assert "The maximum sigmoid gradient is only 0.25." in markdown, "numbers filled in"


def test_recordings_replace_the_voice_beat_by_beat(tmp_path):
    folder = tmp_path / "voice"
    folder.mkdir()
    lengths = {"learning_goal.title": (2.0, ".ogg"), "learning_goal.goal": (3.5, ".m4a")}
    for utterance_id, (seconds, extension) in lengths.items():
        write_recording(folder / f"{utterance_id}{extension}", seconds, 220)
    lesson = load_lesson(overrides=["voice.name=recorded", f"voice.recordings={json.dumps(str(folder))}"])
    result = render_lecture([LearningGoal], lesson, tmp_path / "out", quality=TEST_QUALITY,
                            cache_dir=tmp_path / "cache", decks=False)
    clip = result.clips[0]
    assert result.synthesized == 0
    sound = read_audio(tmp_path / "out" / clip.file)
    for step, (seconds, _) in zip(clip.steps, lengths.values()):
        step_cues = [c for c in clip.captions if step.start <= c["start"] < step.start + step.duration]
        spoken = step_cues[-1]["end"] - step_cues[0]["start"]
        assert spoken == pytest.approx(seconds, abs=0.1), "the recording's silence is trimmed"
        assert step.duration >= spoken
        window = sound[int(step_cues[0]["start"] * RATE):int(step_cues[-1]["end"] * RATE)]
        assert rms_db(window) > -25


def test_a_missing_recording_is_named_before_anything_renders(tmp_path):
    folder = tmp_path / "voice"
    folder.mkdir()
    write_recording(folder / "learning_goal.title.wav", 1.0, 220)
    (folder / "learning_goal.goal.mp3").write_bytes(b"not a sound")
    out = tmp_path / "out"
    done = run_cli("--scene", "LearningGoal", "--recordings", str(folder), "--out", str(out),
                   "--cache", str(tmp_path / "cache"), "--quality", "low")
    assert done.returncode == 2, done.stderr
    error = done.stderr.strip().splitlines()[-1]
    assert error.startswith("render.py: error: recording for learning_goal.goal is unreadable"), error
    assert not out.exists()
    (folder / "learning_goal.goal.mp3").unlink()
    done = run_cli("--scene", "LearningGoal", "--recordings", str(folder), "--out", str(out),
                   "--cache", str(tmp_path / "cache"), "--quality", "low")
    assert done.returncode == 2
    assert "render.py: error: no recording for learning_goal.goal in" in done.stderr
    assert not out.exists()


def test_usage_errors_of_the_voice(tmp_path):
    done = run_cli("--recordings", str(tmp_path / "no-such-folder"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "recordings folder not found" in done.stderr
    done = run_cli("--voice", "robot", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "argument --voice: invalid choice: 'robot'" in done.stderr
    done = run_cli("--voice", "flite", "--recordings", str(tmp_path), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "--recordings needs --voice recorded" in done.stderr
    assert not (tmp_path / "out").exists()


def test_docs_of_the_spoken_form_stay_true():
    # The README promises these spoken forms; keep them honest.
    readme = (ROOT / "README.md").read_text()
    for phrase in ["zero point zero zero six six", "two point six six percent", "sigma prime of five"]:
        assert phrase in readme
    assert spoken_text("0.0066") == "zero point zero zero six six"
    assert textwrap.dedent(spoken_text("sigma'(5)")) == "sigma prime of five"


@pytest.fixture(scope="module")
def lecture_at_15_fps(tmp_path_factory):
    """Two scenes at 15 fps, a rate whose scenes are padded to whole AAC frames (4 fps is not:
    that would take 8 s), small."""
    from lessonkit.pipeline import Quality, render_lecture
    from scenes import KeyFormula, LearningGoal

    out = tmp_path_factory.mktemp("out15")
    result = render_lecture([LearningGoal, KeyFormula], load_lesson(), out, quality=Quality("test15", 428, 240, 15),
                            jobs=2, cache_dir=tmp_path_factory.mktemp("cache15"), decks=False)
    return out, result


def test_the_lecture_copies_its_clips_sound_and_keeps_it_in_step(lecture_at_15_fps):
    out, result = lecture_at_15_fps

    def packets(path):
        with av.open(str(path)) as container:
            return [(packet.pts, bytes(packet)) for packet in container.demux(container.streams.audio[0])
                    if packet.dts is not None]

    lecture = packets(out / "lecture.mp4")
    clips = [packets(out / clip.file) for clip in result.clips]
    # Each scene ends on a background held (a frame, and at most 8 more) until its sound is
    # whole AAC frames.
    closing = round(load_lesson().pacing.closing_seconds * 15)
    for clip in result.clips:
        assert round(clip.duration * RATE) % 1024 == 0
        held = clip.frames - sum(round(step.duration * 15) for step in clip.steps) - closing
        assert 1 <= held <= 9
    # The lecture's packets are the clips' own, not encoded again: the first clip's priming
    # packet, then every clip's sound packets, each at its clip's start.
    expected = clips[0][:1] + [packet for clip in clips for packet in clip if packet[0] >= 0]
    assert [payload for _, payload in lecture] == [payload for _, payload in expected]
    starts = [round(clip.start * RATE) for clip in result.clips]
    assert [pts for pts, _ in lecture] == [clips[0][0][0]] + [
        start + pts for start, clip in zip(starts, clips) for pts, _ in clip if pts >= 0]
    # Heard, the lecture is the clips end to end, and its joins are silent. (Decoded samples
    # differ a little where AAC fills a band with noise: the decoder's noise generator runs
    # on from the clip before.)
    joined = np.concatenate([read_audio(out / clip.file) for clip in result.clips])
    decoded = read_audio(out / "lecture.mp4")
    assert len(decoded) == len(joined)
    assert rms_db(decoded - joined) < -80 and np.abs(decoded - joined).max() < 0.01
    for start in starts[1:]:
        assert rms_db(decoded[start - 2048:start + 2048]) < -60


@pytest.mark.parametrize("seconds", [0.002, 0.39999, 0.4, 1.0, 3.0021])
def test_loudness_is_pyloudnorm_s(seconds):
    import pyloudnorm

    rng = np.random.default_rng(7)
    samples = (rng.standard_normal(round(seconds * RATE)) * 0.1).astype(np.float32)
    samples[: len(samples) // 3] *= 0.001  # a quiet third, which the relative gate leaves out
    padded = np.concatenate([samples, np.zeros(max(0, int(0.4 * RATE) - len(samples)), np.float32)])
    # pyloudnorm's "DeMan" filters are BS.1770's K-weighting (its default approximates them).
    expected = pyloudnorm.Meter(RATE, filter_class="DeMan").integrated_loudness(padded.astype(np.float64))
    assert integrated_loudness(samples) == pytest.approx(expected, abs=1e-9)
    assert integrated_loudness(np.zeros_like(samples)) == float("-inf")


def test_a_lecture_s_loudness_from_its_scenes_blocks_is_its_own():
    rng = np.random.default_rng(8)
    silence = np.zeros(RATE // 2, np.float32)  # scenes open and close in silence, as ours do
    scenes = [np.concatenate([silence, (rng.standard_normal(RATE * seconds) * level).astype(np.float32), silence])
              for seconds, level in [(3, 0.1), (5, 0.02), (2, 0.3)]]
    whole = integrated_loudness(np.concatenate(scenes))
    # Only the blocks straddling the joins are missing, and they are silent: gated out anyway.
    assert gated_loudness([block_powers(scene) for scene in scenes]) == pytest.approx(whole, abs=1e-3)


def test_an_edit_that_moves_the_loudness_a_little_keeps_the_lecture_s_gain(tmp_path):
    from lessonkit.jobs import SceneRender
    from lessonkit.pipeline import _mix_sound, _Timed

    noise = np.random.default_rng(3).standard_normal(RATE * 2)

    def scene(name, level, seconds=4):
        path = tmp_path / f"{name}-{level}.wav"
        write_wav(path, (noise * level).astype(np.float32))
        render = SceneRender(0, name, tmp_path / "movie.mp4", [], 0.0, sounds=[(0.5, path)])
        return _Timed(render, seconds * 15, [seconds * 15])

    def lecture(level):
        return [scene("A", 0.05), scene("B", level), scene("C", 0.05)]

    cache = tmp_path / "cache"
    first = lecture(0.05)
    loudness = _mix_sound(first, 15, cache)
    assert loudness == pytest.approx(-16, abs=0.5)
    # One scene 1 dB louder moves the lecture by about 0.4 LU: the gain, and so the other
    # scenes' sound, stay as they were.
    edited = lecture(0.05 * 10 ** (1 / 20))
    assert _mix_sound(edited, 15, cache) == pytest.approx(loudness + 0.4, abs=0.1)
    assert np.array_equal(edited[0].sound, first[0].sound) and np.array_equal(edited[2].sound, first[2].sound)
    # 6 dB louder is 2.6 LU: too far from the target, the gain is set again.
    louder = lecture(0.1)
    assert _mix_sound(louder, 15, cache) == pytest.approx(-16, abs=0.25)
    assert not np.array_equal(louder[0].sound, first[0].sound)
    # Without a cache there is no earlier gain: rounded to GAIN_STEP_DB.
    assert _mix_sound(lecture(0.05 * 10 ** (1 / 20)), 15) == pytest.approx(-16, abs=0.2)


def test_our_own_wavs_are_read_without_decoding_and_as_pyav_decodes_them(tmp_path, monkeypatch):
    from lessonkit import audio

    samples = np.random.default_rng(3).uniform(-1.2, 1.2, RATE // 3).astype(np.float32)
    write_wav(tmp_path / "own.wav", samples)
    own = read_audio(tmp_path / "own.wav")
    # Another WAV, at another rate and in stereo, is still decoded and resampled by PyAV.
    with wave.open(str(tmp_path / "other.wav"), "wb") as other:
        other.setnchannels(2)
        other.setsampwidth(2)
        other.setframerate(22050)
        other.writeframes(np.zeros(2 * 2205, "<i2").tobytes())
    assert audio._read_own_wav(tmp_path / "other.wav") is None
    assert read_audio(tmp_path / "other.wav").size == pytest.approx(RATE // 10, abs=64)
    monkeypatch.setattr(audio, "_read_own_wav", lambda path: None)
    decoded = read_audio(tmp_path / "own.wav")
    assert own.dtype == decoded.dtype == np.float32
    np.testing.assert_array_equal(own, decoded)
    write_wav(tmp_path / "empty.wav", np.zeros(0, np.float32))
    monkeypatch.undo()
    with pytest.raises(audio.AudioError, match="holds no sound"):
        read_audio(tmp_path / "empty.wav")
