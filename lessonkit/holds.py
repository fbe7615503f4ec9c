"""Held frames converted to the video's pixel format once, not once per frame.

A frozen ``wait`` (a beat holding its picture until its speech ends) hands manim's
encoder one picture and a repeat count. manim's :class:`VideoSegmentEncoder` makes an RGBA
frame of it and converts it to YUV again for every repeated frame; at 1080p60 that is
several milliseconds a frame of a hold that may last seconds. :func:`held_frames_converted_once`
converts it once and encodes the same YUV frame at each time. The encoder receives the
same pixels either way, so the files are byte for byte the same (``tests/test_pipeline.py``).

>>> with held_frames_converted_once():
...     pass  # render here
"""

from __future__ import annotations

import contextlib
from fractions import Fraction
from typing import Iterator

#: Pixel formats converted once; others go through manim's own loop.
CONVERTED_ONCE = ("yuv420p",)


def _write_held_frame(self, pixels, *, repeat: int = 1) -> None:
    """:meth:`VideoSegmentEncoder.write_frame`, converting ``pixels`` once for all ``repeat``."""
    import av

    self._validate_frame(pixels, repeat)
    time_base = Fraction(self.spec.frame_rate.denominator, self.spec.frame_rate.numerator)
    try:
        frame = av.VideoFrame.from_ndarray(pixels, format="rgba").reformat(format=self.spec.pixel_format)
        for _ in range(repeat):
            # The codec keeps its own reference to what it was sent; the next time stamp
            # is set on this frame only after that.
            frame.pts, frame.time_base = self._next_pts, time_base
            self._next_pts += 1
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
    except BaseException as error:
        raise self._operation_error("encode", error) from error


@contextlib.contextmanager
def held_frames_converted_once() -> Iterator[None]:
    """While open, manim's encoder converts a held frame (a repeat count above 1) to its
    pixel format once."""
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    manims = VideoSegmentEncoder.write_frame

    def write_frame(self, pixels, *, repeat: int = 1) -> None:
        if repeat > 1 and self.spec.pixel_format in CONVERTED_ONCE:
            return _write_held_frame(self, pixels, repeat=repeat)
        return manims(self, pixels, repeat=repeat)

    VideoSegmentEncoder.write_frame = write_frame
    try:
        yield
    finally:
        VideoSegmentEncoder.write_frame = manims
