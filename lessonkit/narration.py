"""The narrator of a scene: one caption text in, its cues, its sound and its length out.

A scene says a line at each beat (:meth:`lessonkit.scene.LessonScene.beat`); the
:class:`Narrator` cuts it into caption cues of two short lines, has the lesson's voice
speak each cue (or takes the teacher's recording of the whole line), and says how long
the beat must hold so that the voice finishes and a pause follows. Cue times are offsets
from the start of the line, so captions start and end with the speech they carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lessonkit.speech import split_cues, spoken_text
from lessonkit.voices import recorded, synthesize

#: Silence between two cues of one line, in seconds: a breath between sentences.
CUE_GAP = 0.25
#: Silence before a line starts, so the cut between two steps falls in silence.
LEAD = 0.15

Cue = tuple[float, "float | None", str]  # start offset, end offset (None: until the beat ends), text


@dataclass(frozen=True)
class Spoken:
    """A line as it will be heard and read."""

    text: str
    cues: list[Cue]
    #: (offset in seconds, sound file) for each piece of speech.
    sounds: list[tuple[float, Path]]
    #: Seconds of speech (0 for a silent lecture).
    duration: float
    #: Seconds the beat must last from the line's start: speech and pause, or reading time.
    hold: float
    synthesized: int = 0


@dataclass
class OpenUtterance:
    """The line being said; what a scene gets back from ``beat()``, like manim-voiceover's tracker.

    ``duration`` is the length of the speech (its reading time when the lecture is silent),
    for animations meant to last as long as the voice.
    """

    id: str
    start: float
    spoken: Spoken

    @property
    def duration(self) -> float:
        return self.spoken.duration or self.spoken.hold

    def __enter__(self) -> "OpenUtterance":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        return None


@dataclass
class Narrator:
    """The lesson's voice settings (``[voice]``) and where spoken lines are cached."""

    voice: str
    rate: float
    pause: float
    cache_dir: Path
    recordings: Path | None = None
    pronunciations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_lesson(cls, lesson, cache_dir: Path) -> "Narrator":
        voice = lesson.voice
        folder = voice.recordings.strip()
        return cls(
            voice=voice.name, rate=voice.rate, pause=voice.pause, cache_dir=Path(cache_dir),
            recordings=Path(folder).expanduser() if folder else None,
            pronunciations={entry["word"]: entry["say"] for entry in voice.pronunciations},
        )

    def speak(self, utterance_id: str, text: str, *, reading_time: float) -> Spoken:
        """``text`` cut into cues and spoken (or timed by ``reading_time`` for a silent lecture)."""
        cues = split_cues(text)
        if self.voice == "none":
            return self._silent(text, cues, reading_time)
        if self.voice == "recorded":
            return self._recorded(utterance_id, text, cues)
        timed: list[Cue] = []
        sounds: list[tuple[float, Path]] = []
        offset, synthesized = LEAD, 0
        for cue in cues:
            speech = synthesize(spoken_text(cue, self.pronunciations), self.voice, self.rate, self.cache_dir)
            synthesized += speech.synthesized
            timed.append((offset, offset + speech.duration, cue))
            sounds.append((offset, speech.path))
            offset += speech.duration + CUE_GAP
        speech_end = offset - CUE_GAP
        return Spoken(text, timed, sounds, speech_end, speech_end + self.pause, synthesized)

    def _silent(self, text: str, cues: list[str], reading_time: float) -> Spoken:
        # Each cue gets a share of the reading time by its words; the last stays to the beat's end.
        words = [max(1, len(cue.split())) for cue in cues]
        timed: list[Cue] = []
        offset = 0.0
        for index, (cue, count) in enumerate(zip(cues, words)):
            length = reading_time * count / sum(words)
            timed.append((offset, None if index == len(cues) - 1 else offset + length, cue))
            offset += length
        return Spoken(text, timed, [], 0.0, reading_time)

    def _recorded(self, utterance_id: str, text: str, cues: list[str]) -> Spoken:
        if self.recordings is None:
            raise ValueError("voice.name = recorded needs voice.recordings (or render.py --recordings DIR)")
        speech = recorded(utterance_id, self.recordings, self.cache_dir)
        # One recording per line: its cues share the speech by their length in characters.
        total = sum(len(cue) for cue in cues)
        timed: list[Cue] = []
        offset = LEAD
        for cue in cues:
            length = speech.duration * len(cue) / total
            timed.append((offset, offset + length, cue))
            offset += length
        return Spoken(text, timed, [(LEAD, speech.path)], speech.duration, LEAD + speech.duration + self.pause)

