"""Sound with PyAV and numpy: read any audio file, trim its silence, mix a track, measure
and set its loudness (ITU-R BS.1770, with FFmpeg's own filters).

A track here is a float32 numpy array of mono samples at :data:`RATE`. Nothing in this
module knows about scenes: the pipeline gives it utterances and their start times.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Sequence

import av
import numpy as np

#: One sample rate for every track: 48 kHz, what AAC and Opus in video files use.
RATE = 48_000
#: Samples in one frame of AAC, the sound codec of MP4 clips. A clip whose sound is a whole
#: number of them joins another by copying its packets (see :func:`lessonkit.video.join_clips`).
AAC_FRAME = 1024
#: Loudness targets of video sites (integrated, LUFS) and the true-peak ceiling (dBTP).
TARGET_LUFS = -16.0
PEAK_CEILING_DBTP = -1.0


class AudioError(RuntimeError):
    """An audio file that cannot be read, named in the message."""


def read_audio(path: Path | str) -> np.ndarray:
    """Any audio file PyAV decodes (WAV, MP3, M4A, OGG, ...) as mono float32 at :data:`RATE`."""
    path = Path(path)
    samples = _read_own_wav(path)
    if samples is not None:
        if not samples.size:
            raise AudioError(f"{path} holds no sound")
        return samples
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioError(f"{path} has no audio stream")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
            chunks = []
            for frame in container.decode(stream):
                for converted in resampler.resample(frame):
                    chunks.append(converted.to_ndarray().reshape(-1))
            for converted in resampler.resample(None):
                chunks.append(converted.to_ndarray().reshape(-1))
    except (av.error.FFmpegError, OSError) as error:
        raise AudioError(f"cannot read audio {path}: {error}") from None
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if not samples.size:
        raise AudioError(f"{path} holds no sound")
    return samples


def _read_own_wav(path: Path) -> np.ndarray | None:
    """A WAV as :func:`write_wav` and the voices write it (16-bit mono at :data:`RATE`),
    read without decoding: the samples PyAV's resampler gives (each divided by 32768), in
    about a twentieth of the time. None for any other file."""
    try:
        with wave.open(str(path), "rb") as wav:
            if (wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getcomptype()) != (1, 2, RATE, "NONE"):
                return None
            pcm = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError, OSError):
        return None
    return np.frombuffer(pcm, "<i2").astype(np.float32) / np.float32(32768)


def write_wav(path: Path | str, samples: np.ndarray) -> None:
    """``samples`` as a 16-bit mono WAV at :data:`RATE` (the format manim's add_sound reads directly)."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).round().astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())


def trim_silence(samples: np.ndarray, threshold_db: float = -45.0, window: float = 0.01,
                 keep: float = 0.02) -> np.ndarray:
    """``samples`` without the silence before the first and after the last sound, so a
    caption that starts with the file starts with the voice. ``keep`` seconds stay around it."""
    size = max(1, int(window * RATE))
    count = len(samples) // size
    if count == 0:
        return samples
    rms = np.sqrt(np.mean(samples[: count * size].reshape(count, size) ** 2, axis=1) + 1e-20)
    loud = np.flatnonzero(20 * np.log10(rms) > threshold_db + 20 * np.log10(max(np.abs(samples).max(), 1e-9)))
    if not loud.size:
        return samples[:0]
    margin = int(keep * RATE)
    start = max(0, loud[0] * size - margin)
    end = min(len(samples), (loud[-1] + 1) * size + margin)
    return samples[start:end]


def fade_edges(samples: np.ndarray, seconds: float = 0.005) -> np.ndarray:
    """Short raised-cosine fades at both ends, so a trimmed utterance starts and stops without a click."""
    count = min(len(samples) // 2, int(seconds * RATE))
    if count == 0:
        return samples
    ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, count))).astype(np.float32)
    faded = samples.copy()
    faded[:count] *= ramp
    faded[-count:] *= ramp[::-1]
    return faded


