"""Worksheets for the classroom: the lecture's practice problems on paper, with answer keys.

A sheet holds the two practice problems as the video poses them, a variation of each,
and the ball analogy's question; the answer key works each one line by line as the video
does. Every number is computed by :mod:`mathcore` and formatted by its formatter, and
recorded (label, value, text and the mathcore expression that computed it) so that tests
can recompute it. The PDFs are typeset by pdflatex from ``templates/worksheet.tex``.

>>> from lessonkit.config import load_lesson
>>> sheet = build_sheets(load_lesson(), variants=None, seed=1)[0]
>>> [number.text for number in sheet.problems[0].numbers if number.label == "share_percent"]
['2.66\\\\%']
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import jinja2
import numpy as np

from lessonkit.config import Lesson
from lessonkit.video import atomic_path
from mathcore import (
    ACTIVATIONS,
    descent_step,
    format_number,
    format_percent,
    practice_problem_1,
    practice_problem_2,
    share_of_max_gradient,
)

#: The files a worksheet run writes into --out (kept there when a render replaces the folder).
WORKSHEET_FILES = ("worksheet.pdf", "answers.pdf")
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

#: Limits of ``--variants`` and ``--seed`` (a class rarely needs more than a sheet per student).
MAX_VARIANTS = 200
MAX_SEED = 2**31 - 1

#: Drawn z teach saturation only where the derivative is below this share of its maximum.
SATURATED_SHARE = 0.10
#: Drawn chains teach vanishing only if the first layer's gradient ends below this.
VANISHING_BELOW = 0.01
#: Candidates drawn from: round values a student can work with by hand.
Z_STEP = 0.5
LAYER_COUNTS = tuple(range(3, 13))
PER_LAYER_GRADIENTS = (0.05, 0.1, 0.15, 0.2, 0.25)
LEARNING_RATES = (0.01, 0.05, 0.1, 0.5, 1.0)
PUSHES = (0.5, 1.0, 1.5, 2.0)
#: More layers than this are written with a \cdots in the middle of the product (as in the video).
MAX_FACTORS_WRITTEN = 6

#: The ball analogy's four surfaces: (label, activation, where the ball sits).
SURFACES = (
    ("a sigmoid, far out on its plateau", "sigmoid", "plateau"),
    ("a sigmoid, at its centre", "sigmoid", "centre"),
    ("ReLU, on its slope (z > 0)", "relu", "relu"),
    ("ReLU, on its flat side (z < 0)", "relu", "dead"),
)


class WorksheetError(RuntimeError):
    """The worksheet could not be typeset (the message names the LaTeX problem)."""


@dataclass(frozen=True)
class Number:
    """A number printed on a sheet: what it is, its exact value, its text, and the mathcore
    expression that computed it (evaluated by the tests with mathcore's functions)."""

    label: str
    value: float
    text: str
    source: str


@dataclass(frozen=True)
class SheetValues:
    """The inputs of one sheet's problems."""

    z: float
    other_z: float
    chain: tuple[int, float, float]  #: (layers, per-layer gradient, learning rate)
    other_chain: tuple[int, float, float]
    push: float
    plateau_z: float
    relu_z: float


@dataclass
class Problem:
    """One problem: the question (LaTeX prose), room to work, and its worked solution."""

    title: str
    question: str
    room_cm: float
    solution: list[str] = field(default_factory=list)
    answer: str = ""
    numbers: list[Number] = field(default_factory=list)

    def number(self, label: str, value: float, source: str, sig_figs: int = 4) -> str:
        """``value`` as LaTeX through mathcore's formatter, recorded with its ``source``."""
        text = format_number(value, sig_figs)
        self.numbers.append(Number(label, float(value), text, source))
        return text

    def percent(self, label: str, fraction: float, source: str, sig_figs: int = 3) -> str:
        """``fraction`` as a LaTeX percentage, recorded with its ``source``."""
        text = format_percent(fraction, sig_figs)
        self.numbers.append(Number(label, float(fraction), text, source))
        return text


@dataclass
class Sheet:
    """One student's (or group's) sheet: its number, the seed it was drawn from, its problems."""

    number: int
    of: int
    seed: int
    values: SheetValues
    problems: list[Problem]


# --- drawing values where the lesson still teaches -------------------------------------


def saturated_z_choices(z_max: float) -> list[float]:
    """Round z within the plot where sigma' is below SATURATED_SHARE of its maximum."""
    grid = np.arange(Z_STEP, z_max + Z_STEP / 2, Z_STEP)
    grid = np.concatenate([-grid[::-1], grid])
    return [float(z) for z in grid if share_of_max_gradient(z) < SATURATED_SHARE]


def vanishing_chains() -> list[tuple[int, float, float]]:
    """(layers, per-layer gradient, learning rate) whose product still vanishes: each factor
    at most the sigmoid's largest derivative, the first layer's gradient below VANISHING_BELOW."""
    ceiling = ACTIVATIONS["sigmoid"].max_derivative
    return [(layers, g, rate) for layers in LAYER_COUNTS for g in PER_LAYER_GRADIENTS for rate in LEARNING_RATES
            if g <= ceiling and practice_problem_2(g, layers, rate).first_layer_gradient < VANISHING_BELOW]


def _pick(rng: np.random.Generator, choices: Sequence, avoid=None):
    pool = [choice for choice in choices if choice != avoid] or list(choices)
    return pool[int(rng.integers(len(pool)))]


def draw_values(rng: np.random.Generator, lesson: Lesson, *, keep_lesson: bool) -> SheetValues:
    """One sheet's inputs: the lesson's own for the video's problems when ``keep_lesson``,
    drawn otherwise; the variations are always drawn, different from the main problem."""
    z_choices = saturated_z_choices(lesson.plot.z_max)
    chains = vanishing_chains()
    chain = lesson.chain
    if keep_lesson:
        z, main_chain = float(lesson.practice.z), (int(chain.layers), float(chain.per_layer_gradient),
                                                   float(chain.learning_rate))
        push, plateau_z, relu_z = float(lesson.ball.push), float(lesson.ball.plateau_z), float(lesson.ball.relu_z)
    else:
        z, main_chain = _pick(rng, z_choices), _pick(rng, chains)
        push = float(_pick(rng, PUSHES))
        plateau_z = abs(_pick(rng, [z for z in z_choices if z > 0]))
        relu_z = float(_pick(rng, [r for r in np.arange(Z_STEP, lesson.plot.z_max + Z_STEP / 2, Z_STEP)
                                   if r >= push]))
    other_z = _pick(rng, z_choices, avoid=z)
    other_chain = _pick(rng, chains, avoid=main_chain)
    return SheetValues(z, other_z, main_chain, other_chain, push, plateau_z, relu_z)


# --- the problems, worked as the video works them --------------------------------------


def sigmoid_problem(title: str, z: float, lead: str) -> Problem:
    """Practice problem 1 at ``z``: sigma, sigma' = sigma(1 - sigma), the share of the maximum."""
    p = practice_problem_1(z)
    src = f"practice_problem_1({z!r})"
    problem = Problem(title, "", room_cm=6.0)
    zt = problem.number("z", p.z, f"{src}.z")
    minus_z = problem.number("minus_z", -p.z, f"-{src}.z")
    problem.question = (rf"{lead} Calculate the sigmoid's derivative $\sigma'(z)$ at $z = {zt}$. "
                        r"What share of its maximum $\sigma'(0)$ is it?")
    s = problem.number("sigma", p.sigma, f"{src}.sigma")
    e = problem.number("exp_neg_z", p.exp_neg_z, f"{src}.exp_neg_z")
    one_minus = problem.number("one_minus_sigma", p.one_minus_sigma, f"{src}.one_minus_sigma")
    d = problem.number("derivative", p.derivative, f"{src}.derivative")
    peak = problem.number("max_derivative", p.max_derivative, f"{src}.max_derivative")
    share = problem.number("share", p.share, f"{src}.share")
    percent = problem.percent("share_percent", p.share, f"{src}.share")
    problem.solution = [
        rf"\sigma({zt}) = \frac{{1}}{{1 + e^{{{minus_z}}}}} = \frac{{1}}{{1 + {e}}} = {s}",
        rf"\sigma'({zt}) = \sigma({zt})\,(1 - \sigma({zt})) = {s} \times {one_minus} = {d}",
        rf"\frac{{\sigma'({zt})}}{{\sigma'(0)}} = \frac{{{d}}}{{{peak}}} = {share} = {percent}",
    ]
    problem.answer = rf"$\sigma'({zt}) = {d}$, only ${percent}$ of the maximum."
    return problem


def chain_problem(title: str, layers: int, g: float, rate: float, lead: str) -> Problem:
    """Practice problem 2: ``g`` multiplied through ``layers`` layers, then the weight update."""
    p = practice_problem_2(g, layers, rate)
    src = f"practice_problem_2({g!r}, {layers!r}, {rate!r})"
    problem = Problem(title, "", room_cm=7.0)
    gt = problem.number("per_layer_gradient", p.per_layer_gradient, f"{src}.per_layer_gradient")
    rt = problem.number("learning_rate", p.learning_rate, f"{src}.learning_rate")
    nt = problem.number("layers", p.layers, f"{src}.layers")
    problem.question = (rf"{lead} A network has ${nt}$ sigmoid layers, and each layer multiplies the gradient by "
                        rf"${gt}$. What gradient reaches the first layer? How large is the update of its weight "
                        rf"with a learning rate of ${rt}$?")
    products = [problem.number(f"product_{k}", value, f"{src}.running_products[{k - 1}]")
                for k, value in enumerate(p.running_products, start=1)]
    times = r" \times "
    for k, product in enumerate(products, start=1):
        if k == 1:
            problem.solution.append(rf"\text{{after layer 1:}}\quad {gt} = {product}")
        elif k <= MAX_FACTORS_WRITTEN:
            problem.solution.append(rf"\text{{after layer {k}:}}\quad {times.join([gt] * k)} = {product}")
        else:
            problem.solution.append(rf"\text{{after layer {k}:}}\quad {products[k - 2]} \times {gt} = {product}")
    first = problem.number("first_layer_gradient", p.first_layer_gradient, f"{src}.first_layer_gradient")
    update = problem.number("weight_update", p.weight_update, f"{src}.weight_update")
    problem.solution += [rf"({gt})^{{{nt}}} = {first}", rf"\Delta w = {rt} \times {first} = {update}"]
    problem.answer = (rf"The first layer's gradient is ${first}$; its weight moves by ${update}$: "
                      "far too little to learn.")
    return problem


def ball_problem(title: str, push: float, plateau_z: float, relu_z: float) -> Problem:
    """The ball analogy: the same push on four surfaces; each ball moves push x slope."""
    where = {"plateau": plateau_z, "centre": 0.0, "relu": relu_z, "dead": -relu_z}
    problem = Problem(title, "", room_cm=5.0)
    pt = problem.number("push", push, f"{push!r}")
    places = []
    for label, activation, key in SURFACES:
        zt = problem.number(f"{key}_z", where[key], f"{where[key]!r}")
        places.append(rf"\item {label}, at $z = {zt}$")
    problem.question = (rf"The same push of ${pt}$ is given to a ball on four surfaces; each ball moves push "
                        r"$\times$ the slope of the curve where it sits (one step of gradient descent). "
                        "On which surface does the ball move least, and on which most?\\par "
                        r"\begin{enumerate*}" + " ".join(places) + r"\end{enumerate*}")
    moved = {}
    for label, activation, key in SURFACES:
        z = where[key]
        distance = float(descent_step(z, push, activation))
        slope = float(ACTIVATIONS[activation].derivative(z))
        name = r"\sigma'" if activation == "sigmoid" else r"\mathrm{ReLU}'"
        zt = format_number(z)
        slope_text = problem.number(f"{key}_slope", slope, f"{activation}_prime({z!r})")
        moved_text = problem.number(f"{key}_moved", distance, f"descent_step({z!r}, {push!r}, {activation!r})")
        problem.solution.append(rf"\text{{{label}:}}\quad {pt} \times {name}({zt}) = {pt} \times {slope_text}"
                                rf" = {moved_text}")
        moved[label] = distance
    least, most = min(moved, key=moved.get), max(moved, key=moved.get)
    problem.answer = f"Least on {least}; most on {most}."
    return problem


def build_sheet(lesson: Lesson, values: SheetValues, number: int, of: int, seed: int) -> Sheet:
    """The problems of one sheet, from ``values``."""
    problems = [
        sigmoid_problem("Problem 1", values.z, ""),
        sigmoid_problem("Problem 2", values.other_z, "The same at another point."),
        chain_problem("Problem 3", *values.chain, ""),
        chain_problem("Problem 4", *values.other_chain, "Another network."),
        ball_problem("Problem 5", values.push, values.plateau_z, values.relu_z),
    ]
    return Sheet(number, of, seed, values, problems)


def build_sheets(lesson: Lesson, variants: int | None, seed: int) -> list[Sheet]:
    """The sheets of a run: without ``variants``, one sheet with the lesson's own problems
    (the variations drawn from ``seed``); with it, ``variants`` sheets whose every value is
    drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same sheets."""
    rng = np.random.default_rng(seed)
    count = variants or 1
    return [build_sheet(lesson, draw_values(rng, lesson, keep_lesson=variants is None), index, count, seed)
            for index in range(1, count + 1)]


# --- typesetting -----------------------------------------------------------------------

_LATEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                   "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text: str) -> str:
    """Plain text (a lesson's title) safe inside LaTeX."""
    return "".join(_LATEX_SPECIALS.get(character, character) for character in str(text))


def _environment() -> jinja2.Environment:
    # LaTeX is full of {% and {{: the template marks its blocks \BLOCK{...} and values \VAR{...}.
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR), block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}", comment_start_string=r"\#{",
        comment_end_string="}", line_comment_prefix="%%", trim_blocks=True, autoescape=False,
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
    )
    environment.filters["escape_tex"] = latex_escape
    environment.filters["hex"] = lambda color: str(color).lstrip("#").upper()
    return environment


