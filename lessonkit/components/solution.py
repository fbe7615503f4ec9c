"""WorkedSolution: a worked solution revealed one line at a time."""

from __future__ import annotations

from typing import Sequence

from manim import DOWN, LEFT, Animation, MathTex, VGroup, Write

from lessonkit.theme import Theme


class WorkedSolution(VGroup):
    """Lines of LaTeX, left-aligned, shown one by one.

    Args:
        lines: One LaTeX string per line, or a sequence of strings for a line whose
            parts should be separate submobjects (to colour one part, say).
        font_size: manim font size (default: the theme's body size).
        max_width: Lines wider than this are shrunk to fit.
        line_buff: Space between lines.
        theme: Colours and sizes.

    Parts: ``lines`` (MathTex each). Nothing is visible until revealed.
    """

    def __init__(
        self,
        lines: Sequence[str | Sequence[str]],
        *,
        font_size: float | None = None,
        max_width: float = 12.5,
        line_buff: float = 0.35,
        theme: Theme | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.theme = theme = theme or Theme.default()
        self.lines = VGroup(*(
            MathTex(*([line] if isinstance(line, str) else line), font_size=font_size or theme.body_size,
                    color=theme.text)
            for line in lines
        ))
        for line in self.lines:
            if line.width > max_width:
                line.scale_to_fit_width(max_width)
        self.lines.arrange(DOWN, aligned_edge=LEFT, buff=line_buff)
        self.add(self.lines)

    def make_reveal_animation(self, index: int, run_time: float = 1.5) -> Animation:
        """Write line ``index``."""
        return Write(self.lines[index], run_time=run_time)



