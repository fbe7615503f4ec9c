"""The lecture's formulas typeset in one LaTeX run and one dvisvgm run, before scenes render.

manim typesets each formula on its own (``tex_to_svg_file``: one ``latex`` and one
``dvisvgm`` process, about a quarter of a second, mostly their start-up), and skips both
when ``<hash>.svg`` is already in ``config.tex_dir``, where ``<hash>`` is a hash of the
whole ``.tex`` file it would write (template, environment and expression). So a first
render of the lecture spends much of its time starting LaTeX about 145 times. Here:

1. :func:`collect` runs each scene that is about to render without drawing a frame
   (manim's ``skip_animations``), with manim's typesetting replaced by a recorder that
   keeps the ``.tex`` file manim would compile and hands back a stand-in SVG (one square
   per character, in the groups MathTex looks up), so no LaTeX runs;
2. :func:`compile_batch` puts every formula not yet typeset on its own page of one
   document (the same preamble, each page's body exactly as manim writes it; the
   ``standalone`` class's ``multi`` option makes each one a page), runs ``latex`` once and
   ``dvisvgm --page=1-`` once with manim's options, and stores each page as ``<hash>.svg``
   in one store shared by all scenes and qualities (``<cache>/texstore``);
3. :func:`place` hard-links each scene's SVGs from the store into the scene's own
   ``tex_dir``, where manim finds them and compiles nothing.

The pages are the same glyphs at the same positions as manim's own files: only the
numbers dvisvgm gives its fonts (``g1-120`` for ``g2-120``) differ. A formula LaTeX
rejects is found by compiling halves of a failing batch again, is reported in one
line, and gets no SVG: manim then compiles it itself when the scene renders and fails
there as it always did. A scene rendered before with this cache (its ``tex_dir`` has
SVGs) is not collected: the few formulas it lacks are typeset on their own.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

from lessonkit.cachelimit import mark_used

#: The store of typeset formulas, under the cache: one SVG per formula, any scene, any quality.
STORE_FOLDER = "texstore"
#: The environment that makes each formula a page of the batch (``standalone``'s ``multi``).
PAGE_ENVIRONMENT = "lessonformula"
_BEGIN, _END = "\\begin{document}", "\\end{document}"
_GROUP_MARK = re.compile(r"\\special\{dvisvgm:raw (<g id='([^']*)'>|</g>)\}")


@dataclass(frozen=True)
class TexFile:
    """One formula as manim writes it: ``name`` is manim's file stem (the hash of ``text``)."""

    name: str
    text: str
    compiler: str = "latex"
    output_format: str = ".dvi"

    @property
    def preamble(self) -> str:
        return self.text.split(_BEGIN, 1)[0]

    @property
    def body(self) -> str:
        """What manim puts between ``\\begin{document}`` and ``\\end{document}``."""
        return self.text.split(_BEGIN, 1)[1].rsplit(_END, 1)[0]

    @property
    def batchable(self) -> bool:
        """Typeset with ``latex`` to DVI by a one-page ``standalone`` preview template,
        as manim's default template is; other templates are left to manim."""
        return (self.compiler == "latex" and self.output_format == ".dvi" and _BEGIN in self.text
                and re.search(r"\\documentclass\[[^\]]*\bpreview\b[^\]]*\]\{standalone\}", self.preamble) is not None
                and "multi" not in self.preamble.split("{standalone}", 1)[0])


@dataclass(frozen=True)
class BatchResult:
    """What :func:`compile_batch` did: formulas typeset, formulas LaTeX rejected (name ->
    its first error line), and how many ``latex`` runs it took."""

    typeset: list[str]
    failed: dict[str, str]
    latex_runs: int
    #: How long each scene's run without frames took, in seconds, by scene (set by :func:`prepare`).
    collect_seconds: dict[str, float] = field(default_factory=dict)


# --- collecting the formulas scenes typeset --------------------------------------------


def stand_in_svg(expression: str) -> str:
    """An SVG shaped like what MathTex expects of ``expression``, without typesetting it:
    the groups its ``\\special{dvisvgm:raw <g id=...>}`` marks open, nested as they are,
    each text between marks drawn as one small square per character, so code that picks
    glyphs by index finds them. Sizes and positions are not the formula's."""
    parts: list[str] = []
    x = 0.0

    def squares(text: str) -> None:
        nonlocal x
        for _ in range(len("".join(text.split()))):
            parts.append(f"<path d='M{x:.1f} 0H{x + 4:.1f}V-6H{x:.1f}Z'/>")
            x += 5.0

    position = 0
    for mark in _GROUP_MARK.finditer(expression):
        squares(expression[position:mark.start()])
        parts.append(f"<g id='{mark.group(2)}'>" if mark.group(2) is not None else "</g>")
        position = mark.end()
    squares(expression[position:])
    if x == 0.0:
        squares("x")  # manim scales by height: never an empty picture
    return ("<?xml version='1.0' encoding='UTF-8'?>\n<svg version='1.1' xmlns='http://www.w3.org/2000/svg' "
            f"viewBox='-1 -7 {x + 2:.1f} 8'>\n<g id='page1'>\n{''.join(parts)}\n</g>\n</svg>\n")


