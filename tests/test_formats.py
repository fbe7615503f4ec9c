"""The clip formats' registry: every entry consistent with PyAV, manim and the decks, and used."""

from __future__ import annotations

import zipfile

import av
import pytest

from lessonkit.config import load_lesson
from lessonkit.deck import write_pptx, write_slides_html
from lessonkit.formats import CLIP_FORMATS, TRANSPARENT_FORMATS, choose_format, format_of
from lessonkit.pipeline import CONVERTERS
from lessonkit.theme import Theme
from tests.conftest import stand_in_deck

FORMATS = list(CLIP_FORMATS.values())


@pytest.mark.parametrize("clip_format", FORMATS, ids=list(CLIP_FORMATS))
def test_each_format_names_real_codecs_and_pixel_formats(clip_format):
    assert CLIP_FORMATS[clip_format.name] is clip_format
    assert format_of(f"clips/01-Scene{clip_format.extension}") is clip_format
    for codec in {clip_format.codec(False), clip_format.codec(True)}:
        assert av.codec.Codec(codec, "w").type == "video"
    if clip_format.audio_codec is not None:
        assert av.codec.Codec(clip_format.audio_codec, "w").type == "audio"
        assert clip_format.audio_bit_rate and clip_format.audio_bit_rate > 0
    else:
        assert clip_format.audio_bit_rate is None
    assert not any(part.is_alpha for part in av.VideoFormat(clip_format.pixels()).components)
    if clip_format.can_be_transparent:
        assert any(part.is_alpha for part in av.VideoFormat(clip_format.pixels(transparent=True)).components)
        assert clip_format.name in TRANSPARENT_FORMATS
    else:
        with pytest.raises(ValueError):
            clip_format.pixels(transparent=True)
        assert clip_format.name not in TRANSPARENT_FORMATS
    with av.open("/dev/null", mode="w", format=clip_format.container):  # PyAV knows the container
        pass


@pytest.mark.parametrize("clip_format", FORMATS, ids=list(CLIP_FORMATS))
def test_what_manim_renders_is_what_the_registry_says(clip_format):
    """manim renders the clip (and its codec and pixels are the registry's); or the clip is
    converted from a format manim renders, by a converter of the pipeline, without sound; or
    it is the rendered video copied into another container (same codec and pixels)."""
    from manim._config.output import OutputFormat, OutputSpec
    from manim._config.video_encoder import _default_profile

    rendered = CLIP_FORMATS[clip_format.render_as]
    assert rendered.render_as == rendered.name
    if clip_format.render_as != clip_format.name:
        assert not clip_format.can_be_transparent
        if clip_format.name in CONVERTERS:
            assert clip_format.audio_codec is None
        else:
            assert (clip_format.video_codec, clip_format.pixel_format) == (rendered.video_codec, rendered.pixel_format)
        return
    for transparent in (False, True) if clip_format.can_be_transparent else (False,):
        spec = OutputSpec(OutputFormat(clip_format.name), transparent, save_sections=True, fallback_to_still=False)
        assert _default_profile(spec) == (clip_format.name, clip_format.codec(transparent),
                                          clip_format.pixels(transparent))


def test_formats_that_join_by_copy_render_what_the_lecture_is():
    lecture = CLIP_FORMATS["mp4"]
    assert lecture.joins_by_copy and lecture.is_video
    for clip_format in FORMATS:
        if clip_format.joins_by_copy:
            rendered = CLIP_FORMATS[clip_format.render_as]
            assert (rendered.name, rendered.video_codec) == (lecture.name, lecture.video_codec)


def test_transparent_is_refused_for_a_format_without_alpha_naming_those_with_it():
    assert choose_format("webm", transparent=True) is CLIP_FORMATS["webm"]
    with pytest.raises(ValueError, match="--transparent needs --format webm or --format mov: mp4"):
        choose_format("mp4", transparent=True)
    with pytest.raises(ValueError, match="unknown clip format 'avi'"):
        choose_format("avi")


def test_the_command_line_offers_every_format():
    from render import build_parser

    action = next(action for action in build_parser()._actions if action.dest == "clip_format")
    assert list(action.choices) == list(CLIP_FORMATS)


@pytest.mark.parametrize("clip_format", FORMATS, ids=list(CLIP_FORMATS))
def test_the_decks_say_each_format_s_mime_type(tmp_path, clip_format):
    manifest = stand_in_deck(tmp_path, clip_format.extension)
    page = write_slides_html(manifest, tmp_path, Theme.from_lesson(load_lesson())).read_text()
    if clip_format.is_video:
        assert f'type="{clip_format.mime_type}"' in page
    else:
        assert '<img class="slide"' in page and "<video" not in page
    with zipfile.ZipFile(write_pptx(manifest, tmp_path)) as deck:
        assert clip_format.mime_type in deck.read("[Content_Types].xml").decode()


def test_the_sound_encoder_takes_each_format_s_options(tmp_path):
    """A clip's sound is encoded with its format's options (MP4 and MOV: AAC's fast coder),
    which its encoder accepts; one it does not accept fails the write."""
    import dataclasses

    import numpy as np

    from lessonkit.video import _AudioWriter

    silence = np.zeros(48_000, dtype=np.float32)
    for clip_format in FORMATS:
        if clip_format.audio_codec is None:
            continue
        with av.open(str(tmp_path / f"sound{clip_format.extension}"), "w", format=clip_format.container) as output:
            _AudioWriter(output, silence, clip_format).finish()
    assert CLIP_FORMATS["mp4"].audio_options == {"aac_coder": "fast"}
    refused = dataclasses.replace(CLIP_FORMATS["mp4"], audio_options={"aac_coder": "no such coder"})
    with av.open(str(tmp_path / "refused.mp4"), "w", format="mp4") as output, pytest.raises(av.error.ArgumentError):
        _AudioWriter(output, silence, refused).finish()