@dataclass(frozen=True)
class Placed:
    """A sound file placed on a track at ``start`` seconds."""

    start: float
    path: Path


def seconds_to_samples(seconds: float | Fraction) -> int:
    return int(round(Fraction(seconds).limit_denominator(10**9) * RATE))


def mix(placed: Iterable[Placed], length: int) -> np.ndarray:
    """A track of ``length`` samples holding every placed sound (anything past the end is cut)."""
    track = np.zeros(length, dtype=np.float32)
    for item in placed:
        samples = read_audio(item.path)
        start = seconds_to_samples(item.start)
        end = min(length, start + len(samples))
        if end > start:
            track[start:end] += samples[: end - start]
    return track


# --- loudness ----------------------------------------------------------------------------


#: ITU-R BS.1770-4's gating: 400 ms blocks, each overlapping the next by 75% (one every
#: 100 ms); blocks under the absolute gate, then under the relative gate, are left out.
BLOCK_SECONDS = 0.4
BLOCK_OVERLAP = 0.75
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0


#: ITU-R BS.1770-4's K-weighting at 48 kHz, its coefficients as its Tables 1 and 2 give them:
#: a high shelf (about +4 dB above 1.7 kHz), then a high pass (38 Hz); FFmpeg's ``biquad``
#: filters in double precision.
K_WEIGHTING = (
    ("aformat", "sample_fmts=dbl"),
    ("biquad", "b0=1.53512485958697:b1=-2.69169618940638:b2=1.19839281085285"
               ":a0=1:a1=-1.69065929318241:a2=0.73248077421585"),
    ("biquad", "b0=1:b1=-2:b2=1:a0=1:a1=-1.99004745483398:a2=0.99007225036621"),
)


def block_powers(samples: np.ndarray) -> np.ndarray:
    """The mean square of the K-weighted ``samples`` in each gating block (ITU-R BS.1770-4:
    400 ms blocks, one every 100 ms, bounded as pyloudnorm bounds them).

    :func:`gated_loudness` of several tracks' blocks is the loudness of the tracks end to
    end, but for the few blocks that would straddle a join; so a lecture's loudness comes
    from its scenes' blocks, and an edit of one scene measures that scene alone."""
    if len(samples) < int(BLOCK_SECONDS * RATE):
        samples = np.concatenate([samples, np.zeros(int(BLOCK_SECONDS * RATE) - len(samples), np.float32)])
    weighted = np.concatenate([frame.to_ndarray().reshape(-1) for frame in _run_filter(samples, K_WEIGHTING)])
    step = 1.0 - BLOCK_OVERLAP
    count = int(np.round((len(weighted) / RATE - BLOCK_SECONDS) / (BLOCK_SECONDS * step))) + 1
    blocks = np.arange(count)
    lower = np.minimum((BLOCK_SECONDS * (blocks * step) * RATE).astype(np.int64), len(weighted))
    upper = np.minimum((BLOCK_SECONDS * (blocks * step + 1) * RATE).astype(np.int64), len(weighted))
    sums = np.concatenate([[0.0], np.cumsum(np.square(weighted))])
    return np.maximum(sums[upper] - sums[lower], 0.0) / (BLOCK_SECONDS * RATE)


def gated_loudness(powers: np.ndarray | Sequence[np.ndarray]) -> float:
    """Integrated loudness in LUFS of the gating blocks ``powers`` (from
    :func:`block_powers`, of one track or of several end to end); -inf for silence."""
    z = np.concatenate([np.ravel(part) for part in powers]) if isinstance(powers, (list, tuple)) else powers
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(z)
        audible = loudness >= ABSOLUTE_GATE_LUFS
        if not audible.any():
            return float("-inf")
        relative = -0.691 + 10 * np.log10(z[audible].mean()) + RELATIVE_GATE_LU
        kept = (loudness > relative) & audible
        return float(-0.691 + 10 * np.log10(z[kept].mean())) if kept.any() else float("-inf")


