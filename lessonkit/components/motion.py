"""Moving mobjects so that where they end up does not depend on how they got there.

manim's cache key for an animation includes the exact points of everything on screen.
``move_to`` and ``put_start_and_end_on`` move points relative to where they are, so a
mobject moved once (a cached animation skipped) and one moved every frame (rendered)
end a few ulp apart, and every later animation misses the cache. These helpers set
points absolutely instead.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from manim import Line, Mobject


def placer(mobject: Mobject) -> Callable[[np.ndarray], Mobject]:
    """A function that puts ``mobject``'s centre at a point by rewriting its points from a
    template taken now (so the result depends only on the point)."""
    center = mobject.get_center()
    templates = [(member, member.points - center) for member in mobject.family_members_with_points()]

    def place(point: np.ndarray) -> Mobject:
        for member, relative in templates:
            member.points = relative + np.asarray(point, dtype=float)
        return mobject

    return place


def follow(mobject: Mobject, get_point: Callable[[], np.ndarray]) -> Mobject:
    """Keep ``mobject``'s centre at ``get_point()`` every frame."""
    place = placer(mobject)
    mobject.add_updater(lambda _: place(get_point()))
    place(get_point())
    return mobject


def set_line(line: Line, start: np.ndarray, end: np.ndarray) -> Line:
    """Redraw ``line`` from ``start`` to ``end`` from scratch."""
    line.set_points_as_corners([np.asarray(start, dtype=float), np.asarray(end, dtype=float)])
    return line
