"""mathcore: the lesson's mathematics, pure numpy and no manim.

Scenes import from here; nothing here imports manim. Every number the lecture shows is
computed by a function of this package and formatted by :mod:`mathcore.formatting`.
"""

from mathcore.activations import (
    ACTIVATIONS,
    LEAKY_RELU_SLOPE,
    Activation,
    get_activation,
    leaky_relu,
    leaky_relu_prime,
    relu,
    relu_prime,
    sigmoid,
    sigmoid_prime,
    tanh,
    tanh_prime,
)
from mathcore.formatting import format_fixed, format_number, format_percent
from mathcore.gradients import (
    PracticeProblem1,
    PracticeProblem2,
    descent_step,
    gradient_by_layer,
    gradient_through_layers,
    practice_problem_1,
    practice_problem_2,
    share_of_max_gradient,
    weight_update,
)
from mathcore.network import (
    GradientMeasurement,
    Network,
    compare_gradient_norms,
    init_network,
    loss_and_gradients,
    measure_gradient_norms,
)

__all__ = [
    "ACTIVATIONS",
    "LEAKY_RELU_SLOPE",
    "Activation",
    "GradientMeasurement",
    "Network",
    "compare_gradient_norms",
    "PracticeProblem1",
    "PracticeProblem2",
    "descent_step",
    "format_fixed",
    "format_number",
    "format_percent",
    "get_activation",
    "gradient_by_layer",
    "gradient_through_layers",
    "init_network",
    "leaky_relu",
    "leaky_relu_prime",
    "loss_and_gradients",
    "measure_gradient_norms",
    "practice_problem_1",
    "practice_problem_2",
    "relu",
    "relu_prime",
    "share_of_max_gradient",
    "sigmoid",
    "sigmoid_prime",
    "tanh",
    "tanh_prime",
    "weight_update",
]
