"""ZoomInset: a magnifying glass for a move too small to see.

In a scene's ``construct()``, with ``ball`` a :class:`BallOnSurface` whose ball barely moves::

    close_up = ball.get_close_up(width=3)          # the same ball, redrawn 500 times larger
    close_up.next_to(ball, DOWN)
    inset = ZoomInset(ball.ball, close_up, theme=self.theme)
    self.play(inset.make_open_animation())
    self.play(ball.make_push_animation(), close_up.make_push_animation())
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, AnimationGroup, Create, FadeIn, Line, Mobject, Rectangle, VGroup

from lessonkit.theme import AXIS_STROKE, Theme


def _corners(box: Rectangle) -> dict[str, np.ndarray]:
    return {"ul": box.get_corner(UP + LEFT), "ur": box.get_corner(UP + RIGHT),
            "dl": box.get_corner(DOWN + LEFT), "dr": box.get_corner(DOWN + RIGHT)}


def facing_corners(source: Rectangle, target: Rectangle) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two pairs of corners that join ``source`` to ``target`` along their facing
    sides, so that the two joining lines run outside both boxes."""
    a, b = _corners(source), _corners(target)
    offset = target.get_center() - source.get_center()
    if abs(offset[0]) * source.height >= abs(offset[1]) * source.width:  # side by side
        pairs = (("ur", "ul"), ("dr", "dl")) if offset[0] > 0 else (("ul", "ur"), ("dl", "dr"))
    else:  # one above the other
        pairs = (("dl", "ul"), ("dr", "ur")) if offset[1] < 0 else (("ul", "dl"), ("ur", "dr"))
    return [(a[near], b[far]) for near, far in pairs]


class ZoomInset(VGroup):
    """A small box marking a spot, a panel around a view of that spot drawn larger, and
    two lines from the box to the panel: what a zoomed camera shows, built from
    mobjects, so that the view is drawn afresh at its own scale (sharp, with normal line
    widths and dot sizes) rather than blown up.

    Args:
        spot: The mobject, or piece of the picture, being magnified; the marker box is
            drawn around it (at least ``marker_size`` wide and tall).
        view: The magnified picture, already built and placed where the panel goes.
        caption: Optional words or formula under the panel (e.g. the zoom factor).
        marker_size: Smallest side of the marker box, so that a tiny spot stays visible.
        buff: Space between the view and the panel's edge.
        theme: Colours.

    Parts: ``marker``, ``panel``, ``connectors``, ``view``, ``caption`` (or None).
    """

    def __init__(
        self,
        spot: Mobject,
        view: Mobject,
        *,
        caption: Mobject | None = None,
        marker_size: float = 0.45,
        buff: float = 0.2,
        color: str | None = None,
        theme: Theme | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if not marker_size > 0:
            raise ValueError(f"marker_size must be positive, got {marker_size!r}")
        theme = theme or Theme.default()
        color = color or theme.highlight
        self.marker = Rectangle(width=max(spot.width + 0.1, marker_size), height=max(spot.height + 0.1, marker_size),
                                color=color, stroke_width=AXIS_STROKE).move_to(spot.get_center())
        self.panel = Rectangle(width=view.width + 2 * buff, height=view.height + 2 * buff, color=color,
                               stroke_width=AXIS_STROKE).move_to(view.get_center())
        if self.marker_overlaps_panel():
            raise ValueError("the view must be placed clear of the spot it magnifies")
        self.connectors = VGroup(*(Line(start, end, color=color, stroke_width=AXIS_STROKE, stroke_opacity=0.7)
                                   for start, end in facing_corners(self.marker, self.panel)))
        self.view = view
        self.caption = caption
        if caption is not None:
            caption.next_to(self.panel, DOWN, buff=0.15)
        self.add(self.marker, self.connectors, self.panel, view, *([caption] if caption is not None else []))

    def marker_overlaps_panel(self) -> bool:
        low_a, high_a = self.marker.get_corner(DOWN + LEFT), self.marker.get_corner(UP + RIGHT)
        low_b, high_b = self.panel.get_corner(DOWN + LEFT), self.panel.get_corner(UP + RIGHT)
        return bool(np.all(low_a[:2] < high_b[:2]) and np.all(low_b[:2] < high_a[:2]))

    def make_open_animation(self, run_time: float = 1.5) -> AnimationGroup:
        """Mark the spot, draw the lines out to the panel, then show the view in it."""
        parts = [Create(self.marker), Create(self.connectors), Create(self.panel), FadeIn(self.view)]
        if self.caption is not None:
            parts.append(FadeIn(self.caption))
        return AnimationGroup(*parts, lag_ratio=0.4, run_time=run_time)
