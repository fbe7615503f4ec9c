"""Video files with PyAV (manim's own dependency): probe, join without re-encoding, stills.

No ffmpeg binary is needed. Every writer here writes to a temporary name in the target
folder and renames it into place, so a failed or interrupted run never leaves a
half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Sequence

import av


class VideoError(RuntimeError):
    """A clip that cannot be read or joined."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds, read from its stream (and counted by decoding if asked)."""

    path: Path
    codec: str
    width: int
    height: int
    fps: Fraction
    frames: int
    pix_fmt: str

    @property
    def duration(self) -> float:
        """Seconds, from the frame count and the nominal frame rate."""
        return float(self.frames / self.fps) if self.fps else 0.0


@contextlib.contextmanager
def atomic_path(target: Path | str, suffix: str | None = None) -> Iterator[Path]:
    """A temporary path beside ``target``; renamed onto ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix or target.suffix, dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def probe(path: Path | str, *, decode: bool = False, fps: Fraction | int | None = None) -> VideoInfo:
    """Read a video's stream parameters. ``decode=True`` decodes every frame (proving the
    file plays to its end) and counts them; ``fps`` gives the nominal rate when known
    (the container's average rate is rounded)."""
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            frames = stream.frames
            if decode or not frames:
                frames = sum(1 for _ in container.decode(stream))
            rate = Fraction(fps) if fps is not None else _nominal_rate(stream)
            return VideoInfo(
                path=path,
                codec=stream.codec_context.name,
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                fps=rate,
                frames=frames,
                pix_fmt=stream.codec_context.pix_fmt or "",
            )
    except (av.error.FFmpegError, IndexError) as error:
        raise VideoError(f"cannot read video {path}: {error}") from None


def _nominal_rate(stream) -> Fraction:
    rate = stream.guessed_rate or stream.average_rate or stream.base_rate
    # mp4 timestamps make 15 fps read as 15.0006; manim's rates are whole numbers.
    return Fraction(round(rate)) if rate and abs(rate - round(rate)) < 0.01 else Fraction(rate or 0)


def join_clips(clips: Sequence[Path | str], target: Path | str, fps: Fraction | int) -> VideoInfo:
    """Concatenate ``clips`` into ``target`` by copying packets (no re-encoding).

    All clips must share codec, size and frame rate, as manim's clips of one quality do.
    Each clip's timestamps are shifted by the frame-exact length of the clips before it.
    """
    if not clips:
        raise VideoError("no clips to join")
    fps = Fraction(fps)
    infos = [probe(clip, fps=fps) for clip in clips]
    first = infos[0]
    for info in infos[1:]:
        if (info.codec, info.width, info.height) != (first.codec, first.width, first.height):
            raise VideoError(f"{info.path} ({info.codec} {info.width}x{info.height}) does not match "
                             f"{first.path} ({first.codec} {first.width}x{first.height})")
    with atomic_path(target) as temporary:
        with av.open(str(clips[0])) as template_input, av.open(str(temporary), mode="w") as output:
            template = template_input.streams.video[0]
            out_stream = output.add_stream_from_template(template)
            out_stream.time_base = template.time_base
            time_base = template.time_base
            offset_seconds = Fraction(0)
            last_dts = None
            for info in infos:
                with av.open(str(info.path)) as clip:
                    stream = clip.streams.video[0]
                    if stream.time_base != time_base:
                        raise VideoError(f"{info.path} has time base {stream.time_base}, expected {time_base}")
                    offset = round(offset_seconds / time_base)
                    for packet in clip.demux(stream):
                        if packet.dts is None:
                            continue  # the demuxer's empty flush packet
                        packet.pts += offset
                        packet.dts += offset
                        if last_dts is not None and packet.dts <= last_dts:
                            raise VideoError(f"{info.path}: timestamps would go backwards when joined")
                        last_dts = packet.dts
                        packet.stream = out_stream
                        output.mux(packet)
                offset_seconds += Fraction(info.frames) / fps
    return probe(target, fps=fps)


def frames_at(path: Path | str, seconds: Sequence[float]):
    """PIL images of the frames shown at each time in ``seconds`` (ascending), decoding once.

    A time past the end gives the last frame.
    """
    wanted = sorted(seconds)
    images = []
    last = None
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            time_of_frame = float(frame.pts * stream.time_base)
            while wanted and time_of_frame > wanted[0] + 1e-6:
                images.append((last or frame).to_image())
                wanted.pop(0)
            last = frame
            if not wanted:
                break
    if last is None:
        raise VideoError(f"{path} has no frames")
    images.extend(last.to_image() for _ in wanted)
    return images


def last_frame(path: Path | str):
    """The final frame of a video as a PIL image (what stays on screen when it stops)."""
    return frames_at(path, [float("inf")])[0]


def contact_sheet(images, columns: int = 4, width: int = 480, gap: int = 6, background: str = "#000000"):
    """``images`` tiled into one PIL image, each scaled to ``width`` pixels wide."""
    from PIL import Image

    thumbs = [image.resize((width, round(image.height * width / image.width))) for image in images]
    height = max(thumb.height for thumb in thumbs)
    rows = -(-len(thumbs) // columns)
    sheet = Image.new("RGB", (columns * width + (columns + 1) * gap, rows * height + (rows + 1) * gap), background)
    for index, thumb in enumerate(thumbs):
        row, column = divmod(index, columns)
        sheet.paste(thumb, (gap + column * (width + gap), gap + row * (height + gap)))
    return sheet
