#!/usr/bin/env python3
"""Regenerate the files made from the lesson's keys: ``assets/lesson.toml``'s comments and
``docs/CONFIG.md`` (``make docs``).

The keys come from :data:`lessonkit.schema.SCHEMA` and from the beats, labels and titles
each scene of the lecture declares (:mod:`lessonkit.scenetext`), in lecture order; the
values from the default lesson. Run it after adding a key, a scene or a beat.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lessonkit.config import DEFAULT_LESSON_PATH, load_lesson, render_commented_toml, render_reference_markdown  # noqa: E402
from scenes import LECTURE  # noqa: E402


def lecture_texts():
    """The declarations of the lecture's scenes, in lecture order."""
    return [scene.declared_text() for scene in LECTURE]


def main() -> int:
    texts = lecture_texts()
    lesson = load_lesson(scenes=texts)
    DEFAULT_LESSON_PATH.write_text(render_commented_toml(lesson, texts), encoding="utf-8")
    (ROOT / "docs" / "CONFIG.md").write_text(render_reference_markdown(lesson, texts), encoding="utf-8")
    print(f"wrote {DEFAULT_LESSON_PATH.relative_to(ROOT)} and docs/CONFIG.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
