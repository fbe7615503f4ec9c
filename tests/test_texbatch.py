"""The lecture's formulas typeset in one batch (lessonkit/texbatch.py): manim finds the
batch's SVGs under its own names and compiles nothing, they draw the same points as
manim's own, and a formula LaTeX rejects leaves the others typeset."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from manim import MathTex, Scene, Tex, tempconfig

from lessonkit import texbatch
from lessonkit.pipeline import SceneJob, QUALITIES

#: Formulas as the lecture builds them: parts, colored parts, isolated substrings, prose.
FORMULAS: dict[str, Callable[[], object]] = {
    "parts": lambda: MathTex(r"\sigma'(z)", "=", r"\sigma(z)", r"\,(1 - ", r"\sigma(z)", ")"),
    "colored": lambda: MathTex(r"\sigma(z) = {1 \over 1 + e^{-z}}",
                               tex_to_color_map={r"\sigma": "#58C4DD", "z": "#FFA48C"}),
    "isolated": lambda: MathTex(r"0.25^{10} \times 0.1", substrings_to_isolate=["0.25", r"\times"]),
    "fraction": lambda: MathTex(r"\frac{\partial \mathcal{L}}{\partial w_1}"),
    "number": lambda: MathTex("0.00664"),
    "prose": lambda: Tex(r"the gradient $\to 0$"),
}
BROKEN = r"\frac{"


def build(tex_dir: Path, *makers: Callable[[], object]) -> list:
    with tempconfig({"tex_dir": str(tex_dir), "verbosity": "ERROR"}):
        return [make() for make in makers]


def record(work: Path, *makers: Callable[[], object]) -> list[texbatch.TexFile]:
    with tempconfig({"tex_dir": str(work / "tex"), "verbosity": "ERROR"}), \
            texbatch.recording(work / "stand-ins") as recorded:
        for make in makers:
            make()
    return list(recorded.values())


def shape(mobject) -> list:
    """The points of every part, in order, with the tree of parts (what a viewer sees)."""
    return [(len(part.submobjects), part.points, part.get_fill_color().to_hex())
            for part in mobject.get_family()]


@pytest.fixture(scope="module")
def batched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, texbatch.BatchResult, list[texbatch.TexFile]]:
    """FORMULAS recorded, typeset in one batch and placed in a scene's folder."""
    work = tmp_path_factory.mktemp("batch")
    sources = record(work, *FORMULAS.values())
    result = texbatch.compile_batch(sources, work / "store")
    texbatch.place([source.name for source in sources], work / "store", work / "scene")
    return work / "scene", result, sources


def test_one_latex_run_typesets_every_formula_under_manims_names(batched, monkeypatch) -> None:
    scene_dir, result, sources = batched
    assert result.latex_runs == 1 and not result.failed
    assert sorted(result.typeset) == sorted(source.name for source in sources)
    assert len(sources) == len(FORMULAS)
    compiled = []
    monkeypatch.setattr("manim.utils.tex_file_writing.compile_tex", lambda *args: compiled.append(args))
    build(scene_dir, *FORMULAS.values())
    assert compiled == []  # manim found every SVG and ran no LaTeX
    assert not [path for path in scene_dir.iterdir() if path.suffix in (".dvi", ".log", ".aux")]


@pytest.mark.parametrize("name", list(FORMULAS))
def test_batched_formulas_draw_the_same_points_as_manims_own(batched, tmp_path: Path, name: str) -> None:
    scene_dir, _, _ = batched
    (mine,) = build(scene_dir, FORMULAS[name])
    (theirs,) = build(tmp_path, FORMULAS[name])  # an empty folder: manim typesets it itself
    assert (tmp_path / f"{next(tmp_path.glob('*.tex')).stem}.svg").exists()
    mine_shape, their_shape = shape(mine), shape(theirs)
    assert len(mine_shape) == len(their_shape) > 1
    for (mine_parts, mine_points, mine_color), (their_parts, their_points, their_color) in zip(mine_shape, their_shape):
        assert (mine_parts, mine_color) == (their_parts, their_color)
        np.testing.assert_allclose(mine_points, their_points, atol=1e-9)


