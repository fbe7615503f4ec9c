"""The one number formatter shared by scenes and tests."""

from __future__ import annotations

import math

import pytest

from mathcore import format_fixed, format_number, format_percent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0066480566707901, "0.006648"),
        (0.9933071490757153, "0.9933"),
        (0.25, "0.25"),
        (0.5, "0.5"),
        (0.00032000000000000013, "0.00032"),
        (3.200000000000001e-05, "0.000032"),
        (1.0, "1"),
        (-2.5, "-2.5"),
        (123456.0, "123500"),
        (0.0, "0"),
        (9.094947017729282e-13, r"9.095 \times 10^{-13}"),
        (1e-6, r"1 \times 10^{-6}"),
        (2.5e7, r"2.5 \times 10^{7}"),
        (0.99999999, "1"),
    ],
)
def test_format_number(value, expected):
    assert format_number(value) == expected


def test_format_number_options():
    assert format_number(0.25, keep_zeros=True) == "0.2500"
    assert format_number(9.094947017729282e-13, latex=False) == "9.095 × 10⁻¹³"
    assert format_number(2.5e7, latex=False) == "2.5 × 10⁷"
    assert format_number(0.006648, 2) == "0.0066"
    assert format_number(0.0, keep_zeros=True) == "0.000"
    assert format_number(math.inf) == r"\infty"
    assert format_number(-math.inf, latex=False) == "-inf"
    assert format_number(math.nan, latex=False) == "NaN"
    with pytest.raises(ValueError):
        format_number(1.0, 0)


def test_format_percent():
    assert format_percent(0.026592226683160625) == r"2.66\%"
    assert format_percent(0.026592226683160625, latex=False) == "2.66%"
    assert format_percent(1.0) == r"100\%"


def test_format_fixed_keeps_its_width():
    assert format_fixed(0.25) == "0.250"
    assert format_fixed(0.0003354, 3) == "0.000"
    assert format_fixed(-0.0001, 3) == "0.000"
    assert format_fixed(-1.5, 2) == "-1.50"
