"""A held frame converted once makes the same movie as manim's conversion per frame."""

from __future__ import annotations

from pathlib import Path

import pytest
from manim import BLUE, FadeIn, Scene, Square, tempconfig

from lessonkit import holds
from lessonkit.holds import held_frames_converted_once


class HoldingScene(Scene):
    def construct(self):
        square = Square(color=BLUE)
        self.play(FadeIn(square), run_time=0.5)
        self.wait(1)  # nothing moves: manim hands the encoder one picture, repeated
        self.play(square.animate.shift(1.5), run_time=0.5)
        self.wait(0.5)


def render(folder: Path, width: int) -> bytes:
    settings = {"media_dir": str(folder), "pixel_width": width, "pixel_height": width * 9 // 16, "frame_rate": 15,
                "disable_caching": True, "progress_bar": "none", "verbosity": "WARNING"}
    with tempconfig(settings):
        scene = HoldingScene()
        scene.render()
        return Path(scene.manager.file_writer.movie_file_path).read_bytes()


@pytest.mark.parametrize("width", [320, 854])  # 854: an odd half-width for the chroma planes
def test_a_hold_converted_once_gives_the_same_bytes(tmp_path, monkeypatch, width):
    held = []
    write_once = holds._write_held_frame
    monkeypatch.setattr(holds, "_write_held_frame",
                        lambda self, pixels, repeat: (held.append(repeat), write_once(self, pixels, repeat=repeat)))
    manims = render(tmp_path / "manim", width)
    with held_frames_converted_once():
        ours = render(tmp_path / "ours", width)
    assert held and max(held) >= 15, "the scene's waits reached the converted-once path"
    assert ours == manims


def test_manims_encoder_is_restored(tmp_path):
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    before = VideoSegmentEncoder.write_frame
    with pytest.raises(RuntimeError), held_frames_converted_once():
        assert VideoSegmentEncoder.write_frame is not before
        raise RuntimeError("a render that fails")
    assert VideoSegmentEncoder.write_frame is before
