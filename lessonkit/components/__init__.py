"""Reusable pieces of the lecture: each is one mobject class with documented arguments,
parts kept as attributes, and ``make_*_animation()`` methods that return animations.

See docs/EDITING.md for a new scene built from them.
"""

from lessonkit.components.ball import BallOnSurface
from lessonkit.components.bars import LogBarChart, gradient_decades, shared_decades
from lessonkit.components.chain import LayerChain
from lessonkit.components.fade import FadeAway, fade_away
from lessonkit.components.plots import ActivationPlot, TangentTracer, nice_range
from lessonkit.components.readout import LabelledReadout, LiveNumber
from lessonkit.components.solution import WorkedSolution
from lessonkit.components.zoom import ZoomInset

__all__ = [
    "ActivationPlot",
    "BallOnSurface",
    "FadeAway",
    "LabelledReadout",
    "LayerChain",
    "LiveNumber",
    "LogBarChart",
    "TangentTracer",
    "WorkedSolution",
    "ZoomInset",
    "nice_range",
    "fade_away",
    "gradient_decades",
    "shared_decades",
]
