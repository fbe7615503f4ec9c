"""Checks before rendering: folders usable, free disk space, LaTeX, Cairo, Pango and fonts.

A render that would fail on one of these fails minutes in, or after the whole render
when the outputs are written. ``render.py`` runs :func:`run_checks` first and stops on
the first problem with one line naming the fix; ``render.py --doctor`` prints them all.

>>> [check.name for check in run_checks(Path("output"), Path(".cache/manim"), 1, 854 * 480 * 15)][:3]
['--out', '--cache', 'disk space']
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lessonkit.cachelimit import format_size
from lessonkit.fonts import FONT, FONT_PACKAGE

#: Programs manim runs to typeset MathTex, and the Debian package of each.
PROGRAMS = {"latex": "texlive-latex-base", "dvisvgm": "dvisvgm"}
#: LaTeX files manim's default template needs beyond the base, and the Debian package of each.
LATEX_FILES = {"standalone.cls": "texlive-latex-extra"}
#: What ``render.py --worksheet`` typesets with: pdflatex, and the LaTeX files of its
#: template (lessonkit/templates/worksheet.tex) beyond the base, with their Debian packages.
WORKSHEET_PROGRAMS = {"pdflatex": "texlive-latex-base"}
WORKSHEET_LATEX_FILES = {"tcolorbox.sty": "texlive-latex-extra", "enumitem.sty": "texlive-latex-extra",
                         "needspace.sty": "texlive-latex-extra", "xcolor.sty": "texlive-latex-recommended",
                         "cmap.sty": "texlive-latex-recommended", "uhvr8a.pfb": "texlive-fonts-recommended"}
#: Python modules compiled against Cairo and Pango (no Linux wheels), and the Debian packages they build with.
NATIVE_MODULES = {"cairo": ("libcairo2-dev", "pkg-config", "gcc"),
                  "manimpango": ("libpango1.0-dev", "pkg-config", "gcc")}
#: Font families Text() draws with, and the Debian package of each.
FONTS = {FONT: FONT_PACKAGE}

#: Bytes of H.264 per pixel drawn, measured on this lecture at 480p15 (about 11 KB a second);
#: the lecture is mostly still, so this overestimates higher qualities a little, which is the safe side.
BYTES_PER_PIXEL = 0.002
#: Seconds of video per scene (the lecture: 4:59 in 11 scenes).
SECONDS_PER_SCENE = 30
#: Copies of the video each folder holds: the output has the lecture, clips, steps and the
#: steps again inside lecture.pptx; the cache has partial movies, the scene, its sections and this run's copies.
COPIES = {"--out": 4, "--cache": 4}


@dataclass(frozen=True)
class Check:
    """One check's outcome: ``problem`` is None when it passed, else one line naming the fix."""

    name: str
    detail: str
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def line(self) -> str:
        """``ok       latex: /usr/bin/latex`` or ``problem  latex: ...``, for ``--doctor``."""
        return f"{'ok' if self.ok else 'problem':<8} {self.name}: {self.problem or self.detail}"


def nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (where a new folder would be made)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_folder(path: Path | str, option: str) -> Check:
    """``path`` can be made a folder and written into; it is not created."""
    if not str(path).strip():
        return Check(option, "", f"{option} is empty; give a folder, e.g. {option} output")
    path = Path(path)
    if path.exists() and not path.is_dir():
        return Check(option, "", f"{option} {path} is a file, not a folder; give a folder")
    anchor = nearest_existing(path)
    if not anchor.is_dir():
        return Check(option, "", f"{option} {path} is under {anchor}, which is a file; give a folder elsewhere")
    try:
        # A real attempt: permission bits say nothing for root, and some filesystems are read-only.
        with tempfile.NamedTemporaryFile(dir=anchor, prefix=".write-check-"):
            pass
    except OSError as error:
        return Check(option, "", f"{option} {path} is not writable ({error.strerror} in {anchor}); "
                                 "give a folder you can write to")
    return Check(option, f"{path} is writable")


def estimated_bytes(scene_count: int, pixels_per_second: float) -> float:
    """The video bytes of ``scene_count`` scenes at a quality drawing ``pixels_per_second``."""
    return scene_count * SECONDS_PER_SCENE * pixels_per_second * BYTES_PER_PIXEL


