"""A real experiment: backpropagation through a deep fully connected network in numpy.

The lecture uses it to show that the arithmetic of "multiply a small gradient per layer"
happens in real networks: the gradient norm at the first layer of a deep sigmoid network
is orders of magnitude below the last layer's, while a ReLU network keeps them close.

>>> m = measure_gradient_norms(depth=4, width=8, activation="sigmoid", seed=0)
>>> m.weight_gradient_norms.shape
(4,)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from mathcore._arrays import FloatArray
from mathcore.activations import get_activation

#: Initialisation schemes: standard deviation of N(0, std^2) weights for a layer.
INITIALISATIONS = ("xavier", "he", "auto")
_RELU_FAMILY = ("relu", "leaky_relu")


@dataclass(frozen=True)
class Network:
    """Weights and biases of ``depth`` activated layers followed by one linear output.

    ``weights[l]`` maps layer ``l``'s input to its pre-activation (shape in x out);
    the last entry is the linear read-out layer.
    """

    weights: tuple[FloatArray, ...]
    biases: tuple[FloatArray, ...]
    activation: str

    @property
    def depth(self) -> int:
        """Number of activated (hidden) layers."""
        return len(self.weights) - 1


@dataclass(frozen=True)
class Gradients:
    """Loss and its gradient with respect to every weight and bias of a :class:`Network`."""

    loss: float
    weights: tuple[FloatArray, ...]
    biases: tuple[FloatArray, ...]


@dataclass(frozen=True)
class GradientMeasurement:
    """Per-layer gradient norms measured by :func:`measure_gradient_norms`."""

    activation: str
    init: str
    depth: int
    width: int
    seed: int
    #: Frobenius norm of dLoss/dW for each activated layer; index 0 is the first layer.
    weight_gradient_norms: FloatArray

    @property
    def first_to_last_ratio(self) -> float:
        """How much smaller the first layer's gradient is than the last layer's."""
        return float(self.weight_gradient_norms[0] / self.weight_gradient_norms[-1])


def resolve_init(init: str, activation: str) -> str:
    """``"auto"`` picks He for the ReLU family and Xavier otherwise."""
    if init not in INITIALISATIONS:
        raise ValueError(f"unknown init {init!r}; known: {', '.join(INITIALISATIONS)}")
    if init == "auto":
        return "he" if activation in _RELU_FAMILY else "xavier"
    return init


def init_network(
    depth: int,
    width: int,
    *,
    activation: str = "sigmoid",
    input_size: int | None = None,
    init: str = "auto",
    seed: int = 0,
) -> Network:
    """A network of ``depth`` layers of ``width`` units, weights drawn with a seeded RNG.

    Xavier draws N(0, 2 / (fan_in + fan_out)), He draws N(0, 2 / fan_in); biases start at 0.
    """
    if depth < 1 or width < 1:
        raise ValueError("depth and width must be at least 1")
    get_activation(activation)
    scheme = resolve_init(init, activation)
    rng = np.random.default_rng(seed)
    sizes = [input_size or width] + [width] * depth + [1]
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        if scheme == "he":
            std = np.sqrt(2.0 / fan_in)
        else:
            std = np.sqrt(2.0 / (fan_in + fan_out))
        weights.append(rng.normal(0.0, std, size=(fan_in, fan_out)))
        biases.append(np.zeros(fan_out))
    return Network(tuple(weights), tuple(biases), activation)


def loss_and_gradients(net: Network, x: FloatArray, y: FloatArray) -> Gradients:
    """Mean squared error 0.5 * mean((f(x) - y)^2) and its gradients by backpropagation."""
    act = get_activation(net.activation)
    inputs, pre_activations = [], []
    h = np.asarray(x, dtype=np.float64)
    for w, b in zip(net.weights[:-1], net.biases[:-1]):
        inputs.append(h)
        a = h @ w + b
        pre_activations.append(a)
        h = act.function(a)
    output = h @ net.weights[-1] + net.biases[-1]
    residual = output - np.asarray(y, dtype=np.float64).reshape(output.shape)
    batch = residual.shape[0]
    loss = 0.5 * float(np.mean(np.sum(residual**2, axis=1)))

    d_out = residual / batch
    grad_w = [h.T @ d_out]
    grad_b = [d_out.sum(axis=0)]
    d_h = d_out @ net.weights[-1].T
    for layer in reversed(range(net.depth)):
        # Chain rule: every layer multiplies the incoming gradient by its activation's slope.
        d_a = d_h * act.derivative(pre_activations[layer])
        grad_w.append(inputs[layer].T @ d_a)
        grad_b.append(d_a.sum(axis=0))
        d_h = d_a @ net.weights[layer].T
    return Gradients(loss, tuple(reversed(grad_w)), tuple(reversed(grad_b)))


def measure_gradient_norms(
    depth: int = 10,
    width: int = 32,
    activation: str = "sigmoid",
    *,
    init: str = "auto",
    seed: int = 0,
    batch: int = 64,
) -> GradientMeasurement:
    """Backpropagate one batch of random data and measure each layer's gradient norm."""
    rng = np.random.default_rng(seed)
    net = init_network(depth, width, activation=activation, init=init, seed=int(rng.integers(2**31)))
    x = rng.normal(size=(batch, width))
    y = rng.normal(size=(batch, 1))
    grads = loss_and_gradients(net, x, y)
    norms = np.array([np.linalg.norm(g) for g in grads.weights[:-1]])
    return GradientMeasurement(
        activation=activation,
        init=resolve_init(init, activation),
        depth=depth,
        width=width,
        seed=seed,
        weight_gradient_norms=norms,
    )


def compare_gradient_norms(
    activations: Iterable[str] = ("sigmoid", "relu"),
    *,
    depth: int = 10,
    width: int = 32,
    init: str = "auto",
    seed: int = 0,
    batch: int = 64,
) -> dict[str, GradientMeasurement]:
    """:func:`measure_gradient_norms` once per activation, with the same settings and seed
    (so the same random data), by activation name: the lecture's sigmoid-against-ReLU experiment.

    >>> sorted(compare_gradient_norms(depth=3, width=4, batch=8))
    ['relu', 'sigmoid']
    """
    return {name: measure_gradient_norms(depth, width, name, init=init, seed=seed, batch=batch)
            for name in activations}
