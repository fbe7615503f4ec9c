"""Copies of formulas and texts share the SVG that their glyphs were parsed from, and
manim's cache keys leave it out.

Each glyph of a ``MathTex``, ``Tex`` or ``Text`` is a ``VMobjectFromSVGPath`` that keeps,
as ``path_obj``, the svgelements path it read its points from. manim reads it only while
it makes the glyph's points, yet every copy of the glyph deep-copies that whole tree of
segments and points again: every ``Transform``, ``FadeIn`` and ``Write`` copies what it
animates, and manim's SVG cache hands out a copy of each formula it has parsed before. In
Saturation, ReluComparison and PracticeProblem2 three objects in four that those copies
made were svgelements objects nobody reads.

With :func:`share_parsed_svg_paths` a copied glyph keeps the original's parsed path (read
only, never changed after the glyph is made) and copies all the rest as before: its points,
colours and submobjects stay its own.

manim's cache also serializes that tree into the key of every animation it hashes, next to
the points it made, which are all that is drawn. :func:`leave_parsed_paths_out_of_hashes`
takes it out: KeyFormula rendered again from manim's cache took 2.2 s instead of 3.2 to 3.5 s.
"""

from __future__ import annotations

from typing import Any

from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath
from manim.utils import hashing


def _copy_sharing_parsed_path(glyph: VMobjectFromSVGPath, memo: dict[int, Any]) -> VMobjectFromSVGPath:
    parsed = getattr(glyph, "path_obj", None)
    if parsed is not None:
        memo[id(parsed)] = parsed  # deepcopy hands back what its memo holds for an object's id
    return super(VMobjectFromSVGPath, glyph).__deepcopy__(memo)


def share_parsed_svg_paths() -> None:
    """From now on, in this process, copies of SVG glyphs share their parsed path."""
    VMobjectFromSVGPath.__deepcopy__ = _copy_sharing_parsed_path


def leave_parsed_paths_out_of_hashes() -> None:
    """From now on, in this process, manim's cache keys leave out glyphs' parsed paths
    (their points, which they determine, stay in)."""
    hashing.KEYS_TO_FILTER_OUT.add("path_obj")
