"""Reusable pieces of the lecture: each is one mobject class with documented arguments,
parts kept as attributes, and ``make_*_animation()`` methods that return animations.

See docs/EDITING.md for a new scene built from them.
"""

from lessonkit.components.plots import ActivationPlot, TangentTracer, nice_range
from lessonkit.components.readout import LabelledReadout, LiveNumber

__all__ = ["ActivationPlot", "LabelledReadout", "LiveNumber", "TangentTracer", "nice_range"]
