"""FadeAway: manim's ``FadeOut(*mobjects)`` without its two copies of them.

``FadeOut`` is a ``Transform``: when it begins it deep-copies what it fades twice (where
it starts and a faded target) and then interpolates every point and colour of the three
each frame. Fading out a whole scene that way, as every scene's closing does, took about
a tenth of a 480p15 scene's render. Fading out moves only the opacities, so this
animation keeps the colour arrays each part has when it begins and writes them back with
their opacities scaled, computed as ``FadeOut``'s interpolation computes them::

    self.play(FadeAway(*self.mobjects), run_time=0.6)

It fades vectorized mobjects (shapes, text and formulas) and leaves the parts manim does
not draw (a ``ValueTracker``) as they are. For point clouds, images and mobjects with
updaters, :func:`fade_away` returns manim's ``FadeOut``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import Animation, FadeOut, Group, Mobject, PMobject, VMobject
from manim.mobject.types.image_mobject import AbstractImageMobject
from manim.utils.bezier import interpolate

#: The colour arrays of a vectorized mobject, each row (red, green, blue, opacity).
_COLOUR_ARRAYS = ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas")


def _transparent(rgbas: np.ndarray) -> np.ndarray:
    faded = np.array(rgbas, dtype=float)
    faded[..., 3] = 0.0
    return faded


class FadeAway(Animation):
    """Fade ``mobjects`` out and remove them from the scene: the same frames as ``FadeOut``
    without a shift or scale, for mobjects whose drawn parts are vectorized."""

    def __init__(self, *mobjects: Mobject, **kwargs: Any) -> None:
        if not mobjects:
            raise ValueError("FadeAway needs at least one mobject")
        mobject = mobjects[0] if len(mobjects) == 1 else Group(*mobjects)
        super().__init__(mobject, remover=True, **kwargs)
        self._parts: list[tuple[VMobject, list[tuple[str, np.ndarray, np.ndarray]]]] = []

    def create_starting_mobject(self) -> Mobject:
        return Mobject()  # what it starts from is kept in _parts, not in a copy

    def begin(self) -> None:
        self._parts = [(part, [(name, getattr(part, name), _transparent(getattr(part, name)))
                               for name in _COLOUR_ARRAYS])
                       for part in self.mobject.family_members_with_points() if isinstance(part, VMobject)]
        super().begin()

    def interpolate_mobject(self, alpha: float) -> None:
        shown = self.get_sub_alpha(alpha, 0, 1)
        for part, arrays in self._parts:
            for name, start, end in arrays:
                setattr(part, name, end.copy() if shown == 1.0 else interpolate(start, end, shown))

    def clean_up_from_scene(self, scene) -> None:
        super().clean_up_from_scene(scene)
        self.interpolate(0)  # as FadeOut does: removed from the scene, the mobjects look as before


def fade_away(*mobjects: Mobject, **kwargs: Any) -> Animation:
    """:class:`FadeAway`, or ``FadeOut`` when ``mobjects`` draw a point cloud or an image or
    have updaters: ``FadeOut`` runs the updaters of its copies each frame and fades from
    them, so a mobject that follows another keeps following it while it fades."""
    family = [part for mobject in mobjects for part in mobject.get_family()]
    if not any(isinstance(part, (PMobject, AbstractImageMobject)) or part.updaters for part in family):
        return FadeAway(*mobjects, **kwargs)
    return FadeOut(*mobjects, **kwargs)
