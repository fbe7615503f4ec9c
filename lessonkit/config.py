"""Load, merge and validate lesson configs; the active lesson the scenes read.

The default lesson is ``assets/lesson.toml``. A user's file and ``--set`` overrides
are merged over it (keys they leave out keep their defaults) and validated against
:data:`lessonkit.schema.SCHEMA` and the scenes' declared words (:mod:`lessonkit.scenetext`)
before anything renders.

>>> lesson = load_lesson(overrides=["practice.z=4"])
>>> lesson.practice.z
4
"""

from __future__ import annotations

import copy
import functools
import difflib
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from lessonkit.schema import SCHEMA, TABLES, Key, check_value, is_number
from lessonkit.scenetext import SceneText, is_scene_path, registered, scene_key_of, scene_keys

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LESSON_PATH = PROJECT_ROOT / "assets" / "lesson.toml"
#: Set this to a lesson file to use it with the plain manim CLI (render.py passes lessons directly).
LESSON_ENV_VAR = "LESSON_CONFIG"


class ConfigError(ValueError):
    """A lesson config problem, worded for the person who wrote the config.

    Always one line: a newline or other control character typed into a key or a value is
    shown escaped.

    >>> str(ConfigError("unknown key a\\nb"))
    'unknown key a\\\\nb'
    """

    def __init__(self, message: str) -> None:
        super().__init__("".join(character if character.isprintable() else
                                 character.encode("unicode_escape").decode("ascii") for character in message))


class Lesson:
    """A validated lesson, read with attributes: ``lesson.chain.layers``.

    Tables are :class:`Lesson` objects themselves; values are plain Python values.
    Deliberately not a Mapping, so that keys such as ``items`` are not shadowed by methods.
    Every value read is recorded in :attr:`reads` (shared with the tables), so a scene's
    render can be keyed on exactly the settings it used.
    """

    def __init__(self, data: Mapping[str, Any], prefix: str = "", reads: dict[str, Any] | None = None) -> None:
        self._data = data
        self._prefix = prefix
        self._reads: dict[str, Any] = {} if reads is None else reads

    @property
    def reads(self) -> dict[str, Any]:
        """Dotted path -> value of everything read so far (:data:`MISSING` for an absent key;
        ``""`` stands for the whole lesson, after :meth:`to_dict`)."""
        return self._reads

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        path = f"{self._prefix}{name}"
        try:
            value = self._data[name]
        except KeyError:
            self._reads[path] = MISSING
            raise AttributeError(f"lesson has no key {path}") from None
        if isinstance(value, Mapping):
            return Lesson(value, path + ".", self._reads)
        self._reads[path] = copy.deepcopy(value)
        return copy.deepcopy(value)

    def __getitem__(self, name: str) -> Any:
        return self.__getattr__(name)

    def __iter__(self) -> Iterator[str]:
        self._reads[self._prefix.rstrip(".") + "[keys]"] = sorted(self._data)
        return iter(self._data)

    def __contains__(self, name: str) -> bool:
        self._reads[self._prefix.rstrip(".") + "[keys]"] = sorted(self._data)
        return name in self._data

    def value_at(self, path: str) -> Any:
        """The value at a dotted ``path``."""
        node: Any = self
        for part in path.split("."):
            node = node[part]
        return node

    def to_dict(self) -> dict[str, Any]:
        """A deep copy as plain dicts (picklable, JSON-able)."""
        self._reads[self._prefix.rstrip(".")] = copy.deepcopy(dict(self._data))
        return copy.deepcopy(dict(self._data))


#: What :attr:`Lesson.reads` records for a key that was looked up and is not there.
MISSING = "<missing>"


def read_again(data: Mapping[str, Any], reads: Mapping[str, Any]) -> bool:
    """True if reading ``data`` the way ``reads`` records gives the same values."""
    lesson = Lesson(data)
    for path, value in reads.items():
        if path.endswith("[keys]"):
            table = path.removesuffix("[keys]")
            node: Any = lesson.value_at(table)._data if table else data
            if sorted(node) != value:
                return False
            continue
        try:
            current = lesson.value_at(path) if path else dict(data)
        except (AttributeError, KeyError, TypeError):
            current = MISSING
        if isinstance(current, Lesson):
            current = dict(current._data)
        if current != value:
            return False
    return True