def worksheet_tex(lesson: Lesson, sheets: Sequence[Sheet], *, answers: bool) -> str:
    """The LaTeX source of the worksheet (or, with ``answers``, its answer key)."""
    template = _environment().get_template("worksheet.tex")
    # Printed on white paper: the light theme's colours.
    colors = lesson.theme.light
    return template.render(lesson=lesson, sheets=sheets, answers=answers, colors=colors,
                           drawn=len(sheets) > 1 or sheets[0].of > 1)


def typeset(tex: str, target: Path) -> Path:
    """``tex`` typeset by pdflatex into ``target`` (atomically); WorksheetError if LaTeX fails."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise WorksheetError("pdflatex not found: apt-get install texlive-latex-base texlive-latex-extra")
    with tempfile.TemporaryDirectory(prefix="worksheet-") as folder:
        source = Path(folder) / "sheet.tex"
        source.write_text(tex, encoding="utf-8")
        result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                                 source.name], cwd=folder, capture_output=True, text=True, errors="replace",
                                timeout=120)
        pdf = source.with_suffix(".pdf")
        if result.returncode != 0 or not pdf.exists():
            problem = next((line for line in result.stdout.splitlines() if line.startswith("!")), "no PDF written")
            raise WorksheetError(f"pdflatex failed on {target.name}: {problem}")
        with atomic_path(target) as temporary:
            shutil.copyfile(pdf, temporary)
    return target


def write_worksheets(lesson: Lesson, out_dir: Path, *, variants: int | None = None, seed: int = 1) -> list[Path]:
    """``worksheet.pdf`` and ``answers.pdf`` in ``out_dir``: one sheet per variant (or the
    lesson's own), each followed in the answers by its own key. Both are typeset before
    either replaces an older copy."""
    sheets = build_sheets(lesson, variants, seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = [out_dir / name for name in WORKSHEET_FILES]
    with tempfile.TemporaryDirectory(prefix=".worksheet-", dir=out_dir) as folder:
        built = [typeset(worksheet_tex(lesson, sheets, answers=answers), Path(folder) / target.name)
                 for answers, target in zip((False, True), targets)]
        for source, target in zip(built, targets):
            with atomic_path(target) as temporary:
                shutil.copyfile(source, temporary)
    return targets
