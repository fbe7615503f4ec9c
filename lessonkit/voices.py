"""The narrator: offline speech synthesis, or the teacher's own recordings, cached.

Each voice turns one caption cue into one sound file, trimmed to the speech, as a 48 kHz
mono WAV in a cache folder keyed by everything that shapes the sound (engine, voice,
rate, the spoken words), so a re-render with unchanged narration synthesizes nothing.

Voices are a registry: ``VOICES[name]``. The synthetic ones run a program from a Debian
package (nothing is downloaded at run time); ``recorded`` reads one file per beat id from
a folder; ``none`` is silence, timed by reading speed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from lessonkit.audio import RATE, AudioError, fade_edges, read_audio, trim_silence, write_wav
from lessonkit.cachelimit import mark_used

#: Bumped when the way cached files are made changes, so old ones are not reused.
CACHE_VERSION = "1"
#: Extensions of a teacher's recordings, in the order they are looked for.
RECORDING_EXTENSIONS = (".wav", ".mp3", ".m4a", ".ogg")


class VoiceError(RuntimeError):
    """A voice that cannot speak: a missing program or recording, named in one line."""


@dataclass(frozen=True)
class Engine:
    """An offline speech synthesizer: the program, its Debian package, and its command line."""

    name: str
    program: str
    package: str
    description: str
    #: (text file, wav file, rate) -> argv. Rate 1 is the voice's own pace; 1.2 is 20% faster.
    command: Callable[[Path, Path, float], list[str]]


def _festival(text: Path, wav: Path, rate: float) -> list[str]:
    # The HTS engine ignores Duration_Stretch; its own "-r" parameter is a speed factor.
    return ["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)",
            "-eval", f"(set! hts_engine_params (cons '(\"-r\" {rate:.4f}) hts_engine_params))",
            str(text), "-o", str(wav)]


def _flite(text: Path, wav: Path, rate: float) -> list[str]:
    return ["flite", "-voice", "slt", "--setf", f"duration_stretch={1 / rate:.4f}", "-f", str(text), "-o", str(wav)]


def _espeak(text: Path, wav: Path, rate: float) -> list[str]:
    return ["espeak-ng", "-v", "en-us", "-s", str(round(160 * rate)), "-f", str(text), "-w", str(wav)]


#: The offline synthesizers, best first; the lesson's ``voice.name`` picks one.
ENGINES: dict[str, Engine] = {
    engine.name: engine
    for engine in (
        Engine("flite", "flite", "flite", "Flite's built-in slt voice: clear and fast (the default)", _flite),
        Engine("festival", "text2wave", "festival festvox-us-slt-hts",
               "Festival with the HTS voice cmu_us_slt_arctic_hts: smoother, about five times slower", _festival),
        Engine("espeak-ng", "espeak-ng", "espeak-ng", "eSpeak NG: instant, robotic", _espeak),
    )
}
#: Every value ``voice.name`` accepts.
VOICE_NAMES = (*ENGINES, "recorded", "none")


@dataclass(frozen=True)
class Speech:
    """One utterance ready to play: the trimmed sound file and its length in seconds."""

    path: Path
    duration: float
    synthesized: bool  # False when it came from the cache or a recording


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join((CACHE_VERSION, *parts)).encode()).hexdigest()[:32]


def _store(samples, target: Path) -> float:
    """Trim, fade and write ``samples`` to ``target`` atomically; their duration in seconds."""
    samples = fade_edges(trim_silence(samples))
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".wav", dir=target.parent)
    os.close(handle)
    try:
        write_wav(name, samples)
        os.chmod(name, 0o644)
        os.replace(name, target)
    finally:
        Path(name).unlink(missing_ok=True)
    return len(samples) / RATE


def wav_duration(path: Path) -> float:
    import wave

    with wave.open(str(path), "rb") as sound:
        return sound.getnframes() / sound.getframerate()


_PLAIN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": ", ",
                        "\u2014": ", ", "\u2212": "minus "})


def synthesize(text: str, engine_name: str, rate: float, cache_dir: Path) -> Speech:
    """``text`` (already spoken words, see :func:`lessonkit.speech.spoken_text`) spoken by
    ``engine_name``; from the cache when the same words were spoken the same way before."""
    engine = ENGINES[engine_name]
    target = Path(cache_dir) / f"{engine.name}-{_key(engine.name, f'{rate:.4f}', text)}.wav"
    if target.exists():
        mark_used(target)
        return Speech(target, wav_duration(target), synthesized=False)
    if shutil.which(engine.program) is None:
        raise VoiceError(f"voice {engine.name} needs {engine.program}: apt-get install {engine.package}")
    with tempfile.TemporaryDirectory(prefix="voice-") as scratch:
        text_file, wav_file = Path(scratch) / "text.txt", Path(scratch) / "speech.wav"
        # The synthesizers read ASCII: typographic quotes and dashes become plain ones.
        text_file.write_text(text.translate(_PLAIN) + "\n", encoding="ascii", errors="ignore")
        done = subprocess.run(engine.command(text_file, wav_file, rate), capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        if done.returncode != 0 or not wav_file.exists():
            problem = (done.stderr.strip().splitlines() or ["no sound written"])[-1]
            raise VoiceError(f"voice {engine.name} failed on {text[:40]!r}: {problem}")
        duration = _store(read_audio(wav_file), target)
    return Speech(target, duration, synthesized=True)


def find_recording(folder: Path, utterance_id: str) -> Path | None:
    """The teacher's recording for ``utterance_id`` in ``folder`` (any known extension)."""
    for extension in RECORDING_EXTENSIONS:
        path = Path(folder) / f"{utterance_id}{extension}"
        if path.is_file():
            return path
    return None


def recorded(utterance_id: str, folder: Path, cache_dir: Path) -> Speech:
    """The teacher's recording of ``utterance_id``, decoded, trimmed to the speech and cached
    (keyed by the file's content, so re-recording a beat replaces it)."""
    path = find_recording(folder, utterance_id)
    if path is None:
        raise VoiceError(f"no recording for {utterance_id} in {folder} "
                         f"(expected {utterance_id}{'/'.join(RECORDING_EXTENSIONS)})")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    target = Path(cache_dir) / f"recorded-{_key('recorded', digest)}.wav"
    if target.exists():
        mark_used(target)
        return Speech(target, wav_duration(target), synthesized=False)
    try:
        samples = read_audio(path)
    except AudioError as error:
        raise VoiceError(f"recording for {utterance_id} is unreadable: {error}") from None
    return Speech(target, _store(samples, target), synthesized=False)


def check_recordings(folder: Path, utterance_ids: Sequence[str]) -> None:
    """Raise VoiceError naming the first beat whose recording is missing or does not decode."""
    if not Path(folder).is_dir():
        raise VoiceError(f"recordings folder not found: {folder}")
    for utterance_id in utterance_ids:
        path = find_recording(folder, utterance_id)
        if path is None:
            raise VoiceError(f"no recording for {utterance_id} in {folder} "
                             f"(expected {utterance_id}{'/'.join(RECORDING_EXTENSIONS)})")
        try:
            read_audio(path)
        except AudioError as error:
            raise VoiceError(f"recording for {utterance_id} is unreadable: {error}") from None


def missing_programs(voice_name: str) -> list[str]:
    """The Debian packages to install before ``voice_name`` can speak (empty when ready)."""
    engine = ENGINES.get(voice_name)
    if engine is None or shutil.which(engine.program):
        return []
    return [engine.package]
