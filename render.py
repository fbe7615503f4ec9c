#!/usr/bin/env python3
"""Render the lecture: one MP4, clips per scene and per step, captions, chapters, slide decks.

    python render.py                      # every scene at 1080p60 into output/
    python render.py --quality low        # a quick 480p15 preview
    python render.py --scene TangentTrace --scene KeyFormula
    python render.py --set practice.z=4 --set theme.name=light
    python render.py --list
    python render.py --format webm --transparent   # clips that sit on any slide background
    python render.py --voice none         # a silent lecture (captions only)
    python render.py --script             # narration.md and .csv, to record your own voice from
    python render.py --recordings my-voice/   # your recordings, one file per line id
    python render.py --worksheet          # worksheet.pdf and answers.pdf, render nothing
    python render.py --worksheet --variants 30 --seed 7   # 30 different sheets, one per student
    python render.py --doctor             # check folders, disk space, LaTeX, Cairo, Pango, fonts, voice
    python render.py --scheduler tcp://10.0.0.5:8786 --segments 4   # on a Dask cluster, scenes in 4 segments
    python render.py --watch --scene KeyFormula   # render again on every save; a preview page reloads
    python render.py --cache-limit 20G    # keep the cache under 20 GB (default 10G; 0: no limit)

Exit status: 0 on success; 2 on a usage or config error, or a folder, tool or font that
is missing or unusable (one line naming the fix, nothing written); 1 when a scene fails
to render (named in the message) or a file cannot be written; 130, 143 or 129 when
stopped by SIGINT, SIGTERM or SIGHUP.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Iterator

from lessonkit.accessibility import color_warnings
from lessonkit.cachelimit import enforce_limit, in_use, parse_size
from lessonkit.config import ConfigError, load_lesson
from lessonkit.formats import CLIP_FORMATS, TRANSPARENT_FORMATS, choose_format
from lessonkit.pipeline import (
    DEFAULT_CACHE_DIR,
    QUALITIES,
    RenderError,
    narration_script,
    render_lecture,
    write_script,
)
from lessonkit.preflight import run_checks, worksheet_checks
from lessonkit.segments import ClusterError, connect
from lessonkit.scenetext import DeclarationError
from lessonkit.video import VideoError
from lessonkit.voices import VOICE_NAMES, VoiceError, check_recordings, missing_programs
from lessonkit.worksheet import MAX_SEED, MAX_VARIANTS, WorksheetError, write_worksheets

#: Signals that end a run: each stops the workers and exits 128 + its number, with one line.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
#: The cache's size limit unless --cache-limit says otherwise (the README says why 10G).
DEFAULT_CACHE_LIMIT = "10G"


class UsageError(Exception):
    """A mistake on the command line."""


class Stopped(BaseException):
    """A signal asked the run to stop (a BaseException, like KeyboardInterrupt, so nothing swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Stopped` while the block runs."""
    def stop(signum: int, frame) -> None:
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def folder(text: str) -> Path:
    """An argparse type: a folder path, not empty (Path("") would quietly mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path is not a folder; give one, e.g. output")
    return Path(text)


def bounded_int(option: str, maximum: int):
    """An argparse type: a whole number from 1 to ``maximum`` (not 0, negative, fractional or huge)."""
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give 1 to {maximum}") from None
        if not 1 <= value <= maximum:
            raise argparse.ArgumentTypeError(f"{value} is out of range; give 1 to {maximum}")
        return value

    parse.__name__ = option  # argparse names the type in its messages
    return parse


def cache_size(text: str) -> int:
    """An argparse type: a size in bytes such as 20G or 500M; 0 means no limit."""
    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


cache_size.__name__ = "--cache-limit"  # argparse names the type in its messages


def joined_values(argv: list[str], options: tuple[str, ...]) -> list[str]:
    """``argv`` with ``--option VALUE`` written ``--option=VALUE`` for ``options``: argparse
    takes a value such as ``-5G`` for an unknown option and would say only "expected one
    argument", not what is wrong with the value."""
    joined: list[str] = []
    values = iter(argv)
    for arg in values:
        value = next(values, None) if arg in options else None
        joined.append(arg if value is None else f"{arg}={value}")
    return joined


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    # No abbreviated options: --watch hands the other options on to each render as typed.
    parser = OneLineParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                           allow_abbrev=False)
    parser.add_argument("--quality", choices=list(QUALITIES),
                        help="low 480p15, medium 720p30, high 1080p60 (default; low with --watch), 4k 2160p60")
    parser.add_argument("--scene", action="append", default=[], metavar="NAME",
                        help="render just this scene (repeatable); the lecture joins the ones rendered")
    parser.add_argument("--list", action="store_true", help="list the scenes in lecture order and exit")
    parser.add_argument("--out", type=folder, default=Path("output"), metavar="DIR",
                        help="output folder (default: output)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="scenes rendered in parallel processes (default: number of cores)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="render on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786) "
                             "instead of local processes")
    parser.add_argument("--segments", type=bounded_int("--segments", 64), default=1, metavar="N",
                        help="split each scene into up to N segments (at its steps), rendered in parallel "
                             "(default 1: whole scenes)")
    parser.add_argument("--config", type=Path, metavar="FILE", help="a lesson TOML whose keys override assets/lesson.toml")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override one lesson key, e.g. --set chain.layers=8 (repeatable)")
    parser.add_argument("--format", choices=list(CLIP_FORMATS), default="mp4", dest="clip_format",
                        help="format of the clips (default mp4); the joined lecture is always mp4")
    parser.add_argument("--transparent", action="store_true",
                        help="clips with an alpha channel, to sit on any slide background "
                             f"({' or '.join(TRANSPARENT_FORMATS)})")
    parser.add_argument("--cache", type=folder, default=DEFAULT_CACHE_DIR, metavar="DIR",
                        help="manim's cache of rendered animations and spoken lines (default: .cache/manim)")
    parser.add_argument("--cache-limit", type=cache_size, default=parse_size(DEFAULT_CACHE_LIMIT), metavar="SIZE",
                        help=f"after each render, remove the least recently used entries of --cache until it "
                             f"holds at most SIZE (20G, 500M; default {DEFAULT_CACHE_LIMIT}; 0: no limit)")
    parser.add_argument("--voice", choices=VOICE_NAMES,
                        help="who narrates: an offline voice (default: the lesson's voice.name, flite), "
                             "recorded (your files), or none (silent)")
    parser.add_argument("--recordings", type=Path, metavar="DIR",
                        help="your recordings, one file per line id (see --script); implies --voice recorded")
    parser.add_argument("--script", action="store_true",
                        help="write the narration script (narration.md, narration.csv) into --out and exit")
    parser.add_argument("--worksheet", action="store_true",
                        help="write worksheet.pdf and answers.pdf (the practice problems, variations and "
                             "worked answers) into --out and exit; renders no video")
    parser.add_argument("--variants", type=bounded_int("--variants", MAX_VARIANTS), metavar="N",
                        help=f"with --worksheet: N different sheets, each with its own values and answers "
                             f"(1 to {MAX_VARIANTS})")
    parser.add_argument("--seed", type=bounded_int("--seed", MAX_SEED), metavar="S",
                        help=f"with --worksheet: the seed the sheets' values are drawn from (1 to {MAX_SEED}, "
                             "default 1); the same seed gives the same sheets")
    parser.add_argument("--strict", action="store_true",
                        help="stop on a layout problem (text crossing text or the frame's edge) instead of warning")
    # Added by --watch to the renders it runs: their first render of a scene hashes its
    # animations, so that the first edit finds the unchanged ones in manim's cache.
    parser.add_argument("--expect-edits", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--doctor", action="store_true",
                        help="check folders, free disk space, LaTeX, Cairo, Pango, fonts and the voice; "
                             "print one line each")
    for option, kwargs in WATCH_OPTIONS.items():
        parser.add_argument(option, **kwargs)
    return parser


#: The options of --watch itself (not handed on to each render).
WATCH_OPTIONS = {
    "--watch": dict(action="store_true",
                    help="render again whenever a scene, lessonkit/, mathcore/ or the lesson config is saved, "
                         "and serve a preview page that reloads after each render (Ctrl-C stops)"),
    "--port": dict(type=int, metavar="N",
                   help="with --watch: the preview page's port on 127.0.0.1 (default 8000; 0: any free one)"),
    "--renders": dict(type=bounded_int("--renders", 10_000), metavar="N",
                      help="with --watch: stop after N renders (for scripts and tests)"),
}


def watch_lecture(args: argparse.Namespace, argv: list[str]) -> int:
    """``--watch``: render with the other options now and after every save, serving the
    output folder with a preview page; 0 when Ctrl-C stops it."""
    from lessonkit.watch import PreviewServer, WarmRender, render_command, watch, watched_files

    watch_parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    for option, kwargs in WATCH_OPTIONS.items():
        watch_parser.add_argument(option, **kwargs)
    _, render_argv = watch_parser.parse_known_args(argv)
    render_argv += ["--expect-edits"]
    if args.quality is None:
        render_argv += ["--quality", "low"]
    if len(args.scene) == 1 and not any(arg == "--jobs" or arg.startswith("--jobs=") for arg in render_argv):
        # One scene renders in the render's own process: a worker would import manim again (seconds).
        render_argv += ["--jobs", "1"]
    folders, exact = watched_files(Path(__file__).resolve().parent, args.config)
    port = 8000 if args.port is None else args.port
    try:
        server = PreviewServer(args.out.resolve(), port).start()
    except OSError as error:
        print(f"render.py: error: cannot serve the preview on port {port}: {error.strerror}; "
              "choose another with --port", file=sys.stderr)
        return 2
    log(f"preview: {server.url} (reloads after each render)")
    try:
        script = Path(__file__).resolve()
        # Each render a fork of an interpreter that has imported manim (2 s less a render).
        renders = WarmRender(script, render_argv) if WarmRender.available() else render_command(render_argv, script)
        return watch(renders, folders, exact, server=server,
                     max_renders=args.renders, log=lambda line: print(line, file=sys.stderr, flush=True))
    except (Stopped, KeyboardInterrupt) as stop:
        for other in STOP_SIGNALS:  # a second Ctrl-C while the render stops: still one line
            signal.signal(other, signal.SIG_IGN)
        signum = stop.signum if isinstance(stop, Stopped) else signal.SIGINT
        print(f"render.py: stopped watching ({signal.Signals(signum).name}); {args.out}/ holds the last good render",
              file=sys.stderr, flush=True)
        return 0 if signum == signal.SIGINT else 128 + signum
    finally:
        server.stop()


def select_scenes(names: list[str]) -> list[type]:
    from scenes import LECTURE

    if not names:
        return list(LECTURE)
    by_name = {scene.__name__: scene for scene in LECTURE}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise UsageError(f"unknown scene {unknown[0]!r}; known scenes: {', '.join(by_name)}")
    wanted = set(names)
    return [scene for scene in LECTURE if scene.__name__ in wanted]


def lecture_number(scene: type) -> int:
    """The scene's position in the lecture, from 1 (its files are named by it)."""
    from scenes import LECTURE

    return LECTURE.index(scene) + 1


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    with stop_on_signals():
        try:
            return run(argv)
        except BrokenPipeError:
            # `render.py --list | head`: the reader has what it wanted; no traceback.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except (Stopped, KeyboardInterrupt) as stop:
            signum = stop.signum if isinstance(stop, Stopped) else signal.SIGINT
        print(f"render.py: interrupted by {signal.Signals(signum).name}; lecture.mp4 was not written",
              file=sys.stderr, flush=True)
        return 128 + signum


def warn_about_colors(lesson) -> None:
    """One line per colour some students could not read or tell apart: advice, not a refusal."""
    for warning in color_warnings(lesson):
        print(f"render.py: warning: {warning}", file=sys.stderr)


def make_worksheets(lesson, args: argparse.Namespace) -> int:
    """``--worksheet``: check, typeset worksheet.pdf and answers.pdf into --out; the exit status."""
    problem = next((check.problem for check in worksheet_checks(args.out) if not check.ok), None)
    if problem:
        print(f"render.py: error: {problem}", file=sys.stderr)
        return 2
    try:
        paths = write_worksheets(lesson, args.out, variants=args.variants, seed=args.seed or 1)
    except (WorksheetError, OSError) as error:
        print(f"render.py: error: {error}", file=sys.stderr)
        return 1
    sheets = args.variants or 1
    log(f"wrote {sheets} sheet(s): {paths[0]} and {paths[1]}")
    return 0


def limit_cache(args: argparse.Namespace, started: float) -> None:
    """Keep ``--cache`` within ``--cache-limit``, sparing what the render that began at
    ``started`` used; one line when something had to go."""
    # A second of margin: a file system's clock may run a little behind time.time().
    eviction = enforce_limit(args.cache, args.cache_limit, used_since=started - 1)
    if eviction is not None:
        log(eviction.line())


def run(argv: list[str] | None) -> int:
    """Parse, check, render; the exit status (signals are :func:`main`'s)."""
    try:
        args = build_parser().parse_args(joined_values(list(sys.argv[1:] if argv is None else argv),
                                                       ("--cache-limit",)))
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        if (args.variants is not None or args.seed is not None) and not args.worksheet:
            raise UsageError("--variants and --seed need --worksheet")
        if args.watch:
            also = [option for option, given in (("--list", args.list), ("--script", args.script),
                                                  ("--worksheet", args.worksheet), ("--doctor", args.doctor)) if given]
            if also:
                raise UsageError(f"--watch renders the lecture; it does not go with {also[0]}")
        elif args.renders is not None or args.port is not None:
            raise UsageError(f"{'--renders' if args.renders is not None else '--port'} needs --watch")
        try:
            choose_format(args.clip_format, args.transparent)
        except ValueError as error:
            raise UsageError(str(error)) from None
        overrides = list(args.overrides)
        if args.recordings is not None:
            if args.voice not in (None, "recorded"):
                raise UsageError(f"--recordings needs --voice recorded, not --voice {args.voice}")
            args.voice = "recorded"
            overrides.append(f"voice.recordings={json.dumps(str(args.recordings))}")
        if args.voice:
            overrides.append(f"voice.name={args.voice}")
        if args.watch:  # each render checks the lesson itself: a bad save is refused while watching goes on
            return watch_lecture(args, list(sys.argv[1:] if argv is None else argv))
        if args.worksheet:  # like --script, but no scene runs: no frames, no voice
            lesson = load_lesson(args.config, overrides)
            warn_about_colors(lesson)
            return make_worksheets(lesson, args)
        scenes = select_scenes(args.scene)
        lesson = load_lesson(args.config, overrides, scenes=[scene.declared_text() for scene in scenes])
        warn_about_colors(lesson)
        recordings = Path(lesson.voice.recordings).expanduser()
        if lesson.voice.name == "recorded" and not recordings.is_dir():
            raise UsageError(f"recordings folder not found: {recordings} "
                             "(render.py --script lists the files it needs)")
        missing = missing_programs(lesson.voice.name)
        if missing and not args.doctor:  # --doctor lists it with the other checks
            raise UsageError(f"voice {lesson.voice.name} is not installed: apt-get install {' '.join(missing)} "
                             "(or choose --voice flite, or --voice none)")
    except (UsageError, ConfigError, DeclarationError) as error:
        print(f"render.py: error: {error}", file=sys.stderr)
        return 2

    quality = QUALITIES[args.quality or "high"]
    if not args.list:
        checks = run_checks(args.out, args.cache, len(scenes), quality.width * quality.height * quality.fps,
                            voice=lesson.voice.name)
        if args.doctor:
            for check in checks:
                print(check.line())
            return 0 if all(check.ok for check in checks) else 2
        problem = next((check.problem for check in checks if not check.ok), None)
        if problem:
            print(f"render.py: error: {problem}", file=sys.stderr)
            return 2

    cluster = None  # a Dask client with --scheduler, connected before anything is written
    if args.scheduler and not (args.list or args.doctor or args.script):
        try:
            cluster = connect(args.scheduler)
        except ClusterError as error:
            print(f"render.py: error: {error}", file=sys.stderr)
            return 2

    if args.script or lesson.voice.name == "recorded":
        log(f"reading the narration of {len(scenes)} scene(s)")
        try:
            with in_use(args.cache):
                lines = narration_script(scenes, lesson, args.cache)
            if args.script:
                paths = write_script(lines, args.out)
                log(f"wrote {len(lines)} lines: {paths[0]} and {paths[1]}")
                return 0
            check_recordings(Path(lesson.voice.recordings), [line.id for line in lines])
        except VoiceError as error:
            print(f"render.py: error: {error}", file=sys.stderr)
            return 2

    if args.list:
        for scene in scenes:
            print(f"{lecture_number(scene):2d}  {scene.__name__:<18} {scene.title_for(lesson)}")
        return 0

    log(f"rendering {len(scenes)} scene(s) at {quality.folder} into {args.out}/")
    started = time.time()
    try:
        with in_use(args.cache):
            result = render_lecture(scenes, lesson, args.out, quality=quality, jobs=args.jobs, cache_dir=args.cache,
                                    clip_format=args.clip_format, transparent=args.transparent,
                                    numbers=[lecture_number(scene) for scene in scenes], strict_layout=args.strict,
                                    progress=log, cluster=cluster, parts=args.segments,
                                    expect_edits=args.expect_edits)
        if cluster is not None:
            cluster.close()
    except (RenderError, VideoError, VoiceError, ClusterError) as error:
        print(f"render.py: error: {error}", file=sys.stderr)
        limit_cache(args, started)
        return 1
    except OSError as error:
        # A disk that fills during the run, a folder removed under it: one line, not a traceback.
        print(f"render.py: error: cannot write {error.filename or 'a file'}: {error.strerror or error}; "
              "the run did not finish", file=sys.stderr)
        limit_cache(args, started)
        return 1
    minutes, seconds = divmod(result.clips[-1].start + result.clips[-1].duration, 60)
    steps = sum(len(clip.steps) for clip in result.clips)
    if result.loudness is not None:
        log(f"narration: {lesson.voice.name}, {result.synthesized} cue(s) synthesized (the rest from the cache), "
            f"{result.loudness:.1f} LUFS")
    log(f"done in {result.seconds:.0f} s: {result.lecture} ({int(minutes)}:{seconds:04.1f}), "
        f"{len(result.clips)} clips and {steps} steps ({args.clip_format}), captions, chapters, manifest.json, "
        "slides.html, lecture.pptx")
    limit_cache(args, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
