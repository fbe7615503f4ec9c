"""The lesson config's schema: every key an educator can set, defined once.

Validation (:mod:`lessonkit.config`), the commented default lesson
(``assets/lesson.toml``) and the reference page (``docs/CONFIG.md``) are all
generated from :data:`SCHEMA`, so they cannot drift apart.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass
from typing import Any

from lessonkit.fonts import undrawable_character
from mathcore import ACTIVATIONS
from mathcore.network import INITIALISATIONS
from lessonkit.voices import VOICE_NAMES

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
THEMES = ("dark", "light")
#: Small pictures a takeaway can recall, one per scene that showed the idea.
RECALLS = ("saturation", "max_derivative", "chain", "relu", "real_network")
COLOR_ROLES = {
    "background": "Frame background.",
    "text": "Titles, formulas and captions.",
    "muted": "Axes, grid lines and secondary text.",
    "sigmoid": "The sigmoid curve, everywhere in the lecture.",
    "sigmoid_prime": "The sigmoid's derivative, everywhere in the lecture.",
    "relu": "The ReLU curve and everything ReLU.",
    "relu_prime": "ReLU's derivative.",
    "tanh": "The tanh curve (for lessons that trace tanh).",
    "tanh_prime": "tanh's derivative.",
    "highlight": "The tangent line, moving points and the number being discussed.",
    "saturated": "Shading of the saturated regions.",
    "gradient": "Gradients flowing backwards and their bars.",
    "warning": "Vanishing values and dead neurons.",
}


@dataclass(frozen=True)
class Key:
    """One setting of the lesson config.

    Attributes:
        path: Dotted key, e.g. ``"practice.z"``.
        kind: ``"float"``, ``"int"``, ``"str"``, ``"color"``, ``"choice"``,
            ``"str_list"`` or ``"records"`` (an array of tables, see ``fields``).
        doc: One or two sentences for the educator.
        minimum, maximum: Inclusive bounds for numbers.
        positive: Numbers must be > 0.
        within_plot: ``abs(value)`` must not exceed ``plot.z_max``.
        choices: Allowed values of a ``"choice"`` key.
        placeholders: ``{names}`` a narration or title text may use.
        template: The text is filled in with ``str.format`` (checked: only ``placeholders``,
            braces balanced).
        latex_safe: The text may be typeset by LaTeX in a formula: Latin-1 characters only.
        fields: For ``"records"``: field name -> Key describing it (path is the field name).
        min_items, max_items: Length bounds for lists.
        max_chars: For texts drawn on screen: the most characters that fit where they are drawn
            (measured with the default theme: longer ones would wrap onto more lines than the
            layout has room for).
    """

    path: str
    kind: str
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    within_plot: bool = False
    choices: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    fields: tuple["Key", ...] = ()
    min_items: int = 0
    max_items: int | None = None
    max_chars: int | None = None
    template: bool = False
    latex_safe: bool = False

    @property
    def table(self) -> str:
        return self.path.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.path.rpartition(".")[2]

    def describe_range(self) -> str:
        """The accepted values, in words, for errors and docs."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "color":
            return 'a colour like "#58C4DD"'
        parts = []
        if self.positive:
            parts.append("> 0")
        if self.minimum is not None:
            parts.append(f">= {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"<= {self.maximum:g}")
        if self.within_plot:
            parts.append("within +-plot.z_max")
        if self.max_chars is not None:
            parts.append(f"of at most {self.max_chars} characters")
        kind = {"float": "a number", "int": "an integer", "str": "text", "str_list": "a list of texts",
                "records": "a list of tables"}[self.kind]
        return kind + (" " + ", ".join(parts) if parts else "")


# Tables, in the order the default lesson lists them, with a line of docs each.
TABLES: dict[str, str] = {
    "lesson": "What the title card says.",
    "plot": "The z axis every plot of the lecture shares.",
    "saturation": "Scene Saturation: where the sigmoid counts as saturated.",
    "tangent": "Scene TangentTrace: which activation the tangent line traces.",
    "practice": "Scenes PracticeProblem1 and PracticeProblem2.",
    "chain": "Scenes GradientChain, ReluComparison and PracticeProblem2: a chain of layers.",
    "dying_relu": "Scene ReluComparison: the neuron whose input stays negative.",
    "ball": "Scene BallAnalogy: a ball pushed on four surfaces.",
    "real_network": "Scene RealNetwork: a real network's gradients, measured with backpropagation.",
    "voice": "The narrator: an offline voice, the teacher's own recordings, or none (a silent lecture).",
    "pacing": "How long a silent lecture (voice.name = none) lingers on each caption.",
    "theme": "The look: light or dark, and the colour of every role.",
    "theme.dark": "Colours of the dark theme.",
    "theme.light": "Colours of the light theme (for slides with white backgrounds).",
    "titles": "The title shown at the top of each scene (and in manifest.json and the chapters).",
    "takeaways": "Scene Takeaways: the closing points, each with a small picture recalling its scene.",
    "narration": "Captions: what is said at each beat. {names} are filled in with computed numbers.",
    "labels": "Words drawn on screen (axis names, tags beside points), scene by scene.",
    "settings": "Numbers and choices of scenes of one's own, scene by scene.",
}


_activation_names = tuple(ACTIVATIONS)
#: The longest scene title. Titles are drawn on one line, shrunk to the frame's width
#: (lessonkit.text.title_text); at 38 characters ordinary words keep 85% of the title size
#: or more, and even 38 W's keep half of it.
TITLE_CHARS = 38

SCHEMA: tuple[Key, ...] = (
    Key("lesson.title", "str", "The lecture's title.", max_chars=90),
    Key("lesson.subtitle", "str", "A line under the title.", max_chars=100),
    Key("lesson.goal", "str", "The learning goal, shown on the title card.", max_chars=150),
    Key("plot.z_max", "float", "Plots span z from -z_max to z_max.", minimum=4, maximum=12),
    Key("saturation.threshold", "float", "|z| at which the sigmoid counts as saturated (shaded).",
        positive=True, within_plot=True),
    Key("saturation.from_z", "float", "The moving point starts at this z (and at -z on the left).",
        positive=True, within_plot=True),
    Key("saturation.to_z", "float", "...and moves to this z (and -z), far into the saturated region.",
        positive=True, within_plot=True),
    Key("tangent.activation", "choice", "The activation whose tangent is traced.", choices=_activation_names),
    Key("tangent.pause_z", "float", "Where the tracing pauses in the flat region.", within_plot=True),
    Key("practice.z", "float", "Practice problem 1 asks for the sigmoid derivative at this z.", within_plot=True),
    Key("practice.verdict", "str", "The closing line of practice problem 2, in large letters.", max_chars=100),
    Key("chain.layers", "int", "Number of layers the gradient passes through.", minimum=1, maximum=20),
    Key("chain.per_layer_gradient", "float", "Each layer multiplies the gradient by this: below 1 the "
        "gradient vanishes (the lesson), above 1 it explodes.", positive=True, maximum=3),
    Key("chain.learning_rate", "float", "Learning rate of the weight update in practice problem 2.",
        positive=True, maximum=10),
    Key("dying_relu.z", "float", "The dead neuron's input z (0 or below: ReLU's gradient there is 0).",
        maximum=0, within_plot=True),
    Key("ball.push", "float", "The same push for every ball: each rolls downhill by push x slope, one step "
        "of gradient descent with push as the learning rate.", positive=True, maximum=4),
    Key("ball.plateau_z", "float", "Where the ball sits on the sigmoid's plateau.", within_plot=True),
    Key("ball.relu_z", "float", "Where the balls sit on ReLU (at +z and -z); at least ball.push, so that the "
        "ball on the slope stays on it.", positive=True, within_plot=True),
    Key("real_network.depth", "int", "Number of hidden layers of the measured networks.", minimum=2, maximum=20),
    Key("real_network.width", "int", "Units per hidden layer.", minimum=2, maximum=256),
    Key("real_network.init", "choice", "Weight initialisation; auto is He for ReLU and Xavier otherwise.",
        choices=INITIALISATIONS),
    Key("real_network.batch", "int", "Random examples in the measured batch.", minimum=1, maximum=4096),
    Key("real_network.seed", "int", "Seed of the random weights and data (same seed, same bars).",
        minimum=0, maximum=2**31 - 1),
    Key("voice.name", "choice", "Who speaks the narration: an offline voice (flite, clear and fast; festival, "
        "smoother and slower; espeak-ng, robotic), recorded (your own files, one per beat: see render.py --script), or none.",
        choices=VOICE_NAMES),
    Key("voice.rate", "float", "Speaking rate of a synthetic voice: 1 is its own pace, 1.2 is 20% faster.",
        minimum=0.5, maximum=2),
    Key("voice.pause", "float", "Seconds of quiet after each line before the next beat.", minimum=0, maximum=5),
    Key("voice.recordings", "str", "Folder of your recordings for voice.name = recorded: one file per beat id, "
        "named like tangent_trace.peak.wav (WAV, MP3, M4A or OGG)."),
    Key(
        "voice.pronunciations",
        "records",
        "Words the voice says wrongly, and what it should say instead (whole words, case-sensitive).",
        fields=(
            Key("word", "str", "The word as written in the narration."),
            Key("say", "str", "How to say it, spelled for the voice."),
        ),
        min_items=0,
        max_items=200,
    ),
    Key("pacing.words_per_second", "float", "Reading speed: each caption stays at least words / this.",
        positive=True, maximum=10),
    Key("pacing.min_caption_seconds", "float", "No caption is shown for less than this.", minimum=0.5,
        maximum=20),
    Key("pacing.closing_seconds", "float", "Each scene ends by fading to the background over this long, so "
        "the joined lecture has no hard cuts (0: end on the last picture).", minimum=0, maximum=3),
    Key("theme.name", "choice", "dark or light.", choices=THEMES),
    *(Key(f"theme.{name}.{role}", "color", doc) for name in THEMES for role, doc in COLOR_ROLES.items()),
    Key(
        "takeaways.items",
        "records",
        "The takeaways, in order: text, and recall (a small picture of the scene that showed it).",
        fields=(
            Key("text", "str", "The takeaway.", placeholders=("sigmoid_max", "relu_max"), max_chars=100),
            Key("recall", "choice", "Which picture recalls it.", choices=RECALLS),
        ),
        min_items=1,
        max_items=7,
    ),
)

SCHEMA_BY_PATH: dict[str, Key] = {key.path: key for key in SCHEMA}


def is_number(value: Any) -> bool:
    """True for int and float, not bool (TOML's true is not a number)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_text(key: Key, value: Any, where: str) -> str | None:
    if not isinstance(value, str):
        return f"{where} must be text, got {type(value).__name__}"
    if not value.strip():
        return f"{where} must not be empty"
    if key.max_chars is not None and len(value) > key.max_chars:
        return (f"{where} is {len(value)} characters long; at most {key.max_chars} fit on screen, "
                "so shorten it")
    problem = undrawable_character(value)
    if problem:
        return f"{where} {problem}"
    if key.latex_safe:
        odd = next((c for c in value if ord(c) > 255 or not c.isprintable()), None)
        if odd is not None:
            return (f"{where} has {odd!r}, which LaTeX cannot set in a formula here; "
                    "use Latin letters, digits and punctuation")
    if key.placeholders or key.template:
        return _check_template(key, value, where)
    return None


def _check_template(key: Key, value: str, where: str) -> str | None:
    """Why ``value`` cannot be filled in with ``str.format`` and ``key``'s placeholders, or None.

    Scenes fill these in minutes into a render; a bad one must stop the run before it starts.
    """
    allowed = ", ".join("{" + p + "}" for p in key.placeholders) or "none"
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as error:
        return f"{where} has an unbalanced {{ or }} ({error}); write {{{{ or }}}} for a literal brace"
    for name in names:
        if name not in key.placeholders:
            return f"{where} uses unknown placeholder {{{name}}}; allowed: {allowed}"
    try:
        # The values are already formatted texts: a format spec such as :.2f cannot apply.
        value.format(**{name: "0" for name in key.placeholders})
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        return f"{where} cannot be filled in ({error}); placeholders are plain {{name}}, allowed: {allowed}"
    return None


def check_value(key: Key, value: Any, where: str | None = None) -> str | None:
    """Why ``value`` is not acceptable for ``key`` (a message naming it), or None if it is."""
    where = where or key.path
    if key.kind in ("float", "int"):
        if not is_number(value) or (key.kind == "int" and not isinstance(value, int)):
            wanted = "an integer" if key.kind == "int" else "a number"
            return f"{where} must be {wanted}, got {value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{where} must be finite, got {value!r}"
        if (key.positive and value <= 0) or (key.minimum is not None and value < key.minimum) or (
            key.maximum is not None and value > key.maximum
        ):
            return f"{where} = {value!r} is out of range: must be {key.describe_range()}"
        return None
    if key.kind == "str":
        return _check_text(key, value, where)
    if key.kind == "color":
        if not isinstance(value, str) or not HEX_COLOR.match(value):
            return f'{where} must be a colour like "#58C4DD", got {value!r}'
        return None
    if key.kind == "choice":
        if value not in key.choices:
            return f"{where} = {value!r} is unknown; choose one of: {', '.join(key.choices)}"
        return None
    if key.kind == "str_list":
        if not isinstance(value, list):
            return f"{where} must be a list of texts"
        return next((m for i, v in enumerate(value) if (m := _check_text(key, v, f"{where}[{i}]"))), None)
    if key.kind == "records":
        return _check_records(key, value, where)
    raise AssertionError(f"unknown kind {key.kind}")


def _check_records(key: Key, value: Any, where: str) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        return f"{where} must be a list of tables ([[{where}]])"
    if len(value) < key.min_items or (key.max_items is not None and len(value) > key.max_items):
        return f"{where} must have {key.min_items} to {key.max_items} entries, has {len(value)}"
    fields = {f.path: f for f in key.fields}
    for index, record in enumerate(value):
        for name in record:
            if name not in fields:
                return f"{where}[{index}].{name} is not a known field; known: {', '.join(fields)}"
        for name, field_key in fields.items():
            if name not in record:
                return f"{where}[{index}] is missing {name}"
            problem = check_value(field_key, record[name], f"{where}[{index}].{name}")
            if problem:
                return problem
    return None

