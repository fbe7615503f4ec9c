"""What the voice says and how captions are cut: plain text in, spoken words and cues out.

Captions show numbers as mathcore formatted them (``0.006648``, ``2.66%``,
``9.095 × 10⁻¹³``); the voice must say those same numbers, digit for digit, and say
symbols rather than spell them. Pure Python, no manim and no audio.

>>> spoken_text("At z = 5 the gradient is only 2.66% of its maximum.")
'At z equals five the gradient is only two point six six percent of its maximum.'
>>> spoken_text("sigma'(5) = 0.006648")
'sigma prime of five equals zero point zero zero six six four eight'
>>> spoken_text("ReLU keeps it", {"ReLU": "rel-you"})
'rel-you keeps it'
>>> split_cues("Short line.")
['Short line.']
"""

from __future__ import annotations

import re
import textwrap
from decimal import Decimal, InvalidOperation
from typing import Mapping

from num2words import num2words

#: Captions follow the usual convention: at most two lines of about this many characters.
CUE_LINE_CHARS = 42
CUE_LINES = 2

_SUPERSCRIPT_DIGITS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
# A number as the formatter writes it, optionally in scientific notation (9.095 × 10⁻¹³)
# and optionally followed by a percent sign.
_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>[-−])?(?P<digits>\d+(?:\.\d+)?)"
    r"(?:\s*[×x]\s*10(?P<exponent>[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?(?P<percent>\s?%)?"
)
# Symbols read aloud, longest first so that "sigma'" wins over "'".
_SYMBOLS = (
    (re.compile(r"σ'|sigma'"), "sigma prime"),
    (re.compile(r"σ"), "sigma"),
    (re.compile(r"\s*=\s*"), " equals "),
    (re.compile(r"\s*≈\s*"), " is about "),
    (re.compile(r"\s*×\s*"), " times "),
    (re.compile(r"\s*→\s*"), " to "),
    (re.compile(r"(?<=\w)\("), " of ("),
)


def _number_words(match: re.Match[str]) -> str:
    digits = match.group("digits")
    try:
        words = num2words(Decimal(digits))
    except (InvalidOperation, OverflowError, NotImplementedError):
        words = " ".join(digits)
    if match.group("sign"):
        words = "minus " + words
    if match.group("exponent"):
        exponent = int(match.group("exponent").translate(_SUPERSCRIPT_DIGITS))
        words += f" times ten to the {'minus ' if exponent < 0 else ''}{num2words(abs(exponent))}"
    if match.group("percent"):
        words += " percent"
    return words


def spoken_text(text: str, pronunciations: Mapping[str, str] | None = None) -> str:
    """``text`` as the voice should read it: the teacher's pronunciations first (whole
    words), then every number in words, digit for digit, then symbols as words."""
    for word, say in (pronunciations or {}).items():
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", say, text)
    text = _NUMBER.sub(_number_words, text)
    for pattern, words in _SYMBOLS:
        text = pattern.sub(words, text)
    text = text.replace("(", "").replace(")", "")
    return re.sub(r"\s+", " ", text).strip()


def wrap_cue(text: str) -> str:
    """A cue's text as at most :data:`CUE_LINES` lines of about :data:`CUE_LINE_CHARS` characters."""
    return "\n".join(textwrap.wrap(text, CUE_LINE_CHARS, break_long_words=False)) or text


def _fits(text: str) -> bool:
    return len(textwrap.wrap(text, CUE_LINE_CHARS, break_long_words=False)) <= CUE_LINES


def _split_long(sentence: str) -> list[str]:
    """A sentence too long for one cue, cut into the fewest cues of about equal length,
    each cut after a comma or colon when one lies near the even split."""
    words = sentence.split()
    for count in range(2, len(words) + 1):
        target = len(sentence) / count
        cues, start = [], 0
        while start < len(words) and len(cues) < count - 1:
            ends = [i for i in range(start + 1, len(words))
                    if len(" ".join(words[start:i])) <= target + max(12.0, 0.4 * target)]
            if not ends:
                break
            # The word boundary nearest the target, or a clause mark within 12 characters of it.
            best = min(ends, key=lambda i: abs(len(" ".join(words[start:i])) - target))
            marks = [i for i in ends if words[i - 1].endswith((",", ":", ";"))
                     and abs(len(" ".join(words[start:i])) - target) <= max(12.0, 0.4 * target)]
            end = max(marks) if marks else best
            cues.append(" ".join(words[start:end]))
            start = end
        cues.append(" ".join(words[start:]))
        if all(_fits(cue) for cue in cues):
            return cues
    return textwrap.wrap(sentence, CUE_LINE_CHARS)


def split_cues(text: str) -> list[str]:
    """``text`` cut into caption cues: sentences that fit two lines stay whole (short ones
    are joined), longer sentences are cut at clause marks or between words.

    >>> split_cues("Two numbers that add up to 1 have the largest product when both are 0.5. "
    ...            "So a sigmoid never passes on more than 0.25 of the gradient.")
    ['Two numbers that add up to 1 have the largest product when both are 0.5.', \
'So a sigmoid never passes on more than 0.25 of the gradient.']
    """
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=\S)", text.strip()) if s]
    cues: list[str] = []
    for sentence in sentences:
        pieces = [sentence] if _fits(sentence) else _split_long(sentence)
        for piece in pieces:
            if cues and _fits(cues[-1] + " " + piece) and len(cues[-1]) < CUE_LINE_CHARS:
                cues[-1] += " " + piece
            else:
                cues.append(piece)
    return cues or [text]