@contextlib.contextmanager
def recording(folder: Path) -> Iterator[dict[str, TexFile]]:
    """While open, MathTex and Tex typeset nothing: manim's ``tex_to_svg_file`` is replaced
    by a recorder that writes the ``.tex`` file manim would (into ``config.tex_dir``) and
    returns a stand-in SVG from ``folder``. Yields the formulas recorded, by name."""
    from manim import config
    from manim.mobject.svg import svg_mobject
    from manim.mobject.text import tex_mobject, text_mobject
    from manim.utils import tex_file_writing

    recorded: dict[str, TexFile] = {}
    folder.mkdir(parents=True, exist_ok=True)

    def record(expression: str, environment: str | None = None, tex_template=None) -> Path:
        template = tex_template if tex_template is not None else config["tex_template"]
        tex_file = tex_file_writing.generate_tex_file(expression, environment, template)
        recorded.setdefault(tex_file.stem, TexFile(tex_file.stem, tex_file.read_text(encoding="utf-8"),
                                                   template.tex_compiler, template.output_format))
        stand_in = folder / f"{tex_file.stem}.svg"
        if not stand_in.exists():
            stand_in.write_text(stand_in_svg(expression), encoding="utf-8")
        return stand_in

    def text_stand_in(text: "text_mobject.Text", color) -> str:
        stand_in = folder / f"text-{text._text2hash(color)}.svg"
        if not stand_in.exists():
            stand_in.write_text(stand_in_svg(text.text), encoding="utf-8")
        return str(stand_in)

    known = set(svg_mobject.SVG_HASH_TO_MOB_MAP)
    original, tex_mobject.tex_to_svg_file = tex_mobject.tex_to_svg_file, record
    # Text's glyphs only place things on screen; drawing them with Pango and reading them
    # back would be a third of the run. Its stand-in keeps one glyph per character.
    original_text, text_mobject.Text._text2svg = text_mobject.Text._text2svg, text_stand_in
    try:
        yield recorded
    finally:
        tex_mobject.tex_to_svg_file = original
        text_mobject.Text._text2svg = original_text
        # manim keeps parsed SVGs by file name: drop the stand-ins, whose files go away.
        for key in set(svg_mobject.SVG_HASH_TO_MOB_MAP) - known:
            del svg_mobject.SVG_HASH_TO_MOB_MAP[key]


def collect(scene_class: type, work_dir: Path) -> tuple[list[TexFile], str | None]:
    """The formulas ``scene_class`` typesets with the active lesson, in the order it first
    typesets them, found by running it without frames, sound or LaTeX (see
    :func:`recording`); and what stopped the run early (a scene whose code needs real
    glyph sizes may stop), else None: the formulas before that point are still returned."""
    from manim import tempconfig

    from lessonkit.jobs import draw_no_frames
    from lessonkit.scene import LessonScene

    settings = {"media_dir": str(work_dir), "tex_dir": str(work_dir / "tex"), "text_dir": str(work_dir / "texts"),
                "dry_run": True, "disable_caching": True,
                "progress_bar": "none", "verbosity": "ERROR"}
    problem = None
    narration_to_movie, LessonScene.narration_to_movie = LessonScene.narration_to_movie, False
    # The layout check measures every glyph after every animation, and a stand-in's glyphs
    # are not the formula's: half of the run's time, for findings that mean nothing here.
    inspect_screen, LessonScene._inspect_screen = LessonScene._inspect_screen, lambda scene: None
    try:
        with tempconfig(settings), recording(work_dir / "stand-ins") as recorded:
            scene = scene_class(skip_animations=True)
            draw_no_frames(scene)
            try:
                scene.render()
            except Exception as error:  # the scene's own bug, or a stand-in's size broke it: keep what was seen
                problem = f"{type(error).__name__}: {error}"
                with contextlib.suppress(Exception):
                    scene.tear_down()  # a LessonScene's theme defaults for MathTex and Text
    finally:
        LessonScene.narration_to_movie = narration_to_movie
        LessonScene._inspect_screen = inspect_screen
    return list(recorded.values()), problem


# --- typesetting many formulas at once --------------------------------------------------


