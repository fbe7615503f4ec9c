"""The one number formatter: what a scene shows and what a test expects come from here.

>>> format_number(0.0066480566707901)
'0.006648'
>>> format_number(0.00032)
'0.00032'
>>> format_number(9.094947017729282e-13)
'9.095 \\\\times 10^{-13}'
>>> format_percent(0.026592226683160)
'2.66\\\\%'
"""

from __future__ import annotations

import math

#: Significant figures shown for a value unless a scene asks for another precision.
SIGNIFICANT_FIGURES = 4
#: Below this magnitude (and at or above SCIENTIFIC_ABOVE) numbers use powers of ten.
SCIENTIFIC_BELOW = 1e-5
SCIENTIFIC_ABOVE = 1e6


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _strip_zeros(digits: str) -> str:
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return digits


def format_number(
    value: float,
    sig_figs: int = SIGNIFICANT_FIGURES,
    *,
    latex: bool = True,
    keep_zeros: bool = False,
) -> str:
    """``value`` rounded to ``sig_figs`` significant figures, as LaTeX (default) or plain text.

    Trailing zeros are dropped (0.5, not 0.5000) unless ``keep_zeros``; a fixed width
    suits a live readout. Very small or large magnitudes use scientific notation:
    ``9.095 \\times 10^{-13}`` in LaTeX, ``9.095 × 10⁻¹³`` in plain text (for captions).
    """
    if sig_figs < 1:
        raise ValueError("sig_figs must be at least 1")
    value = float(value)
    if math.isnan(value):
        return r"\mathrm{NaN}" if latex else "NaN"
    if math.isinf(value):
        sign = "-" if value < 0 else ""
        return sign + (r"\infty" if latex else "inf")
    if value == 0:
        return "0" if not keep_zeros or sig_figs == 1 else "0." + "0" * (sig_figs - 1)

    mantissa_text, exponent_text = f"{value:.{sig_figs - 1}e}".split("e")
    exponent = int(exponent_text)
    magnitude = abs(value)
    if SCIENTIFIC_BELOW <= magnitude < SCIENTIFIC_ABOVE:
        decimals = max(sig_figs - 1 - exponent, 0)
        text = f"{float(mantissa_text) * 10.0**exponent:.{decimals}f}"
        return text if keep_zeros else _strip_zeros(text)
    mantissa = mantissa_text if keep_zeros else _strip_zeros(mantissa_text)
    if latex:
        return rf"{mantissa} \times 10^{{{exponent}}}"
    return f"{mantissa} × 10{str(exponent).translate(_SUPERSCRIPTS)}"


def format_fixed(value: float, decimals: int = 3) -> str:
    """``value`` with a fixed number of decimals (plain text), for live readouts that
    must not change width as they count: 0.25 -> ``0.250``. Negative zero prints as 0."""
    text = f"{float(value):.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def format_percent(fraction: float, sig_figs: int = 3, *, latex: bool = True) -> str:
    """A fraction as a percentage: 0.02659 -> ``2.66\\%`` (LaTeX) or ``2.66%``."""
    number = format_number(100.0 * float(fraction), sig_figs, latex=latex)
    return number + (r"\%" if latex else "%")