# --- reading files and overrides -------------------------------------------------------


def read_toml(path: Path | str) -> dict[str, Any]:
    """A TOML file as a dict; any problem becomes one ConfigError line naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config file {path}: {error}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message already says "(at line N, column M)".
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{path} is not valid TOML: arrays or tables nested too deeply") from None


def parse_override(assignment: str) -> tuple[str, Any]:
    """``"chain.layers=8"`` -> ``("chain.layers", 8)``. Values are read as TOML, else as text."""
    path, sep, raw = assignment.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ConfigError(f"--set needs key=value, got {assignment!r}")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"value = {raw}")["value"]
    except (tomllib.TOMLDecodeError, RecursionError):
        value = raw  # a bare word such as light or sigmoid
    return path, value


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) for every leaf; arrays of tables count as leaves."""
    for name, value in data.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping):
            yield from flatten(value, path + ".")
        else:
            yield path, value


def known_keys() -> dict[str, Key]:
    """Every key a lesson may set: the schema's, and the words of every declared scene."""
    return {key.path: key for key in (*SCHEMA, *scene_keys(registered().values()))}


def _unknown_key_message(path: str, where: str, known: Mapping[str, Key]) -> str:
    close = difflib.get_close_matches(path, known, n=1, cutoff=0.6)
    if not close:
        # A typo in the last part: compare with keys of the same table.
        table = path.rpartition(".")[0]
        siblings = [p for p in known if p.startswith(table + ".")] if table else []
        close = difflib.get_close_matches(path, siblings, n=1, cutoff=0.3)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown key {path} in {where}{hint}"


def _key_at(path: str, where: str, known: Mapping[str, Key], strict: bool) -> Key | None:
    """The key ``path`` is checked against. Lenient (not ``strict``), the words and settings
    of a scene whose class is not imported are left unchecked (None): the default lesson
    holds every lecture scene's words, and not every program that reads a lesson imports
    the scenes; the scene checks them itself when it runs."""
    key = known.get(path)
    if key is not None:
        return key
    if not strict and is_scene_path(path) and scene_key_of(path) not in registered():
        return None
    raise ConfigError(_unknown_key_message(path, where, known))


def _check_known_keys(data: Mapping[str, Any], where: str, strict: bool = False) -> None:
    known = known_keys()
    for path, _ in flatten(data):
        _key_at(path, where, known, strict)


def _missing_message(key: Key, where: str) -> str:
    text = registered().get(scene_key_of(key.path)) if is_scene_path(key.path) else None
    if text is None:
        return f"{key.path} is missing from {where}"
    table, _, name = key.path.rpartition(".")
    return (f"{key.path} is missing from {where}: scene {text.scene} declares it; add it to your lesson TOML "
            f"under [{table}] as {name} = \"...\"")


def check_scene_words(lesson: "Lesson", text: SceneText, where: str = "the lesson") -> None:
    """Raise ConfigError unless ``lesson`` has every word ``text`` declares, each valid."""
    values = dict(flatten(lesson._data))  # not lesson.to_dict(): that would count as reading everything
    for key in text.keys():
        if key.path not in values:
            raise ConfigError(_missing_message(key, where))
        problem = check_value(key, values[key.path])
        if problem:
            raise ConfigError(problem)


