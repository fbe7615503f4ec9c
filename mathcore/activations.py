"""Activation functions, their derivatives, and a registry scenes are driven from.

Every function takes a float or an array: a scalar in gives a Python float out, an
array in gives a float64 array out. All of them are stable for every float input,
infinities included, and accurate to a few ulp in the tails.

>>> sigmoid(0.0), sigmoid_prime(0.0)
(0.5, 0.25)
>>> ACTIVATIONS["relu"].max_derivative
1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike

from mathcore._arrays import FloatArray, as_float_array, to_output, quiet_underflow

ArrayFunction = Callable[[ArrayLike], "float | FloatArray"]

#: Slope of leaky ReLU for z <= 0 (the common default, as in PyTorch).
LEAKY_RELU_SLOPE = 0.01


@quiet_underflow
def sigmoid(z: ArrayLike) -> float | FloatArray:
    """The logistic sigmoid 1 / (1 + e^-z).

    Uses one exponential of -|z|, so it never overflows: ``sigmoid(1e308) == 1.0``
    and ``sigmoid(-1e308) == 0.0``.
    """
    x = as_float_array(z)
    t = np.exp(-np.abs(x))
    # For z < 0, e^z / (1 + e^z) keeps full relative precision as sigma -> 0.
    result = np.where(x >= 0, 1.0 / (1.0 + t), t / (1.0 + t))
    return to_output(result)


@quiet_underflow
def sigmoid_prime(z: ArrayLike) -> float | FloatArray:
    """Derivative of the sigmoid, sigma(z)(1 - sigma(z)), at most 0.25 (at z = 0).

    Computed as e^-|z| / (1 + e^-|z|)^2, which equals sigma(z)(1 - sigma(z)) but keeps
    its digits in the tails, where 1 - sigma(z) would cancel to zero.
    """
    x = as_float_array(z)
    t = np.exp(-np.abs(x))
    result = t / (1.0 + t) ** 2
    return to_output(result)


def relu(z: ArrayLike) -> float | FloatArray:
    """ReLU(z) = max(0, z)."""
    x = as_float_array(z)
    return to_output(np.maximum(x, 0.0))


def relu_prime(z: ArrayLike) -> float | FloatArray:
    """Derivative of ReLU with the slides' convention: 1 for z > 0, 0 for z <= 0."""
    x = as_float_array(z)
    return to_output((x > 0).astype(np.float64))


def tanh(z: ArrayLike) -> float | FloatArray:
    """Hyperbolic tangent (numpy's, which is stable everywhere)."""
    x = as_float_array(z)
    return to_output(np.tanh(x))


@quiet_underflow
def tanh_prime(z: ArrayLike) -> float | FloatArray:
    """Derivative of tanh, 1 - tanh(z)^2, at most 1 (at z = 0).

    Computed as 4 e^-2|z| / (1 + e^-2|z|)^2 so it keeps its digits in the tails.
    """
    x = as_float_array(z)
    # Clipping |z| keeps -2|z| finite; e^-2000 is 0.0 anyway.
    t = np.exp(-2.0 * np.minimum(np.abs(x), 1000.0))
    result = 4.0 * t / (1.0 + t) ** 2
    return to_output(result)


def leaky_relu(z: ArrayLike, slope: float = LEAKY_RELU_SLOPE) -> float | FloatArray:
    """Leaky ReLU: z for z > 0, ``slope * z`` for z <= 0."""
    x = as_float_array(z)
    return to_output(np.where(x > 0, x, slope * x))


def leaky_relu_prime(z: ArrayLike, slope: float = LEAKY_RELU_SLOPE) -> float | FloatArray:
    """Derivative of leaky ReLU: 1 for z > 0, ``slope`` for z <= 0 (ReLU's convention at 0)."""
    x = as_float_array(z)
    return to_output(np.where(x > 0, 1.0, slope))


@dataclass(frozen=True)
class Activation:
    """One activation function as a lesson needs it.

    Attributes:
        name: Registry key, e.g. ``"sigmoid"``.
        display_name: How the lesson names it on screen, e.g. ``"Sigmoid"``.
        function: The activation, vectorised.
        derivative: Its derivative, vectorised.
        symbol: LaTeX symbol used in formulas, e.g. ``r"\\sigma"``.
        latex: LaTeX of the definition's right-hand side, in ``z``.
        derivative_latex: LaTeX of the derivative's right-hand side, in ``z``.
        peak_z: A z where the derivative reaches its maximum.
        kinks: Points where the function has no derivative (plots break the derivative there).
    """

    name: str
    display_name: str
    function: ArrayFunction
    derivative: ArrayFunction
    symbol: str
    latex: str
    derivative_latex: str
    peak_z: float
    kinks: tuple[float, ...] = ()

    @property
    def max_derivative(self) -> float:
        """The derivative's maximum, computed at ``peak_z`` (never typed in)."""
        return float(self.derivative(self.peak_z))

    def __call__(self, z: ArrayLike) -> float | FloatArray:
        return self.function(z)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        name="sigmoid",
        display_name="Sigmoid",
        function=sigmoid,
        derivative=sigmoid_prime,
        symbol=r"\sigma",
        latex=r"\frac{1}{1 + e^{-z}}",
        derivative_latex=r"\sigma(z)\,(1 - \sigma(z))",
        peak_z=0.0,
    ),
    "tanh": Activation(
        name="tanh",
        display_name="Tanh",
        function=tanh,
        derivative=tanh_prime,
        symbol=r"\tanh",
        latex=r"\frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
        derivative_latex=r"1 - \tanh^2(z)",
        peak_z=0.0,
    ),
    "relu": Activation(
        name="relu",
        display_name="ReLU",
        function=relu,
        derivative=relu_prime,
        symbol=r"\mathrm{ReLU}",
        latex=r"\max(0, z)",
        derivative_latex=r"\begin{cases} 1 & z > 0 \\ 0 & z \leq 0 \end{cases}",
        peak_z=1.0,
        kinks=(0.0,),
    ),
    "leaky_relu": Activation(
        name="leaky_relu",
        display_name="Leaky ReLU",
        function=leaky_relu,
        derivative=leaky_relu_prime,
        symbol=r"\mathrm{LReLU}",
        latex=r"\max(" + f"{LEAKY_RELU_SLOPE:g}" + r"z,\ z)",
        derivative_latex=r"\begin{cases} 1 & z > 0 \\ "
        + f"{LEAKY_RELU_SLOPE:g}"
        + r" & z \leq 0 \end{cases}",
        peak_z=1.0,
        kinks=(0.0,),
    ),
}


def get_activation(name: str) -> Activation:
    """The registered activation called ``name``; a KeyError lists the known names."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(ACTIVATIONS)
        raise KeyError(f"unknown activation {name!r}; known: {known}") from None
