"""A scene declares its beats, labels and title once, next to its code (issue 11): a beat
the code and the declaration disagree on is refused when the class is created, and the
lesson's words are checked against the declaration before anything renders."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonkit.config import ConfigError, load_lesson
from lessonkit.scene import Beat, Label, LessonScene
from lessonkit.scenetext import DeclarationError, lesson_key_for
from scenes import LECTURE
from tests.conftest import render_tiny


def test_lesson_keys_derive_from_class_names():
    assert [lesson_key_for(scene.__name__) for scene in LECTURE] == [scene.lesson_key for scene in LECTURE]
    assert lesson_key_for("PracticeProblem1") == "practice_problem_1"
    assert lesson_key_for("ReluComparison") == "relu_comparison"
    lesson = load_lesson()
    for scene in LECTURE:  # every lecture scene's words are in the default lesson
        for key in scene.declared_text().keys():
            value = lesson.value_at(key.path)
            assert isinstance(value, str) if key.kind == "str" else value is not None, key.path


def test_a_misspelled_placeholder_is_refused_when_the_class_is_created():
    with pytest.raises(DeclarationError, match=r"beat 'slope' misses z and fills in undeclared zz"):
        class MisspelledPlaceholder(LessonScene):
            beats = {"slope": Beat("The slope at z.", "z")}

            def construct(self) -> None:
                self.beat("slope", zz="1")


def test_an_undeclared_beat_is_refused_when_the_class_is_created():
    with pytest.raises(DeclarationError, match=r"beat 'sloap' is not declared .*declared: slope") as refused:
        class UndeclaredBeat(LessonScene):
            beats = {"slope": Beat("The slope.")}

            def construct(self) -> None:
                self.beat("sloap")
    # The message names the line of the call in this file.
    line = next(number for number, text in enumerate(Path(__file__).read_text().splitlines(), start=1)
                if 'self.beat("sloap")' in text and "text" not in text)
    assert f"UndeclaredBeat (line {line})" in str(refused.value)


def test_the_closing_fade_s_name_is_not_a_beat_name():
    with pytest.raises(DeclarationError, match="may not be called 'closing'"):
        class ClosingBeat(LessonScene):
            beats = {"closing": Beat("The end.")}

            def construct(self) -> None:
                self.beat("closing")


@pytest.mark.parametrize("seconds", [0, 0.6])
def test_a_scene_closes_with_a_fade_unless_told_not_to(tmp_path, seconds):
    from scenes import KeyFormula

    scene = render_tiny(KeyFormula, tmp_path, [f"pacing.closing_seconds={seconds}"], write_movie=False)
    sections = [section.name for section in scene.manager.file_writer.sections]
    assert (sections[-1] == "closing") == (seconds > 0)
    assert sections.count("closing") == (1 if seconds else 0)
    # Faded out: nothing left on screen; not faded: the last beat's picture stays.
    drawn = [mobject for mobject in scene.mobjects if mobject.family_members_with_points()]
    assert bool(drawn) == (seconds == 0)


def test_a_computed_beat_is_checked_when_it_runs(tmp_path):
    class ComputedBeat(LessonScene):
        beats = {"slope": Beat("The slope at z.", "z")}

        def construct(self) -> None:
            values = {"zz": "1"}
            self.beat("slope", **values)

    config = tmp_path / "lesson.toml"
    config.write_text('[titles]\ncomputed_beat = "A title"\n[narration.computed_beat]\nslope = "At {z}."\n')
    with pytest.raises(DeclarationError, match="misses z"):
        render_tiny(ComputedBeat, tmp_path, config_path=config, skip_animations=True)


def test_two_scenes_cannot_claim_one_lesson_key():
    with pytest.raises(DeclarationError, match="already declared by scene GradientChain"):
        class Impostor(LessonScene):
            lesson_key = "gradient_chain"
            beats = {"network": Beat("Another network.")}


class SlopeAt(LessonScene):
    """A scene of one's own: a title with a placeholder, one beat, one label."""

    title_placeholders = ("z",)
    beats = {"slope": Beat("The slope is read off.", "z", "slope")}
    labels = {"tag": Label("Beside the number.", max_chars=20)}

    def construct(self) -> None:
        z = self.lesson.practice.z
        self.beat("slope", z=self.spoken(z), slope=self.spoken(0.5))
        self.show_title(z=self.spoken(z))
        self.add(self.math(self.number("slope", 0.5)), self.math(rf"\text{{{self.label('tag')}}}").shift(2 * 1))


def write_words(tmp_path, **lines: str):
    config = tmp_path / "own.toml"
    config.write_text("\n".join(lines.values()) + "\n")
    return config


WORDS = {
    "title": '[titles]\nslope_at = "Slope at z = {z}"',
    "narration": '[narration.slope_at]\nslope = "At {z} the slope is {slope}."',
    "labels": '[labels.slope_at]\ntag = "slope"',
}


def test_an_own_scene_takes_its_words_from_the_lesson_toml(tmp_path):
    scene = render_tiny(SlopeAt, tmp_path, config_path=write_words(tmp_path, **WORDS), skip_animations=True)
    assert scene.title_words == "Slope at z = 5"
    assert scene.captions == ["At 5 the slope is 0.5."]
    assert scene.utterances[0][0] == "slope_at.slope"


@pytest.mark.parametrize("change, message", [
    ({"title": ""}, r"^titles.slope_at is missing from the lesson: scene SlopeAt declares it; add it to your "
                    r'lesson TOML under \[titles\] as slope_at = "..."$'),
    ({"labels": ""}, r"^labels.slope_at.tag is missing"),
    ({"narration": '[narration.slope_at]\nslope = "At {zed}."'},
     r"narration.slope_at.slope uses unknown placeholder \{zed\}; allowed: \{z\}, \{slope\}"),
    ({"title": '[titles]\nslope_at = "Slope at {x}"'}, r"titles.slope_at uses unknown placeholder \{x\}"),
    ({"labels": '[labels.slope_at]\ntag = "a tag far too long for its place"'}, r"labels.slope_at.tag is 32 characters long; at most 20"),
])
def test_own_scene_words_are_checked_before_drawing(tmp_path, change, message):
    config = write_words(tmp_path, **{**WORDS, **change})
    with pytest.raises(ConfigError, match=message):
        render_tiny(SlopeAt, tmp_path, config_path=config, skip_animations=True)


def test_render_py_checks_the_words_of_the_scenes_it_renders(capsys):
    import render

    assert render.main(["--list", "--set", "narration.gradient_chain.product=After {layerz} layers"]) == 2
    assert "narration.gradient_chain.product uses unknown placeholder {layerz}" in capsys.readouterr().err
    assert render.main(["--list", "--set", "labels.gradient_chian.x=1"]) == 2
    assert "unknown key labels.gradient_chian.x" in capsys.readouterr().err
