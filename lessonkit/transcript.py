"""``transcript.html``: the lecture's narration for reading and for screen readers.

One section per scene under its title (the chapter), each step's lines of narration, and
the formulas the step shows written out as plain text (``σ′(5) = 0.9933 × 0.006693``),
from the manifest that the slide decks are made from.

>>> formula_text(r"\\sigma(5) = \\frac{1}{1 + e^{-5}} = 0.9933")
'σ(5) = 1/(1 + e^(−5)) = 0.9933'
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2

from lessonkit.theme import Theme
from lessonkit.video import atomic_path

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
#: A "formula" that is only a number is an axis tick, a bar's label or a decade: not read out.
_AXIS_LABEL = re.compile(r"-?\d+(\.\d+)?|10\^\{-?\d+\}")


def _converter():
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    context = get_default_latex_context_db().filter_context(keep_categories=None)
    # Fractions and powers grouped as a reader needs them: 1/(1 + e^(−5)), not 1/1 + e^-5.
    context.add_context_category("transcript", prepend=True, macros=[
        MacroTextSpec("frac", simplify_repl=lambda node, l2tobj: _fraction(node, l2tobj)),
    ])
    return LatexNodes2Text(latex_context=context, math_mode="text")


def _group(text: str) -> str:
    text = text.strip()
    return text if re.fullmatch(r"[\w.′]+", text) else f"({text})"


def _fraction(node, l2tobj) -> str:
    numerator, denominator = (l2tobj.nodelist_to_text([argument]) for argument in node.nodeargd.argnlist[-2:])
    return f"{_group(numerator)}/{_group(denominator)}"


def formula_text(tex: str) -> str:
    """A formula as a screen reader can read it: Unicode symbols, no LaTeX."""
    tex = tex.replace("'", "′").replace(r"{1 \over 1 + e^{-z}}", r"\frac{1}{1 + e^{-z}}")
    # Exponents in braces keep their grouping: e^{-5} -> e^(−5); 0.2^{5} -> 0.2^5.
    tex = re.sub(r"\^\{(-[^{}]*|[^{}]*\s[^{}]*)\}", r"^(\1)", tex)
    # A brace under a product says how many factors: "0.2 × ⋯ × 0.2 (8 factors)".
    tex = re.sub(r"\\underbrace\{(.*)\}_\{(.*)\}", r"\1 (\2)", tex)
    text = _converter().latex_to_text(tex).replace("-", "−")
    text = re.sub(r"\s*([=×≥≤→])\s*", r" \1 ", text)
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))
    return re.sub(r"\s+", " ", text).strip()


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def transcript_html(manifest: dict[str, Any], theme: Theme) -> str:
    """The page, from a rendered lecture's manifest."""
    clips = []
    for clip in manifest["clips"]:
        steps = [{"narration": step["narration"],
                  "formula_texts": [formula_text(tex) for tex in step.get("formulas", [])
                                    if not _AXIS_LABEL.fullmatch(tex.strip())]}
                 for step in clip["steps"]]
        clips.append({"scene": clip["scene"], "title": clip["title"], "start_text": _clock(clip["start"]),
                      "steps": steps})
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                                     undefined=jinja2.StrictUndefined)
    return environment.get_template("transcript.html").render(
        title=manifest["lecture"].get("title", "Lecture"), language="en", clips=clips, colors=theme)


def write_transcript(manifest: dict[str, Any], out_dir: Path, theme: Theme) -> Path:
    """``transcript.html`` beside ``slides.html``."""
    target = Path(out_dir) / "transcript.html"
    with atomic_path(target) as temporary:
        temporary.write_text(transcript_html(manifest, theme), encoding="utf-8")
    return target
