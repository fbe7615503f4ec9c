"""A held picture is converted once. By default the file is manim's own; stored once (a
preview), an H.264 held picture lasts as long as it is held, and the pictures are shown at
the same times as in manim's own file."""

from fractions import Fraction
from types import SimpleNamespace

import av
import numpy as np
import pytest
from manim._config.video_encoder import VideoEncoderSpec
from manim.scene.scene_file_writer import SceneFileWriter
from manim.scene.video_segment_encoder import VideoSegmentEncoder

from lessonkit import heldframes
from lessonkit.video import probe, shown_frames

# x264's output for one input is the same bytes at this size; at 854x480 it was not, once in
# a few runs, with manim's own conversion as with this one (an odd chroma width).
WIDTH, HEIGHT = 256, 144
FPS = 15
# Lossless H.264 (CRF 0), so that pictures decode to exactly what was encoded either way.
FORMATS = [("mp4", "libx264", "yuv420p", (("crf", "0"),)), ("webm", "libvpx-vp9", "yuva420p", ()),
           ("mov", "qtrle", "argb", ())]
#: The pictures written, as (seed, frames held): 24 frames in all.
WRITES = [(1, 1), (2, 20), (3, 1), (4, 2)]


def picture(seed: int) -> np.ndarray:
    pixels = np.random.default_rng(seed).integers(0, 256, (HEIGHT, WIDTH, 4), dtype=np.uint8)
    pixels[HEIGHT // 4:HEIGHT // 2, WIDTH // 4:WIDTH // 2] = (250, 200, 40, 255)
    return pixels


def spec_of(container, codec, pixel_format, options=()) -> VideoEncoderSpec:
    return VideoEncoderSpec(container, codec, pixel_format, WIDTH, HEIGHT, Fraction(FPS), options)


def encode(path, spec, write_frame, finish, writes=WRITES):
    encoder = VideoSegmentEncoder(target=path, spec=spec)
    for seed, held in writes:
        write_frame(encoder, picture(seed), repeat=held)
    finish(encoder)
    return path


def decoded(path) -> list[np.ndarray]:
    with av.open(str(path)) as movie:
        return [frame.to_ndarray(format="rgb24") for frame in movie.decode(video=0)]


def shown(path) -> list[np.ndarray]:
    return [frame.to_ndarray(format="rgb24") for frame in shown_frames(path)]


@pytest.fixture
def wrapped(monkeypatch) -> list:
    """The pictures wrapped into frames (``av.VideoFrame.from_ndarray``) while a test runs."""
    calls = []
    from_ndarray = av.VideoFrame.from_ndarray

    def counting(array, *args, **kwargs):
        calls.append(array.shape)
        return from_ndarray(array, *args, **kwargs)

    monkeypatch.setattr(av.VideoFrame, "from_ndarray", counting)
    return calls


@pytest.fixture
def stored_once():
    heldframes.store_held_pictures_once(True)
    yield
    heldframes.store_held_pictures_once(False)


@pytest.mark.parametrize("container, codec, pixel_format, options", FORMATS)
def test_by_default_a_held_picture_is_converted_once_into_manims_file(tmp_path, wrapped, container, codec,
                                                                      pixel_format, options):
    spec = spec_of(container, codec, pixel_format, (("crf", "23"),) if codec == "libx264" else ())
    manims = encode(tmp_path / f"manim.{container}", spec, heldframes._manims_write_frame, heldframes._manims_finish)
    assert len(wrapped) == 24
    wrapped.clear()
    ours = encode(tmp_path / f"ours.{container}", spec, heldframes._write_held_frame_once,
                  heldframes._finish_with_holds)
    assert len(wrapped) == 4
    assert probe(ours).stored == 24
    if container != "webm":  # the WebM muxer writes a random segment UID into each file
        assert ours.read_bytes() == manims.read_bytes()
    assert all(np.array_equal(a, b) for a, b in zip(decoded(manims), decoded(ours)))


@pytest.mark.parametrize("container, codec, pixel_format, options", FORMATS)
def test_stored_once_a_held_picture_is_shown_as_long(tmp_path, wrapped, stored_once, container, codec,
                                                     pixel_format, options):
    spec = spec_of(container, codec, pixel_format, options)
    manims = encode(tmp_path / f"manim.{container}", spec, heldframes._manims_write_frame, heldframes._manims_finish)
    assert len(wrapped) == 24  # manim: once per frame written
    wrapped.clear()
    ours = encode(tmp_path / f"ours.{container}", spec, heldframes._write_held_frame_once,
                  heldframes._finish_with_holds)
    assert len(wrapped) == 4  # once per picture
    theirs, mine = probe(manims), probe(ours)
    assert theirs.frames == mine.frames == 24
    if codec == "libx264":
        assert (theirs.stored, mine.stored) == (24, 4)  # each picture stored once
    else:
        assert mine.stored == 24
        if container == "mov":
            assert ours.read_bytes() == manims.read_bytes()  # the WebM muxer writes a random segment UID
    expected = decoded(manims)
    assert len(expected) == 24
    seen = shown(ours)
    assert len(seen) == 24
    for number, (a, b) in enumerate(zip(expected, seen)):
        assert np.array_equal(a, b), f"frame {number} differs"


def test_a_hold_at_the_end_of_a_movie_lasts_to_its_end(tmp_path, stored_once):
    spec = spec_of("mp4", "libx264", "yuv420p", (("crf", "0"),))
    ours = encode(tmp_path / "ours.mp4", spec, heldframes._write_held_frame_once, heldframes._finish_with_holds,
                  writes=[(1, 3), (2, 1), (3, 30)])
    with av.open(str(ours)) as movie:
        stream = movie.streams.video[0]
        assert stream.duration * stream.time_base == Fraction(34, FPS)
    assert probe(ours).frames == 34 and probe(ours).stored == 3


def test_partial_movies_join_keeping_their_times(tmp_path, stored_once):
    spec = spec_of("mp4", "libx264", "yuv420p", (("crf", "0"),))
    parts = [
        encode(tmp_path / "a.mp4", spec, heldframes._write_held_frame_once, heldframes._finish_with_holds,
               writes=[(1, 1), (2, 1), (3, 1), (4, 9)]),  # ends held
        encode(tmp_path / "b.mp4", spec, heldframes._write_held_frame_once, heldframes._finish_with_holds,
               writes=[(5, 12), (6, 1), (7, 1), (8, 1)]),  # ends with short frames, after a hold
        encode(tmp_path / "c.mp4", spec, heldframes._write_held_frame_once, heldframes._finish_with_holds,
               writes=[(9, 1), (10, 1), (11, 5), (12, 1)]),
    ]
    writer = SimpleNamespace(video_encoder=spec)
    joined = tmp_path / "joined.mp4"
    heldframes._join_keeping_times(writer, [str(part) for part in parts], joined)
    expected = [frame for part in parts for frame in shown(part)]
    assert len(expected) == 12 + 15 + 8
    assert probe(joined).frames == 35
    seen = shown(joined)
    assert len(seen) == 35
    for number, (a, b) in enumerate(zip(expected, seen)):
        assert np.array_equal(a, b), f"frame {number} differs"


def test_manims_checks_still_refuse_a_bad_repeat(tmp_path):
    spec = spec_of("mp4", "libx264", "yuv420p")
    encoder = VideoSegmentEncoder(target=tmp_path / "bad.mp4", spec=spec)
    try:
        for repeat in (0, -3, True, 2.0):
            with pytest.raises((ValueError, TypeError)):
                heldframes._write_held_frame_once(encoder, picture(1), repeat=repeat)
        with pytest.raises(ValueError):
            heldframes._write_held_frame_once(encoder, picture(1)[:, :-2].copy(), repeat=5)
    finally:
        encoder.abort()


def test_a_preview_stores_held_pictures_once_and_other_qualities_do_not(tmp_path):
    from lessonkit.config import load_lesson
    from lessonkit.jobs import QUALITIES, SceneJob, render_scene
    from scenes import LearningGoal
    from tests.conftest import TEST_QUALITY

    try:
        for quality in (QUALITIES["low"], TEST_QUALITY):
            job = SceneJob(0, LearningGoal.__module__, "LearningGoal", load_lesson().to_dict(), quality,
                           tmp_path / quality.name)
            render = render_scene(job)
            movie = probe(render.movie, fps=quality.fps)
            steps = [probe(path, fps=quality.fps) for _, path in render.sections]
            assert movie.frames == sum(step.frames for step in steps)
            assert movie.frames >= quality.fps * render.cues[-1][1]  # the last line is said within it
            if quality.name == "low":
                assert movie.stored < movie.frames * 3 / 4  # its holds stored once
            else:
                assert movie.stored == movie.frames
    finally:
        heldframes.store_held_pictures_once(False)


def test_installed_for_lesson_scenes():
    from lessonkit.scene import LessonScene

    LessonScene().setup()
    assert VideoSegmentEncoder.write_frame is heldframes._write_held_frame_once
    assert VideoSegmentEncoder.finish is heldframes._finish_with_holds
    assert SceneFileWriter.combine_files is heldframes._join_keeping_times
