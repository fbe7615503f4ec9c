"""Where every number on screen comes from: for each scene, each label it records with
``LessonScene.number()`` (a regular expression; its groups fill ``{0}``, ``{1}``) and the
expression that computes it, in terms of mathcore's functions and ``lesson`` (the lesson
config). A value the lesson gives (a z, a learning rate) is the lesson key itself.

``manifest.json`` publishes each number with its expression; ``tests/test_scenes.py``
evaluates them with mathcore and fails on a number that is missing here or disagrees.
"""

from __future__ import annotations

_PRACTICE_1 = "practice_problem_1(lesson.practice.z)"
_PRACTICE_2 = "practice_problem_2(lesson.chain.per_layer_gradient, lesson.chain.layers, lesson.chain.learning_rate)"
_TANGENT = "get_activation(lesson.tangent.activation)"
_BALL_Z = {"plateau": "lesson.ball.plateau_z", "centre": "0.0", "relu": "lesson.ball.relu_z",
           "dead": "-lesson.ball.relu_z"}
_BALL_ACTIVATION = {"plateau": "sigmoid", "centre": "sigmoid", "relu": "relu", "dead": "relu"}
_SIDE = {"right": "", "left": "-"}

NUMBER_SOURCES: dict[str, dict[str, str]] = {
    "Saturation": {
        "threshold": "lesson.saturation.threshold",
        **{f"{beat}_z_from": f"{sign}lesson.saturation.from_z" for beat, sign in _SIDE.items()},
        **{f"{beat}_z_to": f"{sign}lesson.saturation.to_z" for beat, sign in _SIDE.items()},
        **{f"{beat}_delta_z": f"{sign}lesson.saturation.to_z - {sign}lesson.saturation.from_z"
           for beat, sign in _SIDE.items()},
        **{f"{beat}_sigma_from": f"sigmoid({sign}lesson.saturation.from_z)" for beat, sign in _SIDE.items()},
        **{f"{beat}_sigma_to": f"sigmoid({sign}lesson.saturation.to_z)" for beat, sign in _SIDE.items()},
        **{f"{beat}_delta_sigma": f"sigmoid({sign}lesson.saturation.to_z) - sigmoid({sign}lesson.saturation.from_z)"
           for beat, sign in _SIDE.items()},
    },
    "TangentTrace": {
        "max_derivative": f"{_TANGENT}.max_derivative",
        "pause_z": "lesson.tangent.pause_z",
        "slope_at_pause": f"{_TANGENT}.derivative(lesson.tangent.pause_z)",
        "share_at_pause": "share_of_max_gradient(lesson.tangent.pause_z, lesson.tangent.activation)",
    },
    "KeyFormula": {
        "sigma0": "sigmoid(0.0)",
        "one_minus_sigma0": "sigmoid(-0.0)",
        "max_derivative": "sigmoid_prime(0.0)",
        "axis_0.0": "0.0",
        "axis_0.5": "sigmoid(0.0)",
        "axis_1.0": "1.0",
    },
    "GradientChain": {
        r"layer_(\d+)_gradient": "gradient_through_layers(lesson.chain.per_layer_gradient, "
                                 "lesson.chain.layers)[lesson.chain.layers - {0}]",
        "per_layer_gradient": "lesson.chain.per_layer_gradient",
        "first_layer_gradient": "gradient_through_layers(lesson.chain.per_layer_gradient, lesson.chain.layers)[-1]",
    },
    "ReluComparison": {
        "sigmoid_max": "get_activation('sigmoid').max_derivative",
        "relu_max": "get_activation('relu').max_derivative",
        "sigmoid_first_layer": "gradient_through_layers(lesson.chain.per_layer_gradient, lesson.chain.layers)[-1]",
        "relu_first_layer": "gradient_through_layers(relu_prime(1.0), lesson.chain.layers)[-1]",
        "dead_z": "lesson.dying_relu.z",
        "dead_gradient": "relu_prime(lesson.dying_relu.z)",
        "learning_rate": "lesson.chain.learning_rate",
        "dead_update": "weight_update(lesson.chain.learning_rate, relu_prime(lesson.dying_relu.z))",
    },
    "BallAnalogy": {
        f"{key}_moved": f"descent_step({z}, lesson.ball.push, {_BALL_ACTIVATION[key]!r})"
        for key, z in _BALL_Z.items()
    },
    "PracticeProblem1": {
        "z": "lesson.practice.z",
        **{field: f"{_PRACTICE_1}.{field}" for field in
           ("sigma", "exp_neg_z", "one_minus_sigma", "derivative", "max_derivative", "share")},
        "share_percent": f"{_PRACTICE_1}.share",
    },
    "PracticeProblem2": {
        "per_layer_gradient": "lesson.chain.per_layer_gradient",
        r"product_(\d+)": f"{_PRACTICE_2}.running_products[{{0}} - 1]",
        "first_layer_gradient": f"{_PRACTICE_2}.first_layer_gradient",
        "learning_rate": "lesson.chain.learning_rate",
        "weight_update": f"{_PRACTICE_2}.weight_update",
    },
    "RealNetwork": {
        f"{name}_ratio": f"measure_gradient_norms(depth=lesson.real_network.depth, width=lesson.real_network.width, "
                         f"activation={name!r}, init=lesson.real_network.init, seed=lesson.real_network.seed, "
                         f"batch=lesson.real_network.batch).first_to_last_ratio"
        for name in ("sigmoid", "relu")
    },
}
