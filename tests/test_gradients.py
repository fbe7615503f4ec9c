"""The lesson's arithmetic: shares, products through layers, updates, practice problems."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from mathcore import (
    descent_step,
    gradient_by_layer,
    gradient_through_layers,
    practice_problem_1,
    practice_problem_2,
    share_of_max_gradient,
    sigmoid_prime,
    weight_update,
)

mpmath.mp.dps = 50


def test_share_of_max_gradient():
    assert share_of_max_gradient(0.0) == 1.0
    assert share_of_max_gradient(0.0, "tanh") == 1.0
    assert share_of_max_gradient(-2.0, "relu") == 0.0
    expected = float(mpmath.mpf(1) / (1 + mpmath.exp(-5)) * (1 - 1 / (1 + mpmath.exp(-5))) / mpmath.mpf("0.25"))
    assert share_of_max_gradient(5.0) == pytest.approx(expected, rel=1e-14)
    shares = share_of_max_gradient(np.array([0.0, 3.0, 6.0]))
    assert shares.shape == (3,) and np.all(np.diff(shares) < 0)


def test_gradient_through_layers_are_the_running_products():
    products = gradient_through_layers(0.2, 5)
    exact = [Fraction(1, 5) ** k for k in range(1, 6)]
    np.testing.assert_allclose(products, [float(e) for e in exact], rtol=1e-15)
    np.testing.assert_allclose(gradient_through_layers([0.5, 0.25, 1.0]), [0.5, 0.125, 0.125])
    assert gradient_through_layers(1.0, 20)[-1] == 1.0


def test_gradient_by_layer_puts_the_first_layer_first():
    np.testing.assert_allclose(gradient_by_layer(0.2, 3), [0.008, 0.04, 0.2], rtol=1e-15)
    # Factors of layers 1, 2, 3: the last layer's gradient is its own factor, the first's the product.
    np.testing.assert_allclose(gradient_by_layer([0.5, 0.25, 1.0]), [0.125, 0.25, 1.0])
    with pytest.raises(ValueError):
        gradient_by_layer(0.2, 0)


@pytest.mark.parametrize(
    "args", [(0.2, 0), (0.2, None), ([0.1, 0.2], 3), ([], None)]
)
def test_gradient_through_layers_rejects_bad_shapes(args):
    with pytest.raises(ValueError):
        gradient_through_layers(*args)


def test_weight_update_and_descent_step():
    assert weight_update(0.1, 0.00032) == pytest.approx(3.2e-5, rel=1e-15)
    assert type(weight_update(0.1, 0.5)) is float
    np.testing.assert_allclose(weight_update(0.1, np.array([1.0, 2.0])), [0.1, 0.2])
    assert descent_step(0.0, 2.0) == 2.0 * 0.25
    assert descent_step(-3.0, 2.0, "relu") == 0.0
    assert descent_step(3.0, 2.0, "relu") == 2.0
    assert descent_step(6.0, 2.0) == pytest.approx(2.0 * sigmoid_prime(6.0), rel=1e-15)


def test_practice_problem_1_at_five_is_correct_not_rounded_early():
    p = practice_problem_1(5.0)
    s = 1 / (1 + mpmath.exp(-5))
    assert p.exp_neg_z == pytest.approx(float(mpmath.exp(-5)), rel=1e-15)
    assert p.one_plus_exp_neg_z == pytest.approx(float(1 + mpmath.exp(-5)), rel=1e-15)
    assert p.sigma == pytest.approx(float(s), rel=1e-15)
    assert p.one_minus_sigma == pytest.approx(float(1 - s), rel=1e-14)
    assert p.derivative == pytest.approx(float(s * (1 - s)), rel=1e-14)
    assert p.max_derivative == 0.25
    assert p.share_percent == pytest.approx(float(100 * s * (1 - s) / mpmath.mpf("0.25")), rel=1e-14)
    # The slides round sigma'(5) to 0.0067 first and get 2.7%; the exact share is 2.66%.
    assert round(p.share_percent, 2) == 2.66


@pytest.mark.parametrize("z", [-6.0, -1.0, 0.0, 4.0, 8.0])
def test_practice_problem_1_for_any_z(z):
    p = practice_problem_1(z)
    assert p.sigma + p.one_minus_sigma == pytest.approx(1.0, rel=1e-15)
    assert p.derivative == pytest.approx(p.sigma * p.one_minus_sigma, rel=1e-12)
    assert 0 < p.share <= 1.0


def test_practice_problem_2_matches_exact_arithmetic():
    p = practice_problem_2(0.2, 5, 0.1)
    assert p.factors == (0.2,) * 5
    exact = Fraction(1, 5) ** 5
    assert p.first_layer_gradient == pytest.approx(float(exact), rel=1e-14)
    assert p.weight_update == pytest.approx(float(exact / 10), rel=1e-14)
    assert len(p.running_products) == 5 and p.running_products[-1] == p.first_layer_gradient


def test_practice_problem_2_for_other_depths():
    p = practice_problem_2(0.25, 8, 0.01)
    assert p.first_layer_gradient == 0.25**8
    assert p.weight_update == pytest.approx(0.01 * 0.25**8, rel=1e-15)
    assert p.layers == 8 and len(p.factors) == 8
