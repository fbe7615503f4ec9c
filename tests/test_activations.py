"""mathcore.activations against an independent high-precision reference (mpmath)."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest

from mathcore import (
    ACTIVATIONS,
    LEAKY_RELU_SLOPE,
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

mpmath.mp.dps = 50
# The tails are where a naive s * (1 - s) loses its digits, so they are sampled densely.
SAMPLE_Z = [-745.0, -300.0, -35.0, -20.0, -5.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 1.0, 3.0, 5.0, 20.0, 35.0, 300.0]


# The references use the textbook formulas at 1000 digits, so 1 - sigma(z) keeps its
# digits even at z = 300, where it is about 1e-131.
def reference_sigmoid(z: float) -> mpmath.mpf:
    with mpmath.workdps(1000):
        return +(1 / (1 + mpmath.exp(-mpmath.mpf(z))))


def reference_sigmoid_prime(z: float) -> mpmath.mpf:
    with mpmath.workdps(1000):
        s = 1 / (1 + mpmath.exp(-mpmath.mpf(z)))
        return +(s * (1 - s))


def reference_tanh_prime(z: float) -> mpmath.mpf:
    with mpmath.workdps(1000):
        return +(1 - mpmath.tanh(mpmath.mpf(z)) ** 2)


def assert_relative(actual: float, expected: mpmath.mpf, rel: float = 4e-15) -> None:
    expected_float = float(expected)
    if expected_float == 0.0:
        assert actual == 0.0
        return
    assert abs(actual - expected_float) <= rel * abs(expected_float), (actual, expected_float)


@pytest.mark.parametrize("z", SAMPLE_Z)
def test_sigmoid_matches_reference(z):
    assert_relative(sigmoid(z), reference_sigmoid(z))


@pytest.mark.parametrize("z", SAMPLE_Z)
def test_sigmoid_prime_matches_reference_in_the_tails_too(z):
    assert_relative(sigmoid_prime(z), reference_sigmoid_prime(z))


def test_naive_formula_would_fail_where_ours_holds():
    # The reason sigmoid_prime is not s * (1 - s): at z = 20 that loses most digits.
    s = sigmoid(20.0)
    naive = s * (1 - s)
    exact = float(reference_sigmoid_prime(20.0))
    assert abs(naive - exact) / exact > 1e-9
    assert_relative(sigmoid_prime(20.0), reference_sigmoid_prime(20.0))


@pytest.mark.parametrize("z", SAMPLE_Z)
def test_tanh_and_its_derivative_match_reference(z):
    assert_relative(tanh(z), mpmath.tanh(mpmath.mpf(z)))
    assert_relative(tanh_prime(z), reference_tanh_prime(z), rel=8e-15)


@pytest.mark.parametrize("z", [-3.0, -1e-12, 0.0, 1e-12, 2.5])
def test_relu_family_follows_the_slides_convention(z):
    assert relu(z) == max(0.0, z)
    assert relu_prime(z) == (1.0 if z > 0 else 0.0)
    assert leaky_relu(z) == (z if z > 0 else LEAKY_RELU_SLOPE * z)
    assert leaky_relu_prime(z) == (1.0 if z > 0 else LEAKY_RELU_SLOPE)


def test_extreme_inputs_are_exact_and_silent():
    extremes = np.array([-np.inf, -1e308, -800.0, 800.0, 1e308, np.inf])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        assert sigmoid(1e308) == 1.0
        assert sigmoid(-1e308) == 0.0
        assert sigmoid_prime(-1e308) == 0.0
        assert sigmoid_prime(np.inf) == 0.0
        for activation in ACTIVATIONS.values():
            values = activation.function(extremes)
            slopes = activation.derivative(extremes)
            assert not np.any(np.isnan(values)), activation.name
            assert not np.any(np.isnan(slopes)), activation.name
    np.testing.assert_array_equal(sigmoid(extremes), [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(sigmoid_prime(extremes), 0.0)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_finite_differences(name):
    activation = ACTIVATIONS[name]
    # Avoid the kink at 0 of the ReLU family, where no derivative exists.
    z = np.array([-4.0, -1.3, -0.4, 0.3, 0.9, 2.2, 4.5])
    h = 1e-6
    numeric = (activation.function(z + h) - activation.function(z - h)) / (2 * h)
    np.testing.assert_allclose(activation.derivative(z), numeric, rtol=1e-7, atol=1e-10)


def test_scalars_give_floats_and_arrays_give_arrays():
    for activation in ACTIVATIONS.values():
        assert type(activation.function(1.5)) is float
        assert type(activation.derivative(1.5)) is float
        out = activation.derivative(np.linspace(-2, 2, 5))
        assert isinstance(out, np.ndarray) and out.shape == (5,)


def test_sigmoid_properties():
    z = np.linspace(-40, 40, 4001)
    # 1 - sigma(z) is only exact to one ulp of 1.0 in float arithmetic.
    np.testing.assert_allclose(sigmoid(-z), 1 - sigmoid(z), rtol=0, atol=np.finfo(float).eps)
    assert np.all(np.diff(sigmoid(z)) >= 0)
    slopes = sigmoid_prime(z)
    assert np.all(slopes > 0) and np.all(slopes <= 0.25)
    assert z[np.argmax(slopes)] == 0.0
    # sigma(z)(1 - sigma(z)) written as sigma(z) sigma(-z), which keeps its digits.
    np.testing.assert_allclose(sigmoid_prime(z), sigmoid(z) * sigmoid(-z), rtol=1e-14)


def test_registry_maxima_are_computed_and_correct():
    assert ACTIVATIONS["sigmoid"].max_derivative == 0.25
    assert ACTIVATIONS["tanh"].max_derivative == 1.0
    assert ACTIVATIONS["relu"].max_derivative == 1.0
    assert ACTIVATIONS["leaky_relu"].max_derivative == 1.0
    for activation in ACTIVATIONS.values():
        grid = np.linspace(-10, 10, 20001)
        assert np.max(activation.derivative(grid)) <= activation.max_derivative
        assert activation(0.7) == activation.function(0.7)


def test_registry_entries_are_complete_and_lookup_names_known():
    for name, activation in ACTIVATIONS.items():
        assert activation.name == name
        assert activation.display_name and activation.symbol and activation.latex
        assert activation.derivative_latex
    with pytest.raises(KeyError, match="known: sigmoid"):
        get_activation("gelu")
