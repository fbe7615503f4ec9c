"""A held picture is converted for the encoder once; in a preview it is also stored once.

manim writes a still picture (a wait in which nothing moves: the hold after each line of
narration, the end of the closing fade) as one drawn frame with ``repeat=n``. Its encoder,
``VideoSegmentEncoder.write_frame``, then converts that picture and has the codec encode it
``n`` times over. Held frames are most of a lecture's frames: 3129 of 5328 at 480p15.

With :func:`encode_held_frames_once` each held picture is converted once, and:

- By default the codec still encodes it ``n`` times: the file is byte for byte manim's.
- With :func:`store_held_pictures_once` (the pipeline's preview quality), an H.264 held
  picture is stored once: one frame whose timestamp is where the hold starts and whose
  duration is the hold. MP4 gives each frame its own duration, as phones' and screen
  recorders' variable-frame-rate videos do, and players show the picture until the next
  one is due, which comes at the time it always did. ``python scripts/benchmark.py holds``:
  3.9 ms of CPU a held frame at 480p15 before, 0.05 ms after; 23.5 and 0.3 ms at 1080p60.
  manim's partial movies are then joined by :func:`_join_keeping_times`, not by FFmpeg
  recomputing their timestamps (which assumes one picture per frame time).

Why not at every quality: x264 sharpens a picture it is given again and again (each copy
codes what the last one missed, and its macroblock tree spends more on a picture that later
frames reuse). Stored once, the held pictures were less sharp. Against a lossless render of
the same scene, mean PSNR over all frames: KeyFormula at 480p15, 45.4 dB encoded each frame,
42.8 dB stored once; LearningGoal at 1080p60, 48.3 and 45.4 dB (the worst 5% of frames 45.0
and 39.0). A preview is looked at, not kept, and already trades sharpness for time (x264's
"veryfast"); a lecture that is kept is not.

In manim 0.22 a held picture is written only by a frozen wait, which is a partial movie of
its own, so it is that movie's last frame in decode order too, and its duration ends the
MP4 track. :func:`lessonkit.video.probe` reads a video's length (``frames``) from its
duration, and counts what is stored (``stored``).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
from manim import __version__ as manim_version
from manim.scene.scene_file_writer import SceneFileWriter
from manim.scene.video_segment_encoder import VideoSegmentEncoder

from lessonkit.video import timed_packets

_manims_write_frame = VideoSegmentEncoder.write_frame
_manims_finish = VideoSegmentEncoder.finish
_manims_combine_files = SceneFileWriter.combine_files

#: Codecs whose held pictures can be stored once, with the hold as their duration.
HELD_ONCE_CODECS = frozenset({"libx264"})
#: Whether they are (see :func:`store_held_pictures_once`); otherwise each copy is encoded.
_store_once = False


def store_held_pictures_once(enabled: bool) -> None:
    """From now on, in this process, store a held H.264 picture once (``enabled``), or
    encode it for each frame it is held (manim's way, the default)."""
    global _store_once
    _store_once = enabled


def _stores_once(codec: str) -> bool:
    return _store_once and codec in HELD_ONCE_CODECS


def _frame_time_base(encoder: VideoSegmentEncoder) -> Fraction:
    return Fraction(encoder.spec.frame_rate.denominator, encoder.spec.frame_rate.numerator)


def _holds(encoder: VideoSegmentEncoder) -> dict[int, int]:
    """The held pictures not yet muxed: their timestamp (in frames) -> frames held."""
    return encoder.__dict__.setdefault("_lesson_holds", {})


def _mux(encoder: VideoSegmentEncoder, packets) -> None:
    """Mux ``packets``, each lasting the frames its picture is held (one if not held)."""
    holds = _holds(encoder)
    frame_time = _frame_time_base(encoder)
    timed = _stores_once(encoder.spec.codec)
    for packet in packets:
        if timed and packet.pts is not None and packet.time_base is not None:
            at = packet.pts * packet.time_base / frame_time
            held = holds.pop(int(at), 1) if at.denominator == 1 else 1
            packet.duration = round(held * frame_time / packet.time_base)
        encoder._container.mux(packet)


def _write_held_frame_once(encoder: VideoSegmentEncoder, pixels, *, repeat: int = 1) -> None:
    encoder._validate_frame(pixels, repeat)  # manim's checks: a bad repeat or picture is refused
    once = _stores_once(encoder.spec.codec)
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
    if create_gif or includes_sound or encoder is None or not _stores_once(encoder.codec):
        _manims_combine_files(writer, input_files, output_file, create_gif, includes_sound)
        return
    Path(output_file).parent.mkdir(parents=True, exist_ok=True)
    frame_rate = encoder.frame_rate
    with av.open(str(output_file), mode="w") as output:
        output.metadata["comment"] = f"Rendered with Manim Community v{manim_version}"
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


def encode_held_frames_once() -> None:
    """From now on, in this process, manim converts a held picture once; with
    :func:`store_held_pictures_once` it stores a held H.264 picture once (with the hold as
    its duration) and joins partial movies keeping their timestamps."""
    VideoSegmentEncoder.write_frame = _write_held_frame_once
    VideoSegmentEncoder.finish = _finish_with_holds
    SceneFileWriter.combine_files = _join_keeping_times
