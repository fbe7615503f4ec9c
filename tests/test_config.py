"""The lesson config: defaults, overrides, validation, and the files generated from the schema."""

from __future__ import annotations

import pytest

from lessonkit.config import (
    DEFAULT_LESSON_PATH,
    PROJECT_ROOT,
    ConfigError,
    known_keys,
    load_lesson,
    parse_override,
    read_toml,
    render_commented_toml,
    render_reference_markdown,
)
from lessonkit.schema import SCHEMA
from scenes import LECTURE

LECTURE_TEXTS = [scene.declared_text() for scene in LECTURE]


def test_default_lesson_has_every_key_of_the_schema():
    lesson = load_lesson()
    for key in SCHEMA:
        lesson.value_at(key.path)  # raises if missing
    assert lesson.chain.layers == 5
    assert lesson.practice.z == 5.0


def test_generated_files_are_up_to_date():
    """assets/lesson.toml's comments and docs/CONFIG.md come from the schema and the scenes'
    declarations; regenerate with `make docs`."""
    lesson = load_lesson(scenes=LECTURE_TEXTS)
    assert DEFAULT_LESSON_PATH.read_text(encoding="utf-8") == render_commented_toml(lesson, LECTURE_TEXTS)
    assert (PROJECT_ROOT / "docs" / "CONFIG.md").read_text(encoding="utf-8") == render_reference_markdown(
        lesson, LECTURE_TEXTS)


def test_commented_toml_round_trips(tmp_path):
    lesson = load_lesson(overrides=["chain.layers=8", 'lesson.title="A \\"quoted\\" title"'])
    path = tmp_path / "lesson.toml"
    path.write_text(render_commented_toml(lesson, LECTURE_TEXTS), encoding="utf-8")
    assert load_lesson(path).to_dict() == lesson.to_dict()


def test_user_file_overrides_only_its_keys(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[practice]\nz = 4\n[theme]\nname = "light"\n', encoding="utf-8")
    lesson = load_lesson(path)
    assert lesson.practice.z == 4
    assert lesson.theme.name == "light"
    assert lesson.chain.layers == 5  # kept from the defaults


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("chain.layers=8", ("chain.layers", 8)),
        ("practice.z=-2.5", ("practice.z", -2.5)),
        ("theme.name=light", ("theme.name", "light")),
        ('lesson.title="Hello"', ("lesson.title", "Hello")),
        ("lesson.title=Two words", ("lesson.title", "Two words")),
    ],
)
def test_parse_override(assignment, expected):
    assert parse_override(assignment) == expected


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["chain.layer=8"], "unknown key chain.layer in --set; did you mean chain.layers?"),
        (["practice.zz=3"], "did you mean practice.z?"),
        (["chain.layers=0"], "chain.layers = 0 is out of range"),
        (["chain.layers=21"], "chain.layers = 21 is out of range"),
        (["chain.layers=2.5"], "chain.layers must be an integer"),
        (["chain.layers=true"], "chain.layers must be an integer"),
        (["chain.per_layer_gradient=0"], "chain.per_layer_gradient = 0 is out of range: must be a number > 0"),
        (["chain.per_layer_gradient=-0.2"], "out of range"),
        (["chain.learning_rate=nan"], "chain.learning_rate must be finite"),
        (["practice.z=inf"], "practice.z must be finite"),
        (["practice.z=40"], "practice.z = 40 is outside the plotted range -8..8"),
        (["practice.z=abc"], "practice.z must be a number, got 'abc'"),
        (["tangent.activation=gelu"], "tangent.activation = 'gelu' is unknown; choose one of: sigmoid, tanh"),
        (["theme.name=blue"], "theme.name = 'blue' is unknown; choose one of: dark, light"),
        (["theme.dark.sigmoid=blue"], 'theme.dark.sigmoid must be a colour like "#58C4DD"'),
        (["lesson.title="], "lesson.title must not be empty"),
        (["narration.practice_problem_1.sigma=Sigma is {sigmaa}"], "unknown placeholder {sigmaa}"),
        (["ball.push=3", "ball.relu_z=2"], "ball.relu_z = 2 must be at least ball.push = 3"),
        (["saturation.from_z=6", "saturation.to_z=3"], "saturation.from_z must be smaller"),
        (["chain.layers"], "--set needs key=value"),
    ],
)
def test_bad_values_are_refused_with_the_key_named(overrides, message):
    with pytest.raises(ConfigError) as error:
        load_lesson(overrides=overrides)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_bad_files_are_refused_with_file_and_line(tmp_path):
    with pytest.raises(ConfigError, match="config file not found: .*missing.toml"):
        load_lesson(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[chain]\nlayers = 5\nlayers = = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken.toml is not valid TOML: .*line 3"):
        load_lesson(broken)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[chian]\nlayers = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key chian.layers in .*unknown.toml; did you mean chain.layers\?"):
        load_lesson(unknown)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="cannot read config file"):
        read_toml(binary)


def test_takeaways_records_are_validated(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('[[takeaways.items]]\ntext = "Only one"\nrecall = "nowhere"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"takeaways.items\[0\].recall = 'nowhere' is unknown"):
        load_lesson(path)
    path.write_text('[[takeaways.items]]\ntext = "Only one"\nrecall = "chain"\n', encoding="utf-8")
    assert len(load_lesson(path).takeaways.items) == 1


def test_every_narration_placeholder_is_declared():
    import string

    lesson = load_lesson()
    keys = known_keys()
    for text in LECTURE_TEXTS:
        for key in (k for k in text.keys() if k.kind == "str"):
            names = {f for _, f, _, _ in string.Formatter().parse(lesson.value_at(key.path)) if f}
            assert names <= set(key.placeholders), key.path
    assert keys["narration.practice_problem_1.sigma"].placeholders == ("z", "sigma")
