"""The lecture's scenes, one class per beat of the story.

:data:`LECTURE` is the one list of the lecture's order; ``render.py`` and the tests
read it. Each scene also renders on its own with the plain manim CLI::

    manim -pql scenes/tangent_trace.py TangentTrace
"""

from scenes.learning_goal import LearningGoal
from scenes.tangent_trace import TangentTrace

LECTURE = (
    LearningGoal,
    TangentTrace,
)

__all__ = ["LECTURE", *(scene.__name__ for scene in LECTURE)]
