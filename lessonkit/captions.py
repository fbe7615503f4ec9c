"""Captions and chapters: SRT and WebVTT files, captions of one step, chapter lists.

A caption here is ``(start, end, text)`` in seconds.
"""

from __future__ import annotations

import datetime
from typing import Iterable, Sequence

import srt

from lessonkit.speech import wrap_cue

Caption = tuple[float, float, str]


def _millis(seconds: float) -> int:
    """Whole milliseconds, rounded (SRT and VTT alike, so both files carry the same times)."""
    return round(seconds * 1000)


def to_srt(captions: Iterable[Caption]) -> str:
    """Captions as an SRT file, each cue wrapped into at most two lines."""
    return srt.compose(
        [srt.Subtitle(index=0, start=datetime.timedelta(milliseconds=_millis(start)),
                      end=datetime.timedelta(milliseconds=_millis(end)), content=wrap_cue(text))
         for start, end, text in captions],
        reindex=True,
    )


def _vtt_time(seconds: float) -> str:
    millis = _millis(seconds)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def to_vtt(captions: Iterable[Caption]) -> str:
    """Captions (or chapters: the text is the chapter's title) as a WebVTT file."""
    blocks = ["WEBVTT"]
    for number, (start, end, text) in enumerate(captions, start=1):
        # "-->" may not appear in a cue's text.
        blocks.append(f"{number}\n{_vtt_time(start)} --> {_vtt_time(end)}\n{wrap_cue(text.replace('-->', '->'))}")
    return "\n\n".join(blocks) + "\n"


def shift(captions: Iterable[Caption], seconds: float) -> list[Caption]:
    """Captions moved ``seconds`` later."""
    return [(start + seconds, end + seconds, text) for start, end, text in captions]


def within(captions: Iterable[Caption], start: float, end: float) -> list[Caption]:
    """The captions shown during [start, end), clipped to it and timed from ``start``."""
    result = []
    for cue_start, cue_end, text in captions:
        if cue_end > start + 1e-6 and cue_start < end - 1e-6:
            result.append((max(cue_start, start) - start, min(cue_end, end) - start, text))
    return result


def chapter_time(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``), as video sites read chapter lists."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def chapters_text(chapters: Sequence[tuple[float, str]]) -> str:
    """``0:00 Learning goal`` lines, one per chapter."""
    return "".join(f"{chapter_time(start)} {title}\n" for start, title in chapters)


def chapters_vtt(chapters: Sequence[tuple[float, str]], total: float) -> str:
    """WebVTT chapters: one cue per chapter, lasting until the next one starts."""
    ends = [start for start, _ in chapters[1:]] + [total]
    return to_vtt((start, end, title) for (start, title), end in zip(chapters, ends))
