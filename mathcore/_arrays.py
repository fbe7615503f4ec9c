"""Small helpers shared by the math core: scalar-in/float-out and quiet numpy."""

from __future__ import annotations

import functools
from typing import Callable, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
T = TypeVar("T")


def as_float_array(z: ArrayLike) -> FloatArray:
    """``z`` as a float64 array (0-d for a scalar)."""
    return np.asarray(z, dtype=np.float64)


def to_output(result: FloatArray) -> float | FloatArray:
    """A Python float for a 0-d result (the input was a scalar), else the array."""
    if np.ndim(result) == 0:
        return float(result)
    return result


def quiet_underflow(func: Callable[..., T]) -> Callable[..., T]:
    """Run ``func`` with underflow ignored even if the caller set ``np.seterr(all="raise")``.

    The stable formulas here underflow to exactly 0.0 far in the tails, which is the
    right answer; overflow and invalid values never happen, so they stay raised.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with np.errstate(under="ignore"):
            return func(*args, **kwargs)

    return wrapper
