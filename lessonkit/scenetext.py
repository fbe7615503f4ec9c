"""What a scene says and writes, declared once, next to the scene.

A scene class lists its beats (each a line of narration) and its on-screen labels::

    class GradientChain(LessonScene):
        beats = {
            "network": Beat("The layers appear.", "layers"),
            "first_layer": Beat("The first layer's bar."),
        }
        labels = {"per_layer": Label("Beside the factor: x 0.2 per layer.", max_chars=20)}

Its words then live in the lesson TOML under keys derived from the declaration:
``titles.<lesson_key>``, ``narration.<lesson_key>.<beat>`` and
``labels.<lesson_key>.<label>``, where ``lesson_key`` is the class name in snake case
(``gradient_chain``). The lesson config validates them against the declaration (a
placeholder nobody fills is refused), the default lesson and docs/CONFIG.md are generated
from it, and the scene checks each ``self.beat(...)`` call against it when the class is
created and again when the beat runs.

This module knows nothing of manim: :mod:`lessonkit.scene` registers each scene class
here, and :mod:`lessonkit.config` reads the registry.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from lessonkit.schema import TITLE_CHARS, Key

#: The section a scene closes with (a fade to the background): part of the scene's clip
#: and the lecture, not one of its steps.
CLOSING_SECTION = "closing"


class DeclarationError(TypeError):
    """A scene's code and its declared beats or labels disagree (one line, naming both)."""


@dataclass(frozen=True)
class Words:
    """A text a scene takes from the lesson: what it is for, and the ``{placeholders}``
    the scene fills in (the lesson's text may use any of them, and no others)."""

    doc: str
    placeholders: tuple[str, ...] = ()
    max_chars: int | None = None

    def __init__(self, doc: str, *placeholders: str, max_chars: int | None = None) -> None:
        object.__setattr__(self, "doc", doc)
        object.__setattr__(self, "placeholders", tuple(placeholders))
        object.__setattr__(self, "max_chars", max_chars)


class Beat(Words):
    """One beat of a scene: a section (a slide step) and its line of narration."""


class Label(Words):
    """A word or phrase drawn on screen (an axis name, a tag beside a point)."""


@dataclass(frozen=True)
class Setting:
    """A number or choice of a scene of one's own, under ``[settings.<lesson_key>]``
    (the lecture's scenes share theirs in the schema's tables, e.g. ``[chain]``).
    ``kind`` is ``"float"``, ``"int"`` or ``"choice"``; the bounds are inclusive."""

    kind: str
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class SceneText:
    """Everything a scene takes from the lesson in words: title, beats and labels."""

    scene: str
    key: str
    doc: str
    beats: Mapping[str, Beat] = field(default_factory=dict)
    labels: Mapping[str, Label] = field(default_factory=dict)
    title_placeholders: tuple[str, ...] = ()
    settings: Mapping[str, Setting] = field(default_factory=dict)

    def keys(self) -> list[Key]:
        """The lesson keys this scene reads, as schema keys."""
        keys = [Key(f"settings.{self.key}.{name}", s.kind, s.doc, minimum=s.minimum, maximum=s.maximum,
                    positive=s.positive, choices=s.choices) for name, s in self.settings.items()]
        keys += [Key(f"titles.{self.key}", "str", f"Title of scene {self.scene}.", max_chars=TITLE_CHARS,
                    placeholders=self.title_placeholders, template=True)]
        keys += [Key(f"narration.{self.key}.{name}", "str", beat.doc, placeholders=beat.placeholders,
                     max_chars=beat.max_chars, template=True) for name, beat in self.beats.items()]
        keys += [Key(f"labels.{self.key}.{name}", "str", label.doc, placeholders=label.placeholders,
                     max_chars=label.max_chars, template=True, latex_safe=True)
                 for name, label in self.labels.items()]
        return keys


def lesson_key_for(class_name: str) -> str:
    """A scene class's lesson key: ``PracticeProblem1`` -> ``practice_problem_1``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])", "_", class_name).lower()


#: Every declared scene by lesson key, in the order the classes were created.
_REGISTRY: dict[str, SceneText] = {}


def register(text: SceneText) -> None:
    """Record a scene's declaration; a second scene claiming the same lesson key is refused."""
    previous = _REGISTRY.get(text.key)
    if previous is not None and previous.scene != text.scene:
        raise DeclarationError(f"scene {text.scene} declares lesson key {text.key!r}, already declared by "
                               f"scene {previous.scene}; give one of them another lesson_key")
    _REGISTRY[text.key] = text


def registered() -> dict[str, SceneText]:
    """The declared scenes, by lesson key."""
    return dict(_REGISTRY)


