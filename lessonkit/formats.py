"""The clip formats: one entry each, everything the pipeline, the video writers and the
slide decks need to know about a format.

Adding a format is one :class:`ClipFormat` in :data:`CLIP_FORMATS` (plus its case in
``tests/test_formats.py``). This module is a low layer: it imports nothing of the project.

>>> CLIP_FORMATS["webm"].audio_codec
'libopus'
>>> [name for name, clip_format in CLIP_FORMATS.items() if clip_format.can_be_transparent]
['webm', 'mov']
>>> format_of("clips/01-LearningGoal/01-title.gif").mime_type
'image/gif'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from types import MappingProxyType
from typing import Mapping

#: MP4 and MOV put their index (moov) at the front, so a browser or a learning platform
#: starts playing before the download ends; a 48 kHz movie timescale keeps audio and video
#: durations exact (not rounded to milliseconds).
_QUICKTIME_OPTIONS = MappingProxyType({"movflags": "+faststart", "movie_timescale": "48000"})
#: FFmpeg's AAC encoder with its "fast" coder instead of "twoloop": 234 s of the lecture's
#: speech at 128 kb/s took 1.27 s of CPU instead of 2.85 s, at 54 dB SNR instead of 42.
#: Every clip and step encodes its sound, so this was a third of writing them.
_FAST_AAC = MappingProxyType({"aac_coder": "fast"})


@dataclass(frozen=True)
class ClipFormat:
    """One format of the clips and steps: its container, codecs and MIME type.

    ``name`` is also the files' extension and, unless ``muxer`` says otherwise, the
    container PyAV writes. Codec names are
    FFmpeg encoders (``libx264``, ``libopus``); a format with ``alpha_pixel_format`` can
    be rendered transparent, with ``alpha_video_codec`` if that differs from ``video_codec``.
    """

    name: str
    #: The format manim renders the scene in; a different one means the clip is converted from it.
    render_as: str
    video_codec: str
    pixel_format: str
    #: The pixel format with an alpha channel, or None when the format cannot be transparent.
    alpha_pixel_format: str | None
    #: Sound track encoder, or None for a format that carries no sound.
    audio_codec: str | None
    audio_bit_rate: int | None
    #: What slides.html's ``<source type>`` and lecture.pptx's embedded movie say it is.
    mime_type: str
    #: Whether the rendered movies (opaque) join into ``lecture.mp4`` by stream copy; if
    #: not, the clips are re-encoded into it.
    joins_by_copy: bool
    #: The video encoder with alpha, when not ``video_codec``.
    alpha_video_codec: str | None = None
    #: Options of the sound track's encoder.
    audio_options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Options of the container writer (PyAV's ``av.open(..., options=...)``).
    container_options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: FFmpeg's name of the container writer, when it is not ``name`` (``matroska`` for mkv).
    muxer: str | None = None

    @property
    def extension(self) -> str:
        """``.mp4``, ``.webm``, ..."""
        return f".{self.name}"

    @property
    def container(self) -> str:
        """The container writer PyAV opens for this format."""
        return self.muxer or self.name

    @property
    def can_be_transparent(self) -> bool:
        """Whether this format can carry an alpha channel."""
        return self.alpha_pixel_format is not None

    @property
    def is_video(self) -> bool:
        """A video (played by ``<video>``, embedded as a movie) rather than an animated picture."""
        return self.mime_type.startswith("video/")

    def codec(self, transparent: bool = False) -> str:
        """The video encoder, with or without alpha."""
        return (self.alpha_video_codec or self.video_codec) if transparent else self.video_codec

    def pixels(self, transparent: bool = False) -> str:
        """The pixel format, with or without alpha."""
        if transparent and self.alpha_pixel_format is None:
            raise ValueError(f"{self.name} has no alpha channel")
        return self.alpha_pixel_format if transparent else self.pixel_format  # type: ignore[return-value]


#: Every clip format, by name. ``lecture.mp4`` is always ``CLIP_FORMATS["mp4"]``.
CLIP_FORMATS: Mapping[str, ClipFormat] = MappingProxyType({
    "mp4": ClipFormat("mp4", render_as="mp4", video_codec="libx264", pixel_format="yuv420p",
                      alpha_pixel_format=None, audio_codec="aac", audio_bit_rate=128_000,
                      mime_type="video/mp4", joins_by_copy=True, container_options=_QUICKTIME_OPTIONS,
                      audio_options=_FAST_AAC),
    # VP9 keeps alpha in side data; the WebM muxer flags it (AlphaMode) from yuva420p.
    "webm": ClipFormat("webm", render_as="webm", video_codec="libvpx-vp9", pixel_format="yuv420p",
                       alpha_pixel_format="yuva420p", audio_codec="libopus", audio_bit_rate=96_000,
                       mime_type="video/webm", joins_by_copy=False),
    # Made from the MP4 manim renders, with a palette of its own; no sound.
    "gif": ClipFormat("gif", render_as="mp4", video_codec="gif", pixel_format="pal8",
                      alpha_pixel_format=None, audio_codec=None, audio_bit_rate=None,
                      mime_type="image/gif", joins_by_copy=True),
    # Transparent MOV is QuickTime Animation: manim 0.22 cannot join ProRes segments.
    "mov": ClipFormat("mov", render_as="mov", video_codec="libx264", pixel_format="yuv420p",
                      alpha_pixel_format="argb", alpha_video_codec="qtrle", audio_codec="aac",
                      audio_bit_rate=128_000, mime_type="video/quicktime", joins_by_copy=False,
                      container_options=_QUICKTIME_OPTIONS, audio_options=_FAST_AAC),
})

#: The names of the formats that can be transparent, in registry order.
TRANSPARENT_FORMATS: tuple[str, ...] = tuple(name for name, entry in CLIP_FORMATS.items() if entry.can_be_transparent)


def choose_format(name: str, transparent: bool = False) -> ClipFormat:
    """The format called ``name``; ValueError, in one line that says what would do, for an
    unknown one or one that cannot be transparent when ``transparent`` is asked for."""
    if name not in CLIP_FORMATS:
        raise ValueError(f"unknown clip format {name!r}; known: {', '.join(CLIP_FORMATS)}")
    if transparent and not CLIP_FORMATS[name].can_be_transparent:
        choices = " or ".join(f"--format {choice}" for choice in TRANSPARENT_FORMATS)
        raise ValueError(f"--transparent needs {choices}: {name} has no alpha channel, "
                         "so the background would silently be opaque")
    return CLIP_FORMATS[name]


def format_of(path: str | PurePath) -> ClipFormat:
    """The format of a clip file, by its extension; KeyError for one that is no clip format."""
    return CLIP_FORMATS[PurePath(path).suffix.lstrip(".").lower()]
