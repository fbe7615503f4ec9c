"""Worksheets and answer keys: typeset, read back as text, every number recomputed by mathcore."""

from __future__ import annotations

import re
import pytest
from pypdf import PdfReader

import mathcore
from lessonkit.config import load_lesson
from lessonkit.worksheet import (
    SATURATED_SHARE,
    VANISHING_BELOW,
    WORKSHEET_FILES,
    build_sheets,
    latex_escape,
    write_worksheets,
)
from mathcore import format_number, format_percent, share_of_max_gradient

LESSON = load_lesson()
#: Seeds whose drawn sheets are typeset and read back (the default sheet uses seed 1).
SEEDS = (7, 2026)


def recompute(source: str) -> float:
    """The value of a recorded mathcore expression, evaluated with mathcore's functions only."""
    return float(eval(source, {"__builtins__": {}}, vars(mathcore)))  # noqa: S307 - our own expressions


def pdf_pages(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def sheet_text(pages: list[str], number: int, of: int) -> str:
    """The text of sheet ``number``'s pages (each page's footer names its sheet)."""
    return "\n".join(page for page in pages if re.search(rf"sheet {number} of {of}\b", page.splitlines()[-1]))


# Numbers that are part of a formula's or the page's shape, not computed values.
STRUCTURE = [
    r"sheet \d+ of \d+", r"seed \d+", r"Problem \d+", r"after layer \d+", r"\(z [<>] 0\)",
    r"1 1 \+",  # the 1 of 1 / (1 + e^-z), written above the fraction bar
    r"\(1 − 𝜎", r"𝜎′\(0\)",
]
NUMBER = re.compile(r"−?\d+(?:\.\d+)?(?: × 10−?\d+)?")


def numbers_in(text: str) -> list[str]:
    for pattern in STRUCTURE:
        text = re.sub(pattern, " ", text)
    return NUMBER.findall(text)


def as_extracted(latex_number: str) -> str:
    """How a number formatted by mathcore reads back from the PDF."""
    return (latex_number.replace(r"\times", "×").replace("^{", "").replace("}", "").replace(r"\%", "")
            .replace("-", "−").replace("  ", " "))


@pytest.fixture(scope="module")
def typeset(tmp_path_factory):
    """The default lesson's sheet and two seeds' three sheets each, typeset."""
    folders = {}
    for seed, variants in ((None, None), *((seed, 3) for seed in SEEDS)):
        folder = tmp_path_factory.mktemp(f"sheets-{seed}")
        write_worksheets(LESSON, folder, variants=variants, seed=seed or 1)
        folders[seed] = (folder, build_sheets(LESSON, variants, seed or 1))
    return folders


def test_every_recorded_number_is_mathcore_and_formatted_by_it():
    for variants, seed in ((None, 1), (5, 7), (5, 2026), (5, 99)):
        for sheet in build_sheets(LESSON, variants, seed):
            for problem in sheet.problems:
                assert problem.numbers
                for number in problem.numbers:
                    assert recompute(number.source) == number.value, (problem.title, number)
                    assert number.text in {format_number(number.value, 4), format_percent(number.value, 3)}, number


def test_the_default_sheet_poses_the_videos_problems():
    sheet = build_sheets(LESSON, None, 1)[0]
    first, _, chain, _, ball = sheet.problems
    assert {n.label: n.text for n in first.numbers}["share_percent"] == r"2.66\%"
    assert first.numbers[0].value == LESSON.practice.z
    values = {n.label: n.value for n in chain.numbers}
    assert (values["layers"], values["per_layer_gradient"], values["learning_rate"]) == (
        LESSON.chain.layers, LESSON.chain.per_layer_gradient, LESSON.chain.learning_rate)
    assert {n.label: n.text for n in chain.numbers}["first_layer_gradient"] == "0.00032"
    assert {n.label: n.value for n in ball.numbers}["push"] == LESSON.ball.push
    assert ball.answer.startswith("Least on ReLU, on its flat side")


@pytest.mark.parametrize("seed", SEEDS)
def test_drawn_values_still_teach_and_repeat_with_the_seed(seed):
    sheets = build_sheets(LESSON, 6, seed)
    assert [s.values for s in sheets] == [s.values for s in build_sheets(LESSON, 6, seed)]
    assert len({s.values for s in sheets}) == len(sheets), "each sheet its own values"
    assert [s.values for s in build_sheets(LESSON, 6, seed + 1)] != [s.values for s in sheets]
    for sheet in sheets:
        v = sheet.values
        for z in (v.z, v.other_z, v.plateau_z):
            assert share_of_max_gradient(z) < SATURATED_SHARE
        assert v.z != v.other_z and v.chain != v.other_chain
        for layers, g, rate in (v.chain, v.other_chain):
            assert mathcore.practice_problem_2(g, layers, rate).first_layer_gradient < VANISHING_BELOW


@pytest.mark.parametrize("seed", [None, *SEEDS])
def test_answers_read_back_hold_every_number_and_no_other(typeset, seed):
    folder, sheets = typeset[seed]
    pages = pdf_pages(folder / "answers.pdf")
    for sheet in sheets:
        text = sheet_text(pages, sheet.number, sheet.of)
        assert f"Answer key: sheet {sheet.number} of {sheet.of}" in text
        expected = {as_extracted(n.text) for p in sheet.problems for n in p.numbers}
        found = numbers_in(text)
        for problem in sheet.problems:
            for number in problem.numbers:
                assert as_extracted(number.text) in found, (sheet.number, problem.title, number)
        assert set(found) <= expected, f"numbers no mathcore call accounts for: {set(found) - expected}"
        assert text.count("Answer:") == len(sheet.problems)


@pytest.mark.parametrize("seed", [None, SEEDS[0]])
def test_worksheet_asks_without_answering(typeset, seed):
    folder, sheets = typeset[seed]
    pages = pdf_pages(folder / "worksheet.pdf")
    for sheet in sheets:
        text = sheet_text(pages, sheet.number, sheet.of)
        assert text.count("Your working") == len(sheet.problems)
        assert "Answer" not in text
        final = [n for p in sheet.problems for n in p.numbers if n.label in ("derivative", "weight_update")]
        assert all(as_extracted(n.text) not in numbers_in(text) for n in final)


def test_latex_specials_in_lesson_text_are_escaped():
    assert latex_escape(r"50% of $x_1 & {y}") == r"50\% of \$x\_1 \& \{y\}"


@pytest.mark.parametrize("bad", [
    ["--variants", "0"], ["--variants", "-2"], ["--variants", "2.5"], ["--variants", "100000"],
    ["--seed", "0"], ["--seed", "-1"], ["--seed", "x"], ["--seed", str(2**64)], ["--seed", "1e3"],
])
def test_bad_variants_or_seed_refused_in_one_line(tmp_path, capsys, bad):
    import render  # in this process: a subprocess per case would start Python and manim each time

    assert render.main(["--worksheet", *bad, "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("render.py: error: argument --"), error
    assert not (tmp_path / "out").exists()


def test_variants_without_worksheet_refused(tmp_path, capsys):
    import render

    assert render.main(["--variants", "3", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == "render.py: error: --variants and --seed need --worksheet\n"
    assert not (tmp_path / "out").exists()


def test_render_py_worksheet_writes_both_pdfs_and_nothing_else(tmp_path):
    import render

    out = tmp_path / "out"
    assert render.main(["--worksheet", "--variants", "2", "--seed", "5", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(WORKSHEET_FILES)
    assert len(PdfReader(out / "answers.pdf").pages) >= 2


def test_a_later_render_of_the_lecture_keeps_the_worksheets(tmp_path):
    from lessonkit.pipeline import render_lecture
    from scenes import LearningGoal
    from tests.conftest import TEST_QUALITY

    out = tmp_path / "out"
    write_worksheets(LESSON, out)
    before = {name: (out / name).read_bytes() for name in WORKSHEET_FILES}
    render_lecture([LearningGoal], load_lesson(overrides=["voice.name=none"]), out, quality=TEST_QUALITY,
                   cache_dir=tmp_path / "cache", decks=False)
    assert (out / "lecture.mp4").exists()
    assert {name: (out / name).read_bytes() for name in WORKSHEET_FILES} == before


def test_a_missing_latex_package_is_named_before_anything_is_written(tmp_path, capsys, monkeypatch):
    import render
    from lessonkit import preflight

    monkeypatch.setitem(preflight.WORKSHEET_LATEX_FILES, "no-such-package.sty", "texlive-no-such")
    assert render.main(["--worksheet", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error == ("render.py: error: LaTeX cannot find no-such-package.sty; install the Debian package "
                     "texlive-no-such (apt-get install texlive-no-such)\n")
    assert not (tmp_path / "out").exists()