def integrated_loudness(samples: np.ndarray) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4, gated); -inf for silence."""
    return gated_loudness(block_powers(samples))


def _run_filter(samples: np.ndarray, filters: Sequence[tuple[str, str]]) -> list[av.AudioFrame]:
    """Push ``samples`` through an FFmpeg filter chain; the frames that come out."""
    graph = av.filter.Graph()
    source = graph.add_abuffer(format="flt", sample_rate=RATE, layout="mono", time_base=Fraction(1, RATE))
    nodes = [source, *(graph.add(name, args) for name, args in filters), graph.add("abuffersink")]
    for left, right in zip(nodes, nodes[1:]):
        left.link_to(right)
    graph.configure()
    out: list[av.AudioFrame] = []
    block = 4800
    for offset in range(0, len(samples), block):
        chunk = np.ascontiguousarray(samples[offset:offset + block], dtype=np.float32).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, offset, Fraction(1, RATE)
        graph.push(frame)
        out.extend(_drain(graph))
    graph.push(None)
    out.extend(_drain(graph))
    return out


def _drain(graph: av.filter.Graph) -> list[av.AudioFrame]:
    frames = []
    while True:
        try:
            frames.append(graph.pull())
        except (av.error.BlockingIOError, av.error.EOFError):
            return frames


def true_peak(samples: np.ndarray) -> float:
    """True peak in dBTP (ITU-R BS.1770-4 Annex 2, 4x oversampled), by FFmpeg's ``ebur128`` filter."""
    frames = _run_filter(samples, [("ebur128", "peak=true:metadata=1")])
    peaks = [float(frame.metadata["lavfi.r128.true_peaks_ch0"]) for frame in frames
             if "lavfi.r128.true_peaks_ch0" in getattr(frame, "metadata", {})]
    if not peaks:
        raise AudioError("FFmpeg's ebur128 filter reported no true peak")
    # The filter reports the linear peak so far; in dB relative to full scale.
    peak = max(peaks)
    return 20 * np.log10(peak) if peak > 0 else float("-inf")


def limit_peaks(samples: np.ndarray, ceiling_dbtp: float = PEAK_CEILING_DBTP) -> np.ndarray:
    """``samples`` with peaks held under ``ceiling_dbtp``, by FFmpeg's look-ahead limiter
    (``alimiter``). It limits sample peaks; a true peak can sit a little above the highest
    sample, so it aims 1 dB lower."""
    limit = 10 ** ((ceiling_dbtp - 1.0) / 20)
    frames = _run_filter(samples, [("alimiter", f"limit={limit:.6f}:attack=5:release=50:level=disabled:latency=1")])
    limited = np.concatenate([f.to_ndarray().reshape(-1) for f in frames]) if frames else samples[:0]
    # The limiter with latency compensation returns as many samples as it was given.
    out = np.zeros_like(samples)
    out[: min(len(out), len(limited))] = limited[: len(out)]
    return out


def loudness_gain(samples: np.ndarray, target_lufs: float = TARGET_LUFS) -> float:
    """The linear gain that brings ``samples`` to ``target_lufs`` (1 for silence)."""
    return gain_to(integrated_loudness(samples), target_lufs)


def gain_to(loudness: float, target_lufs: float = TARGET_LUFS) -> float:
    """The linear gain that brings a track of ``loudness`` LUFS to ``target_lufs`` (1 for silence)."""
    if not np.isfinite(loudness):
        return 1.0
    return float(10 ** ((target_lufs - loudness) / 20))


def normalize(samples: np.ndarray, gain: float) -> np.ndarray:
    """``samples`` times ``gain``, peaks limited under :data:`PEAK_CEILING_DBTP`."""
    scaled = (samples * gain).astype(np.float32)
    if not scaled.size or np.abs(scaled).max() < 10 ** ((PEAK_CEILING_DBTP - 1.0) / 20):
        return scaled
    return limit_peaks(scaled)