def scene_keys(texts: Iterable[SceneText]) -> list[Key]:
    """Schema keys of ``texts``: titles first (one ``[titles]`` table), then each scene's
    narration, then each scene's labels."""
    texts = list(texts)
    keys = [k for t in texts for k in t.keys()]
    order = {"settings": 0, "titles": 1, "narration": 2, "labels": 3}
    return sorted(keys, key=lambda k: order[k.path.split(".")[0]])


def is_scene_path(path: str) -> bool:
    """True for the path of a key a scene declares: ``titles.<scene>``, or
    ``narration.<scene>.<beat>``, ``labels.<scene>.<label>``, ``settings.<scene>.<name>``."""
    parts = path.split(".")
    if parts[0] == "titles":
        return len(parts) == 2
    return parts[0] in ("narration", "labels", "settings") and len(parts) == 3


def scene_key_of(path: str) -> str:
    """The lesson key a scene path belongs to: ``narration.saturation.curve`` -> ``saturation``."""
    return path.split(".")[1] if "." in path else ""


def check_beat_calls(cls: type, text: SceneText) -> None:
    """Compare every ``self.beat("name", key=...)`` written in ``cls``'s source with its
    declared beats: an undeclared name, or keywords other than the beat's placeholders,
    is refused when the class is created. Calls with a computed name or ``**values`` are
    checked when they run (see :func:`check_beat`)."""
    node = _class_node(cls)
    if node is None:
        return  # defined where its source cannot be read (a REPL): checked at run time only
    for call in ast.walk(node):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "beat"
                and isinstance(call.func.value, ast.Name) and call.func.value.id == "self"):
            continue
        if not call.args or not isinstance(call.args[0], ast.Constant) or not isinstance(call.args[0].value, str):
            continue
        names = None if any(k.arg is None for k in call.keywords) else {k.arg for k in call.keywords}
        check_beat(text, call.args[0].value, names, f"{cls.__name__} (line {call.lineno})")


def _class_node(cls: type) -> ast.ClassDef | None:
    """``cls``'s definition in its module's syntax tree (the first one of its qualified
    name), or None where there is no source file. One parse per file and version of it:
    ``inspect.getsource`` parses the whole module again for every class."""
    try:
        path = Path(inspect.getsourcefile(cls) or "")
        stat = path.stat()
    except (OSError, TypeError):
        return None
    try:
        tree = _module_tree(path, stat.st_mtime_ns, stat.st_size)
    except (OSError, SyntaxError, ValueError):
        return None

    def find(body: list[ast.stmt], prefix: str) -> ast.ClassDef | None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                qualname = prefix + node.name
                if qualname == cls.__qualname__:
                    return node
                found = find(node.body, qualname + ".")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found = find(node.body, f"{prefix}{node.name}.<locals>.")
            else:
                found = find([child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)], prefix)
            if found is not None:
                return found
        return None

    return find(tree.body, "")


@functools.lru_cache(maxsize=64)
def _module_tree(path: Path, mtime: int, size: int) -> ast.Module:
    return ast.parse(path.read_bytes(), filename=str(path))


def check_beat(text: SceneText, name: str, values: set[str] | None, where: str) -> None:
    """Refuse beat ``name`` if ``text`` does not declare it, or if ``values`` (the
    placeholders filled in; None when unknown) differ from its declared placeholders."""
    beat = text.beats.get(name)
    if beat is None:
        known = ", ".join(text.beats) or "none"
        raise DeclarationError(f"{where}: beat {name!r} is not declared in {text.scene}.beats (declared: {known})")
    if values is None:
        return
    missing = sorted(set(beat.placeholders) - values)
    extra = sorted(values - set(beat.placeholders))
    if missing or extra:
        problems = ([f"misses {', '.join(missing)}"] if missing else []) + (
            [f"fills in undeclared {', '.join(extra)}"] if extra else [])
        declared = ", ".join(beat.placeholders) or "none"
        raise DeclarationError(f"{where}: beat {name!r} {' and '.join(problems)}; "
                               f"{text.scene}.beats declares placeholders: {declared}")


def fill(lesson, path: str, placeholders: tuple[str, ...], values: Mapping[str, str], where: str) -> str:
    """The lesson's text at ``path`` with ``values`` filled in; ``values`` must name
    exactly the declared ``placeholders``."""
    missing = sorted(set(placeholders) - set(values))
    extra = sorted(set(values) - set(placeholders))
    if missing or extra:
        raise DeclarationError(f"{where}: {path} is filled in with {', '.join(sorted(values)) or 'nothing'}; "
                               f"declared placeholders: {', '.join(placeholders) or 'none'}")
    return lesson.value_at(path).format(**values)
