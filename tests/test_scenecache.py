"""What a scene's stored render is keyed on: the code it runs, and nothing else of ours."""

import shutil

from lessonkit import scenecache

PROJECT = scenecache.PROJECT_ROOT


def relative(files):
    return {path.relative_to(PROJECT).as_posix() for path in files if path.is_relative_to(PROJECT)}


def test_a_scene_s_code_is_what_it_and_its_runner_import_and_nothing_else():
    files = relative(scenecache.code_files("scenes.practice_problems"))
    # The scene, its package's init and data module, what drawing and running a scene import.
    for ran in ("scenes/practice_problems.py", "scenes/__init__.py", "scenes/numbers.py", "lessonkit/scene.py",
                "lessonkit/jobs.py", "lessonkit/texbatch.py", "lessonkit/components/solution.py",
                "lessonkit/config.py", "mathcore/gradients.py"):
        assert ran in files
    # Writing decks, clips and the preview page, and the other scenes, are not rendering this one.
    for not_ran in ("lessonkit/deck.py", "lessonkit/watch.py", "lessonkit/pipeline.py", "lessonkit/outputcache.py",
                    "lessonkit/worksheet.py", "lessonkit/templates/slides.html", "scenes/saturation.py"):
        assert not_ran not in files


def test_editing_code_no_scene_runs_keeps_the_key_and_code_it_runs_changes_it(tmp_path, monkeypatch):
    for package in scenecache.PROJECT_PACKAGES:
        shutil.copytree(PROJECT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(scenecache, "PROJECT_ROOT", tmp_path)
    before = scenecache.code_fingerprint("scenes.key_formula")
    with open(tmp_path / "lessonkit" / "watch.py", "a") as file:
        file.write("\n# an edit of the preview server\n")
    assert scenecache.code_fingerprint("scenes.key_formula") == before
    with open(tmp_path / "lessonkit" / "components" / "zoom.py", "a") as file:
        file.write("\n# an edit of a component\n")
    assert scenecache.code_fingerprint("scenes.key_formula") != before
