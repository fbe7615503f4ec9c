"""Property-based fuzz of the lesson loader: any TOML file and any --set is either accepted
or refused with one ConfigError line, never another exception (issue 9). No rendering."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from lessonkit.config import ConfigError, Lesson, known_keys, load_lesson
from lessonkit.schema import TABLES
from scenes import LECTURE

FUZZ = settings(max_examples=200, deadline=None)
LECTURE_TEXTS = [scene.declared_text() for scene in LECTURE]

known_paths = st.sampled_from(sorted(known_keys()))
any_key = st.one_of(known_paths, st.sampled_from(sorted(TABLES)), st.text(min_size=1, max_size=12))
scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=60),
    st.sampled_from(["light", "dark", "sigmoid", "relu", "#58C4DD", "{z}", "{", "}", "{{}}", "梯度", "🚀", ""]),
)


def toml_value(value) -> str:
    """A TOML literal for ``value`` (strings through JSON, whose escapes TOML mostly shares)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(str(value), repr(value))
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=8)


@st.composite
def toml_documents(draw) -> str:
    """Mostly well-formed TOML over the lesson's keys, sometimes raw text."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=200))
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        path = draw(any_key)
        table, _, name = path.rpartition(".")
        if draw(st.booleans()) and table:
            lines.append(f"[{table}]")
            lines.append(f"{json.dumps(name, ensure_ascii=False)} = {toml_value(draw(values))}")
        else:
            lines.append(f"{json.dumps(path, ensure_ascii=False)} = {toml_value(draw(values))}")
        if draw(st.integers(0, 4)) == 0:
            lines.append("[[takeaways.items]]")
            for field in draw(st.lists(st.sampled_from(["text", "recall", "other"]), max_size=3, unique=True)):
                lines.append(f"{field} = {toml_value(draw(values))}")
    return "\n".join(lines) + "\n"


assignments = st.one_of(
    st.builds(lambda key, value: f"{key}={value}", known_paths, st.text(max_size=40)),
    st.builds(lambda key, value: f"{key}={toml_value(value)}", any_key, values),
    st.text(max_size=60),
)


def loads_or_refuses_in_one_line(config: Path | None, overrides: list[str]) -> None:
    try:
        lesson = load_lesson(config, overrides)
    except ConfigError as error:
        message = str(error)
        assert message and "\n" not in message and "\r" not in message, repr(message)
        return
    assert isinstance(lesson, Lesson)
    # What was accepted can be filled in: every scene's words with their placeholders.
    for text in LECTURE_TEXTS:
        for key in (k for k in text.keys() if k.kind == "str"):
            lesson.value_at(key.path).format(**{name: "1" for name in key.placeholders})


@FUZZ
@given(toml_documents())
@example("[plot]\nz_max = " + "[" * 2000 + "]" * 2000 + "\n")
@example('[lesson]\n"a\\nb" = 1\n')
@example("[[takeaways.items]]\ntext = \"{\\nx}\"\nrecall = \"chain\"\n")
def test_any_config_file_is_accepted_or_refused_in_one_line(text):
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "lesson.toml"
        config.write_text(text, encoding="utf-8", errors="surrogatepass")
        loads_or_refuses_in_one_line(config, [])


@FUZZ
@given(st.lists(assignments, max_size=3))
@example(["practice.z=" + "[" * 2000])
@example(["practice.z=" + "[" * 2000 + "]" * 2000])
@example(["a\nb=1"])
@example(["lesson.title=" + "{\n}"])
@example(["labels="])
@example(["narration.saturation=1"])
@example(["settings.nobody.x=1", "titles="])
def test_any_set_is_accepted_or_refused_in_one_line(overrides):
    loads_or_refuses_in_one_line(None, overrides)