def _check_cross_keys(data: Mapping[str, Any]) -> None:
    lesson = Lesson(data)
    z_max = lesson.plot.z_max
    for key in SCHEMA:
        if key.within_plot and abs(lesson.value_at(key.path)) > z_max:
            raise ConfigError(
                f"{key.path} = {lesson.value_at(key.path)!r} is outside the plotted range "
                f"-{z_max:g}..{z_max:g} (plot.z_max)"
            )
    if not lesson.saturation.from_z < lesson.saturation.to_z:
        raise ConfigError("saturation.from_z must be smaller than saturation.to_z")
    if lesson.ball.relu_z < lesson.ball.push:
        raise ConfigError(
            f"ball.relu_z = {lesson.ball.relu_z!r} must be at least ball.push = {lesson.ball.push!r}, "
            "or the ball on ReLU's slope rolls past 0 onto the flat side"
        )


def validate(data: Mapping[str, Any], where: str = "config", scenes: Iterable[SceneText] | None = None) -> None:
    """Raise ConfigError on the first problem: unknown, missing, mistyped or out-of-range keys.

    ``scenes`` (the declarations of the scenes about to render) makes the check strict:
    their words must all be there, and words of scenes that are not declared are unknown.
    """
    strict = scenes is not None
    known = known_keys()
    values = dict(flatten(data))
    checked = {path: _key_at(path, where, known, strict) for path in values}
    for key in (*SCHEMA, *scene_keys(scenes or ())):
        if key.path not in values:
            raise ConfigError(_missing_message(key, where))
    for path, key in checked.items():
        problem = key and check_value(key, values[path], path)
        if problem:
            raise ConfigError(problem)
    _check_cross_keys(data)


def merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra``'s leaves written over it (tables merge, other values replace)."""
    merged = copy.deepcopy(dict(base))
    for path, value in flatten(extra):
        _set_path(merged, path, copy.deepcopy(value))
    return merged


def load_lesson(
    config_path: Path | str | None = None,
    overrides: Iterable[str] = (),
    *,
    defaults_path: Path | str = DEFAULT_LESSON_PATH,
    scenes: Iterable[SceneText] | None = None,
) -> Lesson:
    """The default lesson, with ``config_path``'s keys and then ``overrides`` applied, validated
    (strictly for ``scenes``, the declarations of the scenes about to render: see :func:`validate`)."""
    strict = scenes is not None
    data = read_toml(defaults_path)
    if config_path is not None:
        user = read_toml(config_path)
        _check_known_keys(user, str(config_path), strict)
        data = merge(data, user)
    known = known_keys()
    for assignment in overrides:
        path, value = parse_override(assignment)
        _key_at(path, "--set", known, strict)
        _set_path(data, path, value)
    validate(data, str(config_path or defaults_path), scenes)
    return Lesson(data)


# --- the active lesson -------------------------------------------------------------------

_active: Lesson | None = None


def use_lesson(lesson: Lesson | Mapping[str, Any] | None) -> None:
    """Make ``lesson`` the one scenes read (``None`` goes back to the default)."""
    global _active
    if lesson is not None and not isinstance(lesson, Lesson):
        validate(lesson)
        lesson = Lesson(lesson)
    _active = lesson


@functools.cache
def default_lesson() -> Lesson:
    """The lesson of the default file alone (``assets/lesson.toml``), whatever lesson is active:
    what components fall back to, so that they work in any manim scene."""
    return load_lesson()


def active_lesson() -> Lesson:
    """The lesson scenes draw: the one given to :func:`use_lesson`, else ``$LESSON_CONFIG``, else the default."""
    global _active
    if _active is None:
        _active = load_lesson(os.environ.get(LESSON_ENV_VAR) or None)
    return _active


# --- writing the commented default lesson and the docs --------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        if isinstance(value, float) and math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return f"{value:.1f}"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _wrap_comment(text: str, width: int = 88) -> list[str]:
    import textwrap

    return ["# " + line for line in textwrap.wrap(text, width - 2)]


def lesson_keys(scenes: Iterable[SceneText]) -> list[Key]:
    """The schema's keys, then the words of ``scenes`` (titles, narration, labels) in their order."""
    keys = [*SCHEMA, *scene_keys(scenes)]
    titles = [k for k in keys if k.table == "titles"]
    position = next(i for i, k in enumerate(keys) if k.table == "takeaways")
    rest = [k for k in keys if k.table != "titles"]
    # [titles] sits before [takeaways], where an educator reading the file top down expects it.
    return rest[:position] + titles + rest[position:]


