"""docs/EDITING.md's walks, executed in a copy of the project: a new scene (its file, its
words in the lesson, its place in the lecture, a render, its golden frame, the tests that
cover it; issues 11 and 14), and a new clip format (issue 11)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
EDITING = ROOT / "docs" / "EDITING.md"
#: A step of the walk: <!-- walk: what --> followed by a fenced block.
STEP = re.compile(r"<!-- walk: (.+?) -->\n```\w*\n(.*?)```", re.S)


def copy_project(target: Path) -> Path:
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".cache", "output", "output-*", "media", "__pycache__", "*.egg-info", ".hypothesis", ".pytest_cache"))
    # The project's own environment, so that `make` finds it installed.
    (target / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return target


def run(command: str, cwd: Path) -> str:
    if command.startswith("make "):
        # The environment is the project's own, installed: do not let make rebuild it.
        command = command.replace("make ", "make -o .venv/.installed ", 1)
    done = subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def take_step(what: str, body: str, repo: Path) -> list[str]:
    """Do one step as a teacher would; the outputs of the commands it ran."""
    if what.startswith("write "):
        path = repo / what.removeprefix("write ")
        assert not path.exists(), f"the walk writes a new file, but {path.name} exists"
        path.write_text(body)
    elif what.startswith("append "):
        path = repo / what.removeprefix("append ")
        path.write_text(path.read_text() + "\n" + body)
    elif what.startswith("under [titles] in "):
        path = repo / what.removeprefix("under [titles] in ")
        path.write_text(path.read_text().replace("\n[titles]\n", "\n[titles]\n" + body, 1))
    elif what.startswith("lecture after "):
        after = what.removeprefix("lecture after ")
        path = repo / "scenes" / "__init__.py"
        name = body.split("import")[-1].strip()
        text = path.read_text().replace("\nLECTURE = (", body + "\nLECTURE = (", 1)
        path.write_text(text.replace(f"    {after},\n", f"    {after},\n    {name},\n", 1))
    elif what.startswith("add to "):
        # A new entry at the end of a table: before the closing "})" of CLIP_FORMATS.
        path = repo / what.removeprefix("add to ")
        text = path.read_text()
        end = text.index("})\n", text.index("CLIP_FORMATS: Mapping"))
        path.write_text(text[:end] + body + text[end:])
    elif what == "run":
        return [run(line, repo) for line in body.splitlines() if line.strip()]
    else:
        raise AssertionError(f"unknown walk step {what!r} in docs/EDITING.md")
    return []


def walk(section: str) -> list[tuple[str, str]]:
    """The steps of one numbered section of docs/EDITING.md."""
    text = EDITING.read_text()
    start = text.index(f"\n## {section}.")
    end = text.find("\n## ", start + 1)
    return STEP.findall(text[start:end if end > 0 else None])


def test_the_editing_walk_adds_a_scene_to_the_lecture(tmp_path):
    repo = copy_project(tmp_path / "project")
    steps = walk("3")
    assert [what.split()[0] for what, _ in steps] == ["write", "under", "append", "lecture", "run", "run"]
    outputs = []
    for what, body in steps:
        outputs += take_step(what, body, repo)

    listing = next(out for out in outputs if "LearningGoal" in out)
    assert re.search(r"^ 6  ExplodingGradient +Gradients can explode, too$", listing, re.M), listing
    clip = repo / "output-preview" / "clips" / "06-ExplodingGradient.mp4"
    assert clip.stat().st_size > 0, "clips carry their place in the lecture"
    golden = repo / "tests" / "control_data" / "lecture" / "ExplodingGradient.png"
    assert Image.open(golden).size == (854, 480)
    assert "ExplodingGradient.png" in outputs[-1]
    # The tests that cover the new scene pass in the copy: its golden frame, its words in
    # the generated docs, and the declarations.
    run(f"{sys.executable} -m pytest -q -p no:cacheprovider -k 'ExplodingGradient or generated or declared "
        "or derive' tests/test_goldens.py tests/test_config.py tests/test_declarations.py", repo)


def test_the_editing_walk_adds_a_clip_format(tmp_path):
    """Issue 11: a developer adds a format as one entry of the registry, and it renders."""
    import av

    repo = copy_project(tmp_path / "project")
    steps = walk("4")
    assert [what.split()[0] for what, _ in steps] == ["add", "run", "run"]
    outputs = []
    for what, body in steps:
        outputs += take_step(what, body, repo)
    clip = repo / "output-mkv" / "clips" / "01-LearningGoal.mkv"
    with av.open(str(clip)) as container:
        assert container.format.name.startswith("matroska")
        assert [stream.codec_context.name for stream in container.streams.video] == ["h264"]
        assert sum(1 for _ in container.decode(video=0)) > 0
    step = repo / "output-mkv" / "clips" / "01-LearningGoal" / "01-title.mkv"
    assert step.stat().st_size > 0
    assert 'type="video/x-matroska"' in (repo / "output-mkv" / "slides.html").read_text()
    assert " passed" in outputs[-1]