def _batch_document(sources: Sequence[TexFile]) -> str:
    """One document, one page per formula: the shared preamble, told to make a page of
    each ``lessonformula`` environment, around each formula's body exactly as manim wrote it."""
    pages = "".join(f"\\begin{{{PAGE_ENVIRONMENT}}}{source.body}\\end{{{PAGE_ENVIRONMENT}}}\n" for source in sources)
    return (f"\\PassOptionsToClass{{multi={PAGE_ENVIRONMENT}}}{{standalone}}\n{sources[0].preamble}"
            f"\\newenvironment{{{PAGE_ENVIRONMENT}}}{{}}{{}}\n{_BEGIN}\n{pages}{_END}\n")


def _first_error(log: Path) -> str:
    """The first ``!`` line of a LaTeX log, without the ``!``."""
    with contextlib.suppress(OSError):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("!"):
                return line[1:].strip()
    return "LaTeX failed without an error line in its log"


def _pages_written(log: Path) -> int:
    # TeX breaks its log's lines at 79 characters, wherever they are.
    text = "".join(log.read_text(encoding="utf-8", errors="replace").splitlines())
    found = re.search(r"Output written on \S*? \((\d+) pages?", text)
    return int(found.group(1)) if found else 0


def _latex(sources: Sequence[TexFile], work: Path) -> tuple[Path | None, str]:
    """Typeset ``sources`` as one document in ``work``: its DVI (one page per formula), or
    None and LaTeX's first error (also when a formula did not make exactly one page)."""
    work.mkdir(parents=True, exist_ok=True)
    tex = work / "batch.tex"
    tex.write_text(_batch_document(sources), encoding="utf-8")
    command = ["latex", "-interaction=batchmode", "-halt-on-error", "-output-directory=.", tex.name]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
    log = tex.with_suffix(".log")
    if done.returncode != 0:
        return None, _first_error(log)
    pages = _pages_written(log)
    if pages != len(sources):
        return None, f"{len(sources)} formula(s) made {pages} page(s)"
    return tex.with_suffix(".dvi"), ""


def _dvisvgm(dvi: Path, count: int) -> dict[int, Path]:
    """Every page of ``dvi`` as an SVG, with the options manim uses (no fonts, quiet): page
    number -> file."""
    subprocess.run(["dvisvgm", "--page=1-", "--no-fonts", "--verbosity=0",
                    f"--output={(dvi.parent / 'page-%p.svg').as_posix()}", dvi.as_posix()],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=dvi.parent)
    pages = {int(path.stem.removeprefix("page-")): path for path in dvi.parent.glob("page-*.svg")}
    return {number: path for number, path in pages.items() if 1 <= number <= count}


def _store_page(page: Path, target: Path) -> None:
    """A page's SVG under the formula's name, as manim's own file would be: page 1 of its
    document. Written aside and renamed, so a reader never sees half a file."""
    svg = re.sub(r"<g id='page\d+'>", "<g id='page1'>", page.read_text(encoding="utf-8"), count=1)
    aside = target.with_name(f".{os.getpid()}.{target.name}")
    aside.write_text(svg, encoding="utf-8")
    os.replace(aside, target)


