"""The lesson's arithmetic: shares of the maximum gradient, products through layers,
weight updates, and the two practice problems with every number their solutions show.

>>> gradient_through_layers(0.5, 3)
array([0.5  , 0.25 , 0.125])
>>> round(practice_problem_2(0.2, 5, 0.1).first_layer_gradient, 12)
0.00032
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mathcore._arrays import FloatArray, as_float_array, to_output
from mathcore.activations import get_activation, sigmoid, sigmoid_prime


def share_of_max_gradient(z: ArrayLike, activation: str = "sigmoid") -> float | FloatArray:
    """The derivative at ``z`` as a fraction of the derivative's maximum (1.0 at the peak)."""
    act = get_activation(activation)
    share = as_float_array(act.derivative(z)) / act.max_derivative
    return to_output(share)


def gradient_through_layers(per_layer_gradient: float | ArrayLike, layers: int | None = None) -> FloatArray:
    """The gradient after each layer on the way back from the loss (chain rule).

    Pass one factor and a layer count (every layer multiplies by the same ``g``), or a
    sequence of per-layer factors ordered from the last layer back to the first.
    Element ``k`` is the product of the first ``k + 1`` factors, so the last element
    is the gradient that reaches the first layer.
    """
    factors = as_float_array(per_layer_gradient)
    if factors.ndim == 0:
        if layers is None or layers < 1:
            raise ValueError("layers must be a positive integer when one factor is given")
        factors = np.full(layers, float(factors))
    elif layers is not None and layers != factors.size:
        raise ValueError(f"{factors.size} factors given but layers={layers}")
    if factors.size == 0:
        raise ValueError("at least one layer is needed")
    return np.cumprod(factors)


def gradient_by_layer(per_layer_gradient: float | ArrayLike, layers: int | None = None) -> FloatArray:
    """The gradient that reaches each layer, in the network's own order: first layer first,
    as a picture of the network shows them (:func:`gradient_through_layers` goes the other
    way, as backpropagation does). Per-layer factors, if given, are in that order too.

    >>> gradient_by_layer(0.5, 3)
    array([0.125, 0.25 , 0.5  ])
    """
    factors = as_float_array(per_layer_gradient)
    return gradient_through_layers(factors[::-1] if factors.ndim else factors, layers)[::-1]


def weight_update(learning_rate: ArrayLike, gradient: ArrayLike) -> float | FloatArray:
    """The size of one gradient-descent step on a weight: learning_rate x gradient."""
    return to_output(as_float_array(learning_rate) * as_float_array(gradient))


def descent_step(z: ArrayLike, push: float, activation: str = "sigmoid") -> float | FloatArray:
    """How far a ball at ``z`` moves when pushed: push x local slope of the activation.

    This is one gradient-descent step whose gradient is the activation's derivative:
    on a plateau (slope ~ 0) the ball barely moves whatever the push.
    """
    act = get_activation(activation)
    moved = push * as_float_array(act.derivative(z))
    return to_output(moved)


@dataclass(frozen=True)
class PracticeProblem1:
    """Every number of practice problem 1's worked solution, at a given ``z``."""

    z: float
    exp_neg_z: float  #: e^-z
    one_plus_exp_neg_z: float  #: 1 + e^-z
    sigma: float  #: sigma(z)
    one_minus_sigma: float  #: 1 - sigma(z)
    derivative: float  #: sigma'(z) = sigma(z)(1 - sigma(z))
    max_derivative: float  #: sigma'(0)
    share: float  #: derivative / max_derivative, as a fraction

    @property
    def share_percent(self) -> float:
        """The share of the maximum in per cent."""
        return 100.0 * self.share


def practice_problem_1(z: float) -> PracticeProblem1:
    """Sigmoid derivative at ``z`` and how it compares with the maximum.

    Intermediate values are exact to float precision: nothing is rounded before the
    next step uses it (the slides round sigma(5) early and get 2.7% instead of 2.66%).
    """
    z = float(z)
    sigma = sigmoid(z)
    derivative = sigmoid_prime(z)
    max_derivative = sigmoid_prime(0.0)
    # 1 - sigma(z) computed as sigma(-z): exact where the subtraction would cancel.
    one_minus_sigma = sigmoid(-z)
    exp_neg_z = math.exp(-z) if -z < 709.0 else math.inf
    return PracticeProblem1(
        z=z,
        exp_neg_z=exp_neg_z,
        one_plus_exp_neg_z=1.0 + exp_neg_z,
        sigma=sigma,
        one_minus_sigma=one_minus_sigma,
        derivative=derivative,
        max_derivative=max_derivative,
        share=derivative / max_derivative,
    )


@dataclass(frozen=True)
class PracticeProblem2:
    """Every number of practice problem 2's worked solution."""

    per_layer_gradient: float
    layers: int
    learning_rate: float
    running_products: tuple[float, ...]  #: gradient after 1, 2, ..., ``layers`` layers
    first_layer_gradient: float  #: per_layer_gradient ** layers
    weight_update: float  #: learning_rate x first_layer_gradient

    @property
    def factors(self) -> tuple[float, ...]:
        """The factors multiplied together, one per layer."""
        return (self.per_layer_gradient,) * self.layers


def practice_problem_2(per_layer_gradient: float, layers: int, learning_rate: float) -> PracticeProblem2:
    """The gradient that reaches the first of ``layers`` layers, and the weight update it causes."""
    products = gradient_through_layers(float(per_layer_gradient), int(layers))
    first = float(products[-1])
    return PracticeProblem2(
        per_layer_gradient=float(per_layer_gradient),
        layers=int(layers),
        learning_rate=float(learning_rate),
        running_products=tuple(float(p) for p in products),
        first_layer_gradient=first,
        weight_update=float(weight_update(learning_rate, first)),
    )