def check_free_space(folders: dict[str, Path], scene_count: int, pixels_per_second: float) -> Check:
    """Enough free space on each filesystem for what the run writes to the folders on it."""
    video = estimated_bytes(scene_count, pixels_per_second)
    needs: dict[int, tuple[Path, float, list[str]]] = {}
    for option, folder in folders.items():
        anchor = nearest_existing(folder)
        device = anchor.stat().st_dev
        _, needed, options = needs.get(device, (anchor, 0.0, []))
        needs[device] = (anchor, needed + COPIES[option] * video, options + [option])
    details = []
    for anchor, needed, options in needs.values():
        free = shutil.disk_usage(anchor).free
        where = " and ".join(options)
        if free < needed:
            return Check("disk space", "", f"not enough free disk space for {where}: "
                         f"about {format_size(needed)} needed "
                         f"(estimated for {scene_count} scene(s) of about {SECONDS_PER_SCENE} s), "
                         f"{format_size(free)} free in {anchor}; free some space or choose another folder")
        details.append(f"{where}: about {format_size(needed)} needed, {format_size(free)} free")
    return Check("disk space", "; ".join(details))


def check_program(program: str, package: str) -> Check:
    found = shutil.which(program)
    if not found:
        return Check(program, "", f"{program} not found; install the Debian package {package} "
                                  f"(apt-get install {package})")
    return Check(program, found)


def check_latex_file(name: str, package: str) -> Check:
    try:
        found = subprocess.run(["kpsewhich", name], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if not found:
        return Check(name, "", f"LaTeX cannot find {name}; install the Debian package {package} "
                               f"(apt-get install {package})")
    return Check(name, found)


def check_native_module(module: str, packages: tuple[str, ...]) -> Check:
    try:
        importlib.import_module(module)
    except ImportError as error:
        names = " ".join(packages)
        return Check(module, "", f"Python module {module} does not load ({error}); install the Debian packages "
                                 f"{names} (apt-get install {names}), then reinstall: pip install -e .")
    return Check(module, "loads")


def check_font(family: str, package: str) -> Check:
    try:
        import manimpango

        families = set(manimpango.list_fonts())
    except ImportError:
        families = set()
    if family not in families:
        return Check(f"font {family}", "", f"font {family} not found by Pango; install the Debian package "
                                           f"{package} (apt-get install {package})")
    return Check(f"font {family}", "found")


def check_voice(voice_name: str) -> Check:
    """The program of the lesson's offline voice (none for a silent or recorded lecture)."""
    from lessonkit.voices import missing_programs

    missing = missing_programs(voice_name)
    if missing:
        return Check(f"voice {voice_name}", "", f"voice {voice_name} is not installed: apt-get install "
                                                f"{' '.join(missing)} (or choose --voice flite, or --voice none)")
    return Check(f"voice {voice_name}", "ready")


def run_checks(out_dir: Path, cache_dir: Path, scene_count: int, pixels_per_second: float,
               voice: str | None = None) -> list[Check]:
    """Every check, in the order ``--doctor`` prints them (``voice``: the lesson's voice.name).
    Nothing is created."""
    checks = [check_folder(out_dir, "--out"), check_folder(cache_dir, "--cache")]
    if all(check.ok for check in checks):
        checks.append(check_free_space({"--out": out_dir, "--cache": cache_dir}, scene_count, pixels_per_second))
    checks += [check_program(program, package) for program, package in PROGRAMS.items()]
    if shutil.which("kpsewhich"):
        checks += [check_latex_file(name, package) for name, package in LATEX_FILES.items()]
    checks += [check_native_module(module, packages) for module, packages in NATIVE_MODULES.items()]
    checks += [check_font(family, package) for family, package in FONTS.items()]
    if voice is not None:
        checks.append(check_voice(voice))
    return checks


def worksheet_checks(out_dir: Path) -> list[Check]:
    """What ``render.py --worksheet`` needs: a writable ``--out``, pdflatex and the template's
    LaTeX packages. Nothing is created."""
    checks = [check_folder(out_dir, "--out")]
    checks += [check_program(program, package) for program, package in WORKSHEET_PROGRAMS.items()]
    if shutil.which("kpsewhich"):
        checks += [check_latex_file(name, package) for name, package in WORKSHEET_LATEX_FILES.items()]
    return checks
