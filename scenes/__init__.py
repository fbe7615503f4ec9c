"""The lecture's scenes, one class per beat of the story.

:data:`LECTURE` is the one list of the lecture's order; ``render.py`` and the tests
read it. Each scene also renders on its own with the plain manim CLI::

    manim -pql scenes/tangent_trace.py TangentTrace
"""

from scenes.ball_analogy import BallAnalogy
from scenes.gradient_chain import GradientChain
from scenes.key_formula import KeyFormula
from scenes.learning_goal import LearningGoal
from scenes.practice_problems import PracticeProblem1, PracticeProblem2
from scenes.real_network import RealNetwork
from scenes.relu_comparison import ReluComparison
from scenes.saturation import Saturation
from scenes.takeaways import Takeaways
from scenes.tangent_trace import TangentTrace

LECTURE = (
    LearningGoal,
    Saturation,
    TangentTrace,
    KeyFormula,
    GradientChain,
    ReluComparison,
    BallAnalogy,
    PracticeProblem1,
    PracticeProblem2,
    RealNetwork,
    Takeaways,
)

__all__ = ["LECTURE", *(scene.__name__ for scene in LECTURE)]

# Each scene learns where its numbers come from (published in manifest.json, checked by tests).
from scenes.numbers import NUMBER_SOURCES  # noqa: E402

for _scene in LECTURE:
    _scene.number_sources = NUMBER_SOURCES.get(_scene.__name__, {})
