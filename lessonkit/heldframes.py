"""A held picture is encoded once and shown for as long as it is held.

manim writes a still picture (a wait in which nothing moves: the hold after each line of
narration, the end of the closing fade) as one drawn frame with ``repeat=n``. Its encoder,
``VideoSegmentEncoder.write_frame``, then converts that picture and has the codec encode it
``n`` times over. Held frames are most of a lecture's frames: 3129 of 5328 at 480p15.

With :func:`encode_held_frames_once`:

- In H.264 (MP4, every clip but transparent ones) a held picture is one frame whose
  timestamp is where the hold starts and whose duration is the hold: MP4 gives each
  frame its own duration, as phones' and screen recorders' variable-frame-rate videos do,
  and every player shows the picture until the next one is due. The next frame's
  timestamp is where it always was, so the pictures are shown at the same times.
- Other codecs (VP9, QuickTime Animation) get the converted picture ``n`` times: the
  picture is converted once, the codec still encodes each copy.
- manim joins a scene's partial movies (and each section's) by letting FFmpeg recompute
  their timestamps, which assumes one frame per frame time; :func:`_join_keeping_times`
  instead shifts each partial movie's own timestamps by the length of those before it.

So a video's frame count is not its length in frames: :func:`lessonkit.video.probe`
reads its length (``frames``) from its duration, and counts what is stored (``stored``).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
from manim.scene.scene_file_writer import SceneFileWriter
from manim.scene.video_segment_encoder import VideoSegmentEncoder

from lessonkit.video import timed_packets

_manims_write_frame = VideoSegmentEncoder.write_frame
_manims_finish = VideoSegmentEncoder.finish
_manims_combine_files = SceneFileWriter.combine_files

#: Codecs whose held pictures are stored once, with the hold as their duration.
HELD_ONCE_CODECS = frozenset({"libx264"})


def _frame_time_base(encoder: VideoSegmentEncoder) -> Fraction:
    return Fraction(encoder.spec.frame_rate.denominator, encoder.spec.frame_rate.numerator)


def _holds(encoder: VideoSegmentEncoder) -> dict[int, int]:
    """The held pictures not yet muxed: their timestamp (in frames) -> frames held."""
    return encoder.__dict__.setdefault("_lesson_holds", {})


def _mux(encoder: VideoSegmentEncoder, packets) -> None:
    """Mux ``packets``, each lasting the frames its picture is held (one if not held)."""
    holds = _holds(encoder)
    frame_time = _frame_time_base(encoder)
    timed = encoder.spec.codec in HELD_ONCE_CODECS
    for packet in packets:
        if timed and packet.pts is not None and packet.time_base is not None:
            at = packet.pts * packet.time_base / frame_time
            held = holds.pop(int(at), 1) if at.denominator == 1 else 1
            packet.duration = round(held * frame_time / packet.time_base)
        encoder._container.mux(packet)


def _write_held_frame_once(encoder: VideoSegmentEncoder, pixels, *, repeat: int = 1) -> None:
    encoder._validate_frame(pixels, repeat)  # manim's checks: a bad repeat or picture is refused
    once = encoder.spec.codec in HELD_ONCE_CODECS
    if repeat == 1 and not once:
        _manims_write_frame(encoder, pixels, repeat=repeat)
        return
    time_base = _frame_time_base(encoder)
    codec = encoder._stream.codec_context
    try:
        # What the codec would do to each copy (PyAV converts a frame whose format or size
        # is not the codec's), done once.
        frame = av.VideoFrame.from_ndarray(pixels, format="rgba").reformat(
            codec.width, codec.height, codec.format.name, threads=codec.thread_count)
        for frames_shown in [repeat] if once else [1] * repeat:
            frame.pts = encoder._next_pts
            frame.time_base = time_base
            if once:
                _holds(encoder)[encoder._next_pts] = frames_shown
            encoder._next_pts += frames_shown
            _mux(encoder, encoder._stream.encode(frame))
    except BaseException as error:
        raise encoder._operation_error("encode", error) from error


def _finish_with_holds(encoder: VideoSegmentEncoder) -> None:
    """manim's ``finish``, the frames the codec still holds muxed with their durations."""
    if encoder._closed:
        return
    encoder._closed = True
    first_error: Exception | None = None
    try:
        try:
            _mux(encoder, encoder._stream.encode())
        except Exception as error:
            first_error = error
    finally:
        try:
            encoder._container.close()
        except Exception as error:
            if first_error is None:
                first_error = error
    if first_error is not None:
        raise encoder._operation_error("finish", first_error) from first_error


def _join_keeping_times(writer: SceneFileWriter, input_files: list[str], output_file: Path,
                        create_gif: bool = False, includes_sound: bool = False) -> None:
    """manim's ``combine_files`` for silent H.264 (MP4 or MOV): each partial movie's
    packets, shifted by the length of the ones before it (the end of its last frame, held
    or not)."""
    encoder = writer.video_encoder
    if create_gif or includes_sound or encoder is None or encoder.codec not in HELD_ONCE_CODECS:
        _manims_combine_files(writer, input_files, output_file, create_gif, includes_sound)
        return
    Path(output_file).parent.mkdir(parents=True, exist_ok=True)
    frame_rate = encoder.frame_rate
    with av.open(str(output_file), mode="w") as output:
        output.metadata["comment"] = f"Rendered with Manim Community v{_manim_version()}"
        out_stream = None
        offset = 0
        last_dts = None
        for path in input_files:
            with av.open(str(path)) as movie:
                stream = movie.streams.video[0]
                if out_stream is None:
                    out_stream = output.add_stream_from_template(stream)
                    out_stream.time_base = time_base = stream.time_base
                elif stream.time_base != time_base:
                    raise ValueError(f"{path} has time base {stream.time_base}, expected {time_base}")
                [packets] = timed_packets(movie, [stream], frame_rate)
                if not packets:
                    continue
                start = min(packet.pts for packet in packets)
                end = max(packet.pts + packet.duration for packet in packets)
                for packet in packets:
                    packet.pts += offset - start
                    packet.dts += offset - start
                    # A partial movie's first packets are decoded before they are shown
                    # (B-frames): after a short last frame they may fall on the previous
                    # movie's final decode time; one tick later is as good.
                    if last_dts is not None and packet.dts <= last_dts:
                        packet.dts = last_dts + 1
                    last_dts = packet.dts
                    packet.stream = out_stream
                    output.mux(packet)
                offset += end - start


def _manim_version() -> str:
    from manim import __version__

    return __version__


def encode_held_frames_once() -> None:
    """From now on, in this process, manim encodes a held H.264 picture once (with the
    hold as its duration), converts other held pictures once, and joins partial movies
    keeping their timestamps."""
    VideoSegmentEncoder.write_frame = _write_held_frame_once
    VideoSegmentEncoder.finish = _finish_with_holds
    SceneFileWriter.combine_files = _join_keeping_times
