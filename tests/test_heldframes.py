"""A held frame is converted for the encoder once, and the file is the one manim writes."""

from fractions import Fraction

import av
import numpy as np
import pytest
from manim._config.video_encoder import VideoEncoderSpec
from manim.scene.video_segment_encoder import VideoSegmentEncoder

from lessonkit import heldframes

# x264's output for one input is the same bytes at this size; at 854x480 it was not, once in
# a few runs, with manim's own conversion as with this one (an odd chroma width).
WIDTH, HEIGHT = 256, 144
FORMATS = [("mp4", "libx264", "yuv420p"), ("webm", "libvpx-vp9", "yuva420p"), ("mov", "qtrle", "argb")]


def picture(seed: int) -> np.ndarray:
    pixels = np.random.default_rng(seed).integers(0, 256, (HEIGHT, WIDTH, 4), dtype=np.uint8)
    pixels[HEIGHT // 4:HEIGHT // 2, WIDTH // 4:WIDTH // 2] = (250, 200, 40, 255)
    return pixels


def encode(path, container, codec, pixel_format, write_frame) -> bytes:
    spec = VideoEncoderSpec(container, codec, pixel_format, WIDTH, HEIGHT, Fraction(15), (("crf", "23"),)
                            if codec == "libx264" else ())
    encoder = VideoSegmentEncoder(target=path, spec=spec)
    write_frame(encoder, picture(1))
    write_frame(encoder, picture(2), repeat=20)  # held
    write_frame(encoder, picture(3))
    write_frame(encoder, picture(4), repeat=2)
    encoder.finish()
    return path.read_bytes()


@pytest.mark.parametrize("container, codec, pixel_format", FORMATS)
def test_a_held_frame_is_converted_once_into_the_same_file(tmp_path, monkeypatch, container, codec, pixel_format):
    wrapped = []
    from_ndarray = av.VideoFrame.from_ndarray

    def counting(array, *args, **kwargs):
        wrapped.append(array.shape)
        return from_ndarray(array, *args, **kwargs)

    monkeypatch.setattr(av.VideoFrame, "from_ndarray", counting)
    manims = encode(tmp_path / f"manim.{container}", container, codec, pixel_format,
                    heldframes._manims_write_frame)
    assert len(wrapped) == 1 + 20 + 1 + 2  # manim: once per frame written
    wrapped.clear()
    ours = encode(tmp_path / f"ours.{container}", container, codec, pixel_format,
                  heldframes._write_held_frame_once)
    assert len(wrapped) == 4  # once per picture
    with av.open(str(tmp_path / f"manim.{container}")) as a, av.open(str(tmp_path / f"ours.{container}")) as b:
        theirs, mine = ([frame.to_ndarray(format="rgb24") for frame in movie.decode(video=0)] for movie in (a, b))
    assert len(mine) == len(theirs) == 24
    assert all(np.array_equal(x, y) for x, y in zip(theirs, mine))
    if container != "webm":  # the WebM muxer writes a random segment UID into each file
        assert ours == manims

def test_manims_checks_still_refuse_a_bad_repeat(tmp_path):
    spec = VideoEncoderSpec("mp4", "libx264", "yuv420p", WIDTH, HEIGHT, Fraction(15), ())
    encoder = VideoSegmentEncoder(target=tmp_path / "bad.mp4", spec=spec)
    try:
        for repeat in (0, -3, True, 2.0):
            with pytest.raises((ValueError, TypeError)):
                heldframes._write_held_frame_once(encoder, picture(1), repeat=repeat)
        with pytest.raises(ValueError):
            heldframes._write_held_frame_once(encoder, picture(1)[:, :-2].copy(), repeat=5)
    finally:
        encoder.abort()


def test_installed_for_lesson_scenes():
    from lessonkit.scene import LessonScene

    LessonScene().setup()
    assert VideoSegmentEncoder.write_frame is heldframes._write_held_frame_once
