"""Video files with PyAV (manim's own dependency): probe, join without re-encoding, stills.

No ffmpeg binary is needed. Every writer here writes to a temporary name in the target
folder and renames it into place, so a failed or interrupted run never leaves a
half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Sequence

import av

from lessonkit.formats import CLIP_FORMATS, ClipFormat, format_of


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
    #: Its length in frames at ``fps`` (a held picture counts for every frame it is held).
    frames: int
    pix_fmt: str
    #: The pictures stored in it (a held picture once).
    stored: int = 0

    @property
    def duration(self) -> float:
        """Seconds, from the frame count and the nominal frame rate."""
        return float(self.frames / self.fps) if self.fps else 0.0


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


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
        # mkstemp makes files 0600 whatever the umask; outputs get the usual mode.
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_folder(target: Path | str, keep: Sequence[str] = ()) -> Iterator[Path]:
    """A new folder beside ``target`` to build a whole set of outputs in, swapped in for
    ``target`` only if the block succeeds, so readers see the old set or the new one,
    never a mix. Files of the old set named in ``keep`` are carried over; everything else
    of the old set goes. A folder left by a killed run (no process holds its lock) is
    removed the next time one is built beside it."""
    import fcntl
    import shutil

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in target.parent.glob(f".{target.name}.*-*"):
        with contextlib.suppress(OSError), open(leftover / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            shutil.rmtree(leftover, ignore_errors=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    os.chmod(building, 0o777 & ~current_umask())
    lock = open(building / ".lock", "a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        yield building
        replaced = None
        if target.is_dir():
            for name in keep:
                if (target / name).exists() and not (building / name).exists():
                    os.replace(target / name, building / name)
            replaced = Path(tempfile.mkdtemp(prefix=f".{target.name}.replaced-", dir=target.parent))
            os.replace(target, replaced / target.name)
        (building / ".lock").unlink()
        os.replace(building, target)
        if replaced is not None:
            shutil.rmtree(replaced, ignore_errors=True)
    finally:
        lock.close()
        shutil.rmtree(building, ignore_errors=True)


def probe(path: Path | str, *, decode: bool = False, fps: Fraction | int | None = None) -> VideoInfo:
    """Read a video's stream parameters. ``decode=True`` decodes every frame (proving the
    file plays to its end) and counts them; ``fps`` gives the nominal rate when known
    (the container's average rate is rounded).

    ``frames`` is the video's length in frames at that rate: an H.264 video stores a held
    picture once, lasting as long as it is held (see :mod:`lessonkit.heldframes`), so its
    length comes from its duration; ``stored`` counts the pictures in it."""
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stored = stream.frames
            if decode or not stored:
                stored = sum(1 for _ in container.decode(stream))
            rate = Fraction(fps) if fps is not None else _nominal_rate(stream)
            frames = stored
            if stream.codec_context.name == "h264" and stream.duration and stream.time_base and rate:
                frames = round(stream.duration * stream.time_base * rate)
            return VideoInfo(
                path=path,
                codec=stream.codec_context.name,
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                fps=rate,
                frames=frames,
                pix_fmt=stream.codec_context.pix_fmt or "",
                stored=stored,
            )
    except (av.error.FFmpegError, IndexError) as error:
        raise VideoError(f"cannot read video {path}: {error}") from None


def check_whole(path: Path | str) -> int:
    """Prove that a video file is whole, for a fraction of what decoding it costs: read every
    packet of its video stream (a file cut short holds fewer than its index lists), and
    decode the pictures from its last keyframe to its end. The number of pictures stored
    (a held picture once, see :mod:`lessonkit.heldframes`); VideoError
    if the file is not whole.

    Decoding every frame of the lecture at 1080p60 took about 2.3 ms of CPU a frame (50 s
    of a 1080p60 render's CPU), and proved little more: FFmpeg's H.264 decoder conceals a
    damaged packet instead of failing."""
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            packets = 0
            tail: list = []  # the packets from the last keyframe on
            for packet in container.demux(stream):
                if not packet.size:
                    continue  # the demuxer's closing empty packet
                packets += 1
                if packet.is_keyframe:
                    tail = []
                tail.append(packet)
            listed = stream.frames
            if not packets or (listed and packets != listed) or not tail or not tail[0].is_keyframe:
                raise VideoError(f"cannot read video {path}: {packets} of its {listed or '?'} frames are in it")
            decoded = sum(len(stream.codec_context.decode(packet)) for packet in tail)
            decoded += len(stream.codec_context.decode(None))
            if decoded != len(tail):
                raise VideoError(f"cannot read video {path}: its last {len(tail)} frames decode to {decoded}")
            return packets
    except (av.error.FFmpegError, IndexError) as error:
        raise VideoError(f"cannot read video {path}: {error}") from None


def timed_packets(container, streams, fps: Fraction | int | None = None) -> list[list]:
    """The packets of each of ``streams`` (the first a video stream), in decode order; an
    H.264 video's each with the time its picture is shown as its duration.

    A demuxed MP4 packet's duration is the gap to the next packet's decode time, which
    B-frames reorder and which says nothing of a held picture (see
    :mod:`lessonkit.heldframes`): copied as it is, it would end a file at the wrong time.
    Here each picture lasts until the next one in presentation order, and the last one
    until the stream's end, a whole number of frames at ``fps`` (default: the stream's
    nominal rate) as the container records it."""
    streams = list(streams)
    found: dict[int, list] = {stream.index: [] for stream in streams}
    for packet in container.demux(*streams):
        if packet.dts is not None and packet.size:
            found[packet.stream.index].append(packet)
    video = streams[0]
    packets = found[video.index]
    rate = Fraction(fps) if fps is not None else _nominal_rate(video)
    if packets and video.codec_context.name == "h264" and video.duration and rate:
        shown = sorted(packets, key=lambda packet: packet.pts)
        frame = 1 / (rate * video.time_base)  # ticks a frame
        end = shown[0].pts + round(round(video.duration / frame) * frame)
        for packet, following in zip(shown, shown[1:]):
            packet.duration = following.pts - packet.pts
        shown[-1].duration = max(1, end - shown[-1].pts)
    return [found[stream.index] for stream in streams]


def _nominal_rate(stream) -> Fraction:
    rate = stream.guessed_rate or stream.average_rate or stream.base_rate
    # mp4 timestamps make 15 fps read as 15.0006; manim's rates are whole numbers.
    return Fraction(round(rate)) if rate and abs(rate - round(rate)) < 0.01 else Fraction(rate or 0)


#: Colour tags written into H.264's own headers, so QuickTime and Keynote do not guess:
#: BT.709 primaries and transfer (the sRGB colours manim draws in), limited range, and the
#: matrix the pixels were really converted with (FFmpeg's default, BT.601 / SMPTE 170M).
#: Tagging the matrix BT.709 without converting with it would shift every colour.
COLOUR_TAGS = (1, 1, 6)  # primaries, transfer, matrix (ISO/IEC 23091-2 code points)
H264_COLOUR_FILTER = ("h264_metadata=colour_primaries={}:transfer_characteristics={}:matrix_coefficients={}"
                      ":video_full_range_flag=0").format(*COLOUR_TAGS)


def _copy_video_stream(template, output):
    """An output stream copying ``template``'s packets, tagged BT.709 when it is H.264;
    the bitstream filter that writes the tags (or None)."""
    out_stream = output.add_stream_from_template(template)
    out_stream.time_base = template.time_base
    tagger = None
    if template.codec_context.name == "h264":
        tagger = av.bitstream.BitStreamFilterContext(H264_COLOUR_FILTER, template, out_stream)
        # After the filter (it resets the stream's parameters): the container's colour box too.
        context = out_stream.codec_context
        context.color_primaries, context.color_trc, context.colorspace = COLOUR_TAGS
        context.color_range = 1
    if template.codec_context.name == "vp9" and template.metadata.get("alpha_mode") == "1":
        # The WebM muxer writes its AlphaMode flag (which browsers need) from the pixel format.
        out_stream.codec_context.pix_fmt = CLIP_FORMATS["webm"].pixels(transparent=True)
    return out_stream, tagger


def join_clips(clips: Sequence[Path | str], target: Path | str, fps: Fraction | int,
               audio: "np.ndarray | None" = None, copy_audio: bool = False) -> VideoInfo:
    """Concatenate ``clips`` into ``target`` by copying packets (no re-encoding), with
    ``audio`` (mono float samples at :data:`lessonkit.audio.RATE`) as its sound track, or
    with ``copy_audio`` the clips' own sound, copied too.

    All clips must share codec, size and frame rate, as manim's clips of one quality do.
    Each clip's timestamps are shifted by the frame-exact length of the clips before it.
    Joining one clip is how a silent clip gets its sound. Audio packets are interleaved
    with the video's as they are written, and MP4/MOV files get their index at the front.

    Copied sound must be whole AAC frames per clip (:data:`lessonkit.audio.AAC_FRAME`):
    each clip's frames then follow the last clip's with no gap or overlap. A clip's first
    packet primes the decoder (it starts a frame early); past the first clip it is left
    out, and its neighbour's last frame primes instead: the joins are silent, where
    the scenes fade, so no one hears the difference.
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
    target = Path(target)
    clip_format = format_of(target)
    with atomic_path(target) as temporary:
        with (av.open(str(clips[0])) as template_input,
              av.open(str(temporary), mode="w", format=clip_format.container,
                      options=dict(clip_format.container_options)) as output):
            template = template_input.streams.video[0]
            out_stream, tagger = _copy_video_stream(template, output)
            sound = _AudioWriter(output, audio, clip_format) if audio is not None else None
            copied = None
            if copy_audio:
                if not template_input.streams.audio:
                    raise VideoError(f"{clips[0]} has no sound to copy")
                copied = output.add_stream_from_template(template_input.streams.audio[0])
                copied.time_base = template_input.streams.audio[0].time_base
            time_base = template.time_base
            offset_seconds = Fraction(0)
            last_dts = None
            for number, info in enumerate(infos):
                with av.open(str(info.path)) as clip:
                    stream = clip.streams.video[0]
                    if stream.time_base != time_base:
                        raise VideoError(f"{info.path} has time base {stream.time_base}, expected {time_base}")
                    offset = round(offset_seconds / time_base)
                    streams = [stream]
                    if copied is not None:
                        streams.append(_sound_to_copy(clip, info, copied, fps))
                    packets, *copied_sound = timed_packets(clip, streams, fps)
                    sounds: deque = deque()
                    for packet in copied_sound[0] if copied_sound else []:
                        if packet.pts < 0 and number:
                            continue  # the priming frame: the previous clip's last frame primes
                        shift = round(offset_seconds / copied.time_base)
                        packet.pts += shift
                        packet.dts += shift
                        packet.stream = copied
                        sounds.append(packet)
                    for packet in packets:
                        packet.pts += offset
                        packet.dts += offset
                        if last_dts is not None and packet.dts <= last_dts:
                            # A clip's first packets are decoded before they are shown
                            # (B-frames): after a held picture they may fall on the last
                            # clip's final decode time, one tick later is as good.
                            if packet.pts <= last_dts:
                                raise VideoError(f"{info.path}: timestamps would go backwards when joined")
                            packet.dts = last_dts + 1
                        last_dts = packet.dts
                        if sound is not None:
                            sound.write_until(float(packet.dts * time_base) + 0.5)
                        while sounds and sounds[0].dts * copied.time_base <= packet.dts * time_base + Fraction(1, 2):
                            output.mux(sounds.popleft())
                        for tagged in tagger.filter(packet) if tagger else [packet]:
                            tagged.stream = out_stream
                            output.mux(tagged)
                    for packet in sounds:
                        output.mux(packet)
                offset_seconds += Fraction(info.frames) / fps
            for tagged in tagger.filter(None) if tagger else []:
                tagged.stream = out_stream
                output.mux(tagged)
            if sound is not None:
                sound.finish()
    return probe(target, fps=fps)


def _sound_to_copy(clip, info: VideoInfo, copied, fps: Fraction):
    """``clip``'s sound stream, checked to match ``copied`` and to last exactly as long as
    its video in whole AAC frames (else joined clips' sound would drift from their pictures)."""
    from lessonkit.audio import AAC_FRAME

    if not clip.streams.audio:
        raise VideoError(f"{info.path} has no sound to copy")
    stream = clip.streams.audio[0]
    if (stream.codec_context.name, stream.rate, stream.time_base) != (
            copied.codec_context.name, copied.rate, copied.time_base):
        raise VideoError(f"{info.path}'s sound ({stream.codec_context.name}, {stream.rate} Hz) does not match "
                         f"the first clip's ({copied.codec_context.name}, {copied.rate} Hz)")
    samples = Fraction(info.frames) / fps * stream.rate
    if samples.denominator != 1 or samples % AAC_FRAME or stream.duration != samples / stream.time_base / stream.rate:
        raise VideoError(f"{info.path}'s sound is not whole AAC frames as long as its video "
                         f"({stream.duration} in {stream.time_base}, video {info.frames} frames at {fps} fps)")
    return stream


class _AudioWriter:
    """Encodes a mono track into ``output`` bit by bit, so its packets interleave with the video's."""

    def __init__(self, output, samples: "np.ndarray", clip_format: ClipFormat) -> None:
        from lessonkit.audio import RATE

        if clip_format.audio_codec is None:
            raise VideoError(f"{clip_format.name} carries no sound")
        self.output, self.samples, self.rate, self.written = output, samples, RATE, 0
        self.stream = output.add_stream(clip_format.audio_codec, rate=RATE, layout="mono",
                                        options=dict(clip_format.audio_options))
        self.stream.bit_rate = clip_format.audio_bit_rate

    def write_until(self, seconds: float) -> None:
        import numpy as np

        end = min(len(self.samples), int(seconds * self.rate))
        block = 4800
        while self.written < end:
            chunk = np.ascontiguousarray(self.samples[self.written:self.written + block], dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = self.rate, self.written, Fraction(1, self.rate)
            self.written += len(chunk)
            self.output.mux(self.stream.encode(frame))

    def finish(self) -> None:
        self.write_until(len(self.samples) / self.rate + 1)
        self.output.mux(self.stream.encode(None))


def has_alpha(path: Path | str) -> bool:
    """Whether a video stores transparency (VP9 keeps it in side data, flagged ``alpha_mode``)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.metadata.get("alpha_mode") == "1":
            return True
        return any(component.is_alpha for component in av.VideoFormat(stream.codec_context.pix_fmt).components)


def decode(path: Path | str, *, near_end: bool = False) -> Iterator[tuple[float, "av.VideoFrame"]]:
    """(seconds, frame) for every frame. Transparent VP9 is decoded with libvpx, which
    (unlike FFmpeg's own VP9 decoder) returns the alpha plane. ``near_end`` starts at the
    keyframe before the last second instead of the beginning (for the last frame)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if near_end and stream.duration and stream.time_base:
            start = stream.start_time or 0
            target = max(start, start + stream.duration - int(1 / stream.time_base))
            container.seek(target, stream=stream, backward=True, any_frame=False)
        if stream.codec_context.name == "vp9" and stream.metadata.get("alpha_mode") == "1":
            decoder = av.CodecContext.create("libvpx-vp9", "r")
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                for frame in decoder.decode(packet):
                    yield float(packet.pts * stream.time_base), frame
            return
        for frame in container.decode(stream):
            yield float(frame.pts * stream.time_base), frame


def shown_frames(path: Path | str, fps: Fraction | int | None = None) -> Iterator["av.VideoFrame"]:
    """The picture on screen at each frame time (at ``fps``, default the video's nominal
    rate), from the first to the last: a held picture, stored once, once per frame held."""
    info = probe(path, fps=fps)
    previous, start = None, 0
    for seconds, frame in decode(path):
        index = round(Fraction(seconds) * info.fps)
        if previous is not None:
            for _ in range(max(1, index - start)):
                yield previous
        previous, start = frame, index
    if previous is not None:
        for _ in range(max(1, info.frames - start)):
            yield previous


def frame_rgba(frame: "av.VideoFrame"):
    """A frame as an (height, width, 4) uint8 RGBA array.

    PyAV's own conversion to ``rgba`` corrupts the heap for widths such as 854 (seen with
    PyAV 16), so colour goes through ``rgb24`` and alpha is read from the frame itself.
    """
    import numpy as np

    name = frame.format.name
    if name in ("argb", "rgba", "bgra", "abgr"):
        native = frame.to_ndarray()
        order = {"argb": [1, 2, 3, 0], "rgba": [0, 1, 2, 3], "bgra": [2, 1, 0, 3], "abgr": [3, 2, 1, 0]}[name]
        return np.ascontiguousarray(native[..., order])
    rgb = frame.reformat(format="rgb24").to_ndarray()
    alpha = np.full(rgb.shape[:2] + (1,), 255, dtype=np.uint8)
    if name.startswith("yuva"):
        plane = frame.planes[3]
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
        alpha = rows[:, : plane.width, None].copy()
    return np.concatenate([rgb, alpha], axis=2)


def frames_at(path: Path | str, seconds: Sequence[float], *, alpha: bool = False, near_end: bool = False):
    """PIL images of the frames shown at each time in ``seconds`` (ascending), decoding once.

    A time past the end gives the last frame. ``alpha=True`` keeps transparency (RGBA).
    """
    from PIL import Image

    def image(frame) -> "Image.Image":
        if alpha:
            return Image.fromarray(frame_rgba(frame), "RGBA")
        return Image.fromarray(frame.reformat(format="rgb24").to_ndarray(), "RGB")

    wanted = sorted(seconds)
    images = []
    last = None
    for time_of_frame, frame in decode(path, near_end=near_end):
        while wanted and time_of_frame > wanted[0] + 1e-6:
            images.append(image(last or frame))
            wanted.pop(0)
        last = frame
        if not wanted:
            break
    if last is None:
        raise VideoError(f"{path} has no frames")
    images.extend(image(last) for _ in wanted)
    return images


def last_frame(path: Path | str, *, alpha: bool = False):
    """The final frame of a video as a PIL image (what stays on screen when it stops)."""
    return frames_at(path, [float("inf")], alpha=alpha, near_end=True)[0]


def to_gif(source: Path | str, target: Path | str, *, max_width: int = 960, max_fps: int = 20) -> None:
    """Convert a video to an animated GIF with a palette made for it (as manim does),
    at most ``max_width`` pixels wide and ``max_fps`` frames a second to keep it small."""
    with av.open(str(source)) as container, atomic_path(target) as temporary:
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if width > max_width:
            width, height = max_width, round(height * max_width / width / 2) * 2
        fps = min(max_fps, round(stream.average_rate or max_fps))
        gif = CLIP_FORMATS["gif"]
        with av.open(str(temporary), mode="w", format=gif.container) as output:
            out_stream = output.add_stream(gif.video_codec, rate=fps)
            out_stream.width, out_stream.height, out_stream.pix_fmt = width, height, gif.pixel_format
            graph = av.filter.Graph()
            chain = [graph.add_buffer(template=stream), graph.add("fps", str(fps)),
                     graph.add("scale", f"{width}:{height}:flags=lanczos"), graph.add("split")]
            for left, right in zip(chain, chain[1:]):
                left.link_to(right)
            palette = graph.add("palettegen", "stats_mode=diff")
            use = graph.add("paletteuse", "dither=bayer:bayer_scale=5:diff_mode=rectangle")
            sink = graph.add("buffersink")
            chain[-1].link_to(palette, 0, 0)
            chain[-1].link_to(use, 1, 0)
            palette.link_to(use, 0, 1)
            use.link_to(sink)
            graph.configure()
            for frame in container.decode(stream):
                graph.push(frame)
            graph.push(None)
            count = 0
            while True:
                try:
                    frame = graph.pull()
                except (av.error.EOFError, av.error.BlockingIOError):
                    break
                frame.pts, frame.time_base = count, Fraction(1, fps)
                count += 1
                output.mux(out_stream.encode(frame))
            output.mux(out_stream.encode())


def transcode_to_mp4(clips: Sequence[Path | str], target: Path | str, fps: Fraction | int,
                     background: str = "#000000", audio: "np.ndarray | None" = None) -> VideoInfo:
    """Join ``clips`` of any format into one H.264 MP4, re-encoding (the path for WebM, MOV
    or transparent clips); transparent pixels are laid over ``background``; ``audio`` is
    its sound track (mono float samples)."""
    import numpy as np

    fps = Fraction(fps)
    mp4 = CLIP_FORMATS["mp4"]
    back = np.array([int(background[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)
    with atomic_path(target) as temporary:
        with av.open(str(temporary), mode="w", options=dict(mp4.container_options)) as output:
            stream = None
            sound = None
            count = 0
            for clip in clips:
                for frame in shown_frames(clip, fps):
                    rgba = frame_rgba(frame).astype(np.float32)
                    alpha = rgba[..., 3:4] / 255.0
                    rgb = (rgba[..., :3] * alpha + back * (1 - alpha)).round().astype(np.uint8)
                    if stream is None:
                        stream = output.add_stream(mp4.video_codec, rate=fps, options={"crf": "23"})
                        stream.width, stream.height, stream.pix_fmt = rgb.shape[1], rgb.shape[0], mp4.pixel_format
                        context = stream.codec_context
                        context.color_primaries, context.color_trc, context.colorspace = COLOUR_TAGS
                        context.color_range = 1
                        if audio is not None:
                            sound = _AudioWriter(output, audio, mp4)
                    video_frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                    video_frame.pts, video_frame.time_base = count, 1 / fps
                    if sound is not None:
                        sound.write_until(float(count / fps) + 0.5)
                    count += 1
                    output.mux(stream.encode(video_frame))
            if stream is None:
                raise VideoError("no frames to transcode")
            output.mux(stream.encode())
            if sound is not None:
                sound.finish()
    return probe(target, fps=fps)


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