def compile_batch(sources: Sequence[TexFile], store: Path) -> BatchResult:
    """Typeset ``sources`` not yet in ``store`` into ``store/<name>.svg``: one ``latex`` and
    one ``dvisvgm`` run per preamble. When LaTeX rejects a batch, each half is compiled
    again, down to the formulas that fail on their own (reported in ``failed``, given no
    SVG); formulas of other templates are left alone."""
    if shutil.which("latex") is None or shutil.which("dvisvgm") is None:
        return BatchResult([], {}, 0)  # manim will say what is missing, as it always has
    store.mkdir(parents=True, exist_ok=True)
    pending: dict[str, list[TexFile]] = {}
    for source in {source.name: source for source in sources}.values():
        if source.batchable and not (store / f"{source.name}.svg").exists():
            pending.setdefault(source.preamble, []).append(source)
    typeset: list[str] = []
    failed: dict[str, str] = {}
    runs = 0
    with tempfile.TemporaryDirectory(prefix="batch-", dir=store) as work:
        queue = list(pending.values())
        while queue:
            group = queue.pop()
            runs += 1
            folder = Path(work) / str(runs)
            dvi, error = _latex(group, folder)
            if dvi is None:
                if len(group) == 1:
                    failed[group[0].name] = error
                else:
                    queue += [group[len(group) // 2:], group[:len(group) // 2]]
                continue
            for number, page in _dvisvgm(dvi, len(group)).items():
                _store_page(page, store / f"{group[number - 1].name}.svg")
                typeset.append(group[number - 1].name)
            shutil.rmtree(folder, ignore_errors=True)
    return BatchResult(typeset, failed, runs)


def place(names: Sequence[str], store: Path, tex_dir: Path) -> int:
    """Link the store's SVGs of ``names`` into ``tex_dir`` (a scene's own LaTeX folder),
    where manim looks for them; the number placed. A name the store lacks is skipped."""
    tex_dir.mkdir(parents=True, exist_ok=True)
    placed = 0
    for name in names:
        source, target = store / f"{name}.svg", tex_dir / f"{name}.svg"
        if not source.exists():
            continue
        mark_used(source)
        if target.exists():
            continue
        aside = target.with_name(f".{os.getpid()}.{target.name}")
        try:
            os.link(source, aside)
        except OSError:  # a file system without hard links
            shutil.copyfile(source, aside)
        os.replace(aside, target)
        placed += 1
    return placed


# --- the pipeline's step ----------------------------------------------------------------


def _collect_scene(module: str, name: str, lesson_data: Mapping) -> tuple[str, list[TexFile], str | None, float]:
    """:func:`collect` for one scene, by module and name, with ``lesson_data`` active and
    silent; the scene's name, its formulas, what stopped it early (or None) and how many
    seconds it took."""
    import importlib
    import time

    from lessonkit import config as lesson_config

    data = dict(lesson_data)
    data["voice"] = {**data.get("voice", {}), "name": "none"}  # formulas only: no speech
    previous = lesson_config._active
    lesson_config.use_lesson(lesson_config.Lesson(data))
    try:
        scene_class = getattr(importlib.import_module(module), name)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="texbatch-") as work:
            return (name, *collect(scene_class, Path(work)), time.perf_counter() - started)
    finally:
        lesson_config._active = previous


def _collect_all(calls: Sequence[tuple[str, str, Mapping]], processes: int,
                 pool: Executor | None = None) -> list[tuple[str, list[TexFile], str | None, float]]:
    """:func:`_collect_scene` for each (module, name, lesson) of ``calls``: in this process,
    in up to ``processes`` fresh ones, or in the worker ``pool`` given (the render's own)."""
    from lessonkit.jobs import _terminate, worker_pool

    if pool is None and (processes <= 1 or len(calls) <= 1):
        return [_collect_scene(*call) for call in calls]
    own = pool is None
    if own:
        pool = worker_pool(min(processes, len(calls)))
    try:
        return list(pool.map(_collect_scene, *zip(*calls)))
    except BaseException:  # Ctrl-C, a signal: stop now, as the render's workers do
        _terminate(pool)
        raise
    finally:
        if own:
            pool.shutdown()


def prepare(jobs: Sequence, processes: int = 1,
            progress: Callable[[str], None] = lambda message: None,
            pool: Executor | None = None) -> BatchResult | None:
    """Before the scenes of ``jobs`` render (the pipeline's ``SceneJob``: ``module``,
    ``name``, ``lesson``, ``cache_dir``, ``tex_dir``): collect the formulas of those never
    rendered with this cache (no SVG in their ``tex_dir``), in up to ``processes``
    processes (or in the worker ``pool`` that will render them); typeset them in one batch
    into the store, and place each scene's in its ``tex_dir``. None when there was nothing
    to collect."""
    fresh = [job for job in jobs if not any(Path(job.tex_dir).glob("*.svg"))]
    if not fresh:
        return None
    found: dict[str, list[TexFile]] = {}
    seconds: dict[str, float] = {}
    for name, sources, problem, seconds[name] in _collect_all([(job.module, job.name, job.lesson) for job in fresh],
                                                              processes, pool):
        found[name] = sources
        if problem is not None:
            progress(f"formulas of {name}: {len(sources)} collected before the scene stopped ({problem}); "
                     "any others are typeset one by one when it renders")
    store = Path(fresh[0].cache_dir) / STORE_FOLDER
    result = compile_batch([source for sources in found.values() for source in sources], store)
    for job in fresh:
        sources = found[job.name]
        place([source.name for source in sources], store, Path(job.tex_dir))
        for source in sources:
            if source.name in result.failed:
                progress(f'LaTeX error in a formula of {job.name}, "{_expression(source)}": '
                         f"{result.failed[source.name]}")
    progress(f"typeset {len(result.typeset)} formula(s) of {len(fresh)} scene(s) in {result.latex_runs} LaTeX run(s)")
    return replace(result, collect_seconds=seconds)


def _expression(source: TexFile) -> str:
    """The formula as written, without MathTex's group marks and the environment's lines."""
    lines = [line for line in source.body.strip().splitlines() if not re.fullmatch(r"\\(begin|end)\{[^}]*\}", line)]
    return _GROUP_MARK.sub("", "\n".join(lines)).strip()
