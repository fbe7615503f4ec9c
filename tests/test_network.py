"""The backprop experiment: gradients against finite differences, and the measured effect."""

from __future__ import annotations

import numpy as np
import pytest

from mathcore import ACTIVATIONS, compare_gradient_norms, init_network, loss_and_gradients, measure_gradient_norms
from mathcore.network import Network, resolve_init


def numeric_gradient(net: Network, x, y, which: str, layer: int, h: float = 1e-6):
    params = getattr(net, which)
    grad = np.zeros_like(params[layer])
    for index in np.ndindex(params[layer].shape):
        original = params[layer][index]
        params[layer][index] = original + h
        plus = loss_and_gradients(net, x, y).loss
        params[layer][index] = original - h
        minus = loss_and_gradients(net, x, y).loss
        params[layer][index] = original
        grad[index] = (plus - minus) / (2 * h)
    return grad


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "leaky_relu"])
def test_backprop_matches_finite_differences(activation):
    net = init_network(3, 4, activation=activation, input_size=3, seed=1)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 3))
    y = rng.normal(size=(5, 1))
    grads = loss_and_gradients(net, x, y)
    for layer in range(len(net.weights)):
        np.testing.assert_allclose(grads.weights[layer], numeric_gradient(net, x, y, "weights", layer), rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(grads.biases[layer], numeric_gradient(net, x, y, "biases", layer), rtol=1e-5, atol=1e-9)


def test_relu_backprop_matches_finite_differences_away_from_kinks():
    net = init_network(2, 5, activation="relu", input_size=2, seed=3)
    x = np.random.default_rng(4).normal(size=(6, 2))
    y = np.zeros((6, 1))
    grads = loss_and_gradients(net, x, y)
    np.testing.assert_allclose(grads.weights[0], numeric_gradient(net, x, y, "weights", 0), rtol=1e-5, atol=1e-9)


def test_sigmoid_gradients_vanish_and_relu_gradients_do_not():
    sig = measure_gradient_norms(depth=10, width=32, activation="sigmoid", seed=0)
    rel = measure_gradient_norms(depth=10, width=32, activation="relu", seed=0)
    assert sig.weight_gradient_norms.shape == (10,)
    # Each sigmoid layer multiplies by at most 0.25 (times the weights): orders of magnitude over 10 layers.
    assert sig.first_to_last_ratio < 1e-4
    assert np.all(np.diff(sig.weight_gradient_norms) > 0)
    assert 0.05 < rel.first_to_last_ratio < 20
    assert sig.init == "xavier" and rel.init == "he"


def test_measurement_is_seeded_and_reproducible():
    a = measure_gradient_norms(depth=5, width=8, seed=7)
    b = measure_gradient_norms(depth=5, width=8, seed=7)
    c = measure_gradient_norms(depth=5, width=8, seed=8)
    np.testing.assert_array_equal(a.weight_gradient_norms, b.weight_gradient_norms)
    assert not np.array_equal(a.weight_gradient_norms, c.weight_gradient_norms)


def test_comparison_measures_each_activation_with_the_same_settings():
    settings = {"depth": 4, "width": 6, "init": "auto", "seed": 3, "batch": 16}
    measured = compare_gradient_norms(("sigmoid", "tanh", "relu"), **settings)
    assert list(measured) == ["sigmoid", "tanh", "relu"]
    for name, measurement in measured.items():
        alone = measure_gradient_norms(activation=name, **settings)
        np.testing.assert_array_equal(measurement.weight_gradient_norms, alone.weight_gradient_norms)
        assert (measurement.activation, measurement.init, measurement.seed) == (name, alone.init, 3)


def test_init_choices():
    assert resolve_init("auto", "relu") == "he"
    assert resolve_init("auto", "tanh") == "xavier"
    with pytest.raises(ValueError, match="unknown init"):
        resolve_init("orthogonal", "relu")
    with pytest.raises(ValueError):
        init_network(0, 4)
    with pytest.raises(KeyError):
        init_network(2, 4, activation="swish")
    assert len(init_network(3, 4).weights) == 4 and init_network(3, 4).depth == 3
    for name in ACTIVATIONS:
        assert measure_gradient_norms(depth=2, width=3, activation=name).weight_gradient_norms.shape == (2,)