def test_a_latex_error_leaves_the_others_typeset_and_fails_when_its_formula_renders(tmp_path: Path) -> None:
    good = record(tmp_path, *FORMULAS.values())
    broken = record(tmp_path, lambda: MathTex(BROKEN))
    result = texbatch.compile_batch([*good[:3], *broken, *good[3:]], tmp_path / "store")
    assert sorted(result.typeset) == sorted(source.name for source in good)
    assert list(result.failed) == [broken[0].name]
    assert "\n" not in result.failed[broken[0].name] and result.failed[broken[0].name]
    texbatch.place([source.name for source in [*good, *broken]], tmp_path / "store", tmp_path / "scene")
    build(tmp_path / "scene", *FORMULAS.values())
    with pytest.raises(ValueError, match="latex error"):
        build(tmp_path / "scene", lambda: MathTex(BROKEN))


class FormulaScene(Scene):
    """Two formulas on screen, one after the other, for :func:`texbatch.prepare`."""

    formulas = (r"\sigma(0) = 0.5", r"\sigma'(0) = 0.25")

    def construct(self) -> None:
        first = MathTex(self.formulas[0])
        self.add(first)
        self.play(first.animate.shift([1, 0, 0]), run_time=0.5)
        self.add(MathTex(self.formulas[1]).next_to(first, [0, -1, 0]))


class BrokenFormulaScene(FormulaScene):
    formulas = (r"\sigma(0) = 0.5", BROKEN)


def job(scene: type, cache_dir: Path) -> SceneJob:
    from lessonkit.config import load_lesson

    return SceneJob(0, __name__, scene.__name__, load_lesson().to_dict(), QUALITIES["low"], cache_dir)


def test_prepare_collects_a_scenes_formulas_and_reports_one_that_latex_rejects(tmp_path: Path) -> None:
    lines: list[str] = []
    jobs = [job(FormulaScene, tmp_path), job(BrokenFormulaScene, tmp_path)]
    result = texbatch.prepare(jobs, processes=1, progress=lines.append)
    assert result is not None and len(result.typeset) == 2 and len(result.failed) == 1
    # How long each scene's run took: what the render's order falls back on (longest first).
    assert set(result.collect_seconds) == {"FormulaScene", "BrokenFormulaScene"}
    assert all(seconds > 0 for seconds in result.collect_seconds.values())
    assert len(list(jobs[0].tex_dir.glob("*.svg"))) == 2  # both of FormulaScene's
    assert len(list(jobs[1].tex_dir.glob("*.svg"))) == 1  # the shared one, linked, not the broken one
    (error,) = [line for line in lines if "LaTeX error" in line]
    # As LaTeX saw it: MathTex closes a stray brace itself (\frac{} still fails).
    assert error == (r'LaTeX error in a formula of BrokenFormulaScene, "\frac{}": '
                     + result.failed[next(iter(result.failed))])
    assert texbatch.prepare(jobs, processes=1) is None  # rendered before: nothing to collect


def test_collecting_draws_no_frame(tmp_path: Path, monkeypatch) -> None:
    """The run that finds a scene's formulas looks at no picture: manim, which draws the
    still part of the picture even at a play it skips, is not left to draw it."""
    from manim.camera.camera import Camera

    drawn: list[int] = []
    capture = Camera.capture_mobjects
    monkeypatch.setattr(Camera, "capture_mobjects",
                        lambda camera, *args, **kwargs: drawn.append(1) or capture(camera, *args, **kwargs))
    sources, problem = texbatch.collect(FormulaScene, tmp_path)
    assert problem is None and len(sources) == 2
    assert drawn == []


def test_a_stand_in_has_the_groups_mathtex_looks_up() -> None:
    svg = texbatch.stand_in_svg(r"\special{dvisvgm:raw <g id='unique000'>}a\special{dvisvgm:raw </g>}"
                                r"\special{dvisvgm:raw <g id='unique001'>}b c\special{dvisvgm:raw </g>}")
    assert "<g id='unique000'><path" in svg and svg.count("<path") == 3