def render_commented_toml(lesson: Lesson | Mapping[str, Any], scenes: Iterable[SceneText]) -> str:
    """The lesson as TOML, every table and key preceded by its docs (the schema's, and
    the declarations of ``scenes``, in lecture order)."""
    data = lesson.to_dict() if isinstance(lesson, Lesson) else dict(lesson)
    values = dict(flatten(data))
    lines = [
        "# The lesson: every number, colour and word of the lecture that an educator may change.",
        "# Generated by `make docs` from lessonkit/schema.py and the scenes' declared beats and labels;",
        "# edit the values freely, or copy keys into your own file and pass it with",
        "# `python render.py --config FILE`. Reference: docs/CONFIG.md.",
    ]
    keys = lesson_keys(scenes)
    by_table: dict[str, list[Key]] = {}
    for key in keys:
        by_table.setdefault(key.table, []).append(key)
    first_of_kind: dict[str, str] = {}
    for table in by_table:
        first_of_kind.setdefault(table.split(".")[0], table)
    for table, table_keys in by_table.items():
        kind = table.split(".")[0]
        doc = TABLES.get(table) or (TABLES.get(kind, "") if first_of_kind[kind] == table else "")
        keys = table_keys
        records = [k for k in keys if k.kind == "records"]
        plain = [k for k in keys if k.kind != "records"]
        if plain:
            lines.append("")
            lines.extend(_wrap_comment(doc) if doc else [])
            lines.append(f"[{table}]")
            for key in plain:
                lines.extend(_wrap_comment(_key_comment(key)))
                lines.append(f"{key.name} = {_toml_value(values[key.path])}")
        for key in records:
            lines.append("")
            lines.extend(_wrap_comment(doc + " " + _key_comment(key)))
            for record in values[key.path]:
                lines.append(f"[[{key.path}]]")
                for field in key.fields:
                    lines.append(f"{field.path} = {_toml_value(record[field.path])}")
    return "\n".join(lines) + "\n"


def _key_comment(key: Key, with_range: bool = True) -> str:
    text = key.doc
    if with_range and key.kind in ("float", "int", "choice") and (
        key.kind == "choice" or key.positive or key.minimum is not None or key.maximum is not None or key.within_plot
    ):
        text += f" Accepts {key.describe_range()}."
    if key.placeholders:
        text += " Placeholders: " + ", ".join("{" + p + "}" for p in key.placeholders) + "."
    if key.kind == "records":
        text += " Fields: " + "; ".join(f"{f.path}: {f.doc} ({f.describe_range()})" for f in key.fields) + "."
    return text


def render_reference_markdown(lesson: Lesson, scenes: Iterable[SceneText]) -> str:
    """docs/CONFIG.md: one table row per key (the schema's, and the words ``scenes`` declare)."""
    out = [
        "# Lesson config reference",
        "",
        "Generated by `make docs` from `lessonkit/schema.py` and the scenes' declared beats and labels;",
        "do not edit by hand.",
        "Every key can be set in a TOML file (`python render.py --config FILE`) or on the command line",
        "(`python render.py --set key=value`). Keys you leave out keep the default shown here.",
        "",
    ]
    current = None
    for key in lesson_keys(scenes):
        table = key.table if key.table in TABLES else key.table.split(".")[0]
        if table != current:
            current = table
            out += ["", f"## `[{table}]`", "", TABLES.get(table, ""), "", "| key | accepts | default | what it does |",
                    "|---|---|---|---|"]
        default = lesson.value_at(key.path)
        if key.kind == "records":
            default = f"{len(default)} entries"
        else:
            default = _toml_value(default)
        if len(default) > 60:
            default = default[:57] + '..."'
        out.append(
            f"| `{key.path}` | {key.describe_range()} | `{default}` | {_key_comment(key, with_range=False).replace('|', '/')} |"
        )
    return "\n".join(out) + "\n"
