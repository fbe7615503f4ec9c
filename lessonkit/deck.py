"""Slide decks from a rendered lecture's manifest: a self-contained HTML presenter page
(the template ``lessonkit/templates/slides.html``, filled with Jinja2) and a PowerPoint
file, one slide per step (a section of a scene, from pause to pause).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lessonkit.formats import format_of
from lessonkit.theme import Theme
from lessonkit.video import atomic_path


def deck_steps(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every step of every clip, in order, with its scene's title."""
    steps = []
    for clip in manifest["clips"]:
        for number, step in enumerate(clip["steps"], start=1):
            steps.append({**step, "scene": clip["scene"], "title": clip["title"], "number": number,
                          "of": len(clip["steps"]),
                          "cues": [c for c in clip["captions"]
                                   if c["end"] > step["start"] and c["start"] < step["start"] + step["duration"]]})
    return steps


def _page_template() -> "jinja2.Template":
    """``templates/slides.html``, loaded from the installed package; everything put into
    it is HTML-escaped (lesson titles and captions may hold ``<``, ``&`` or quotes)."""
    import jinja2

    environment = jinja2.Environment(loader=jinja2.PackageLoader("lessonkit", "templates"),
                                     autoescape=True, undefined=jinja2.StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return environment.get_template("slides.html")


def write_slides_html(manifest: dict[str, Any], out_dir: Path, theme: Theme) -> Path:
    """``slides.html`` beside the clips: one slide per step, working from the file system
    with nothing fetched from the network (captions are embedded in the page)."""
    steps = deck_steps(manifest)
    slides = []
    for step in steps:
        clip_format = format_of(step["file"])
        slides.append({"file": step["file"], "poster": step["poster"],
                       "label": f"{step['title']}, step {step['number']}",
                       "is_video": clip_format.is_video, "mime_type": clip_format.mime_type})
    # Jinja's tojson escapes <, >, & and ' too, so no caption can end the script early.
    cues = [{"start": s["start"], "title": s["title"], "number": s["number"], "of": s["of"],
             "cues": s["cues"]} for s in steps]
    page = _page_template().render(title=manifest["lecture"].get("title", "Lecture"), theme=theme,
                                   slides=slides, steps=cues)
    target = out_dir / "slides.html"
    with atomic_path(target) as temporary:
        temporary.write_text(page, encoding="utf-8")
    return target


def write_pptx(manifest: dict[str, Any], out_dir: Path) -> Path:
    """``lecture.pptx``: one 16:9 slide per step, the step's clip embedded with its poster
    as the picture, the scene's title, and the narration in the speaker notes."""
    from pptx import Presentation
    from pptx.util import Emu, Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    # python-pptx keeps type="screen4x3" in <p:sldSz>; without it the size is read as custom.
    deck._element.sldSz.attrib.pop("type", None)
    layout = deck.slide_layouts[5]  # "Title Only"
    margin, title_height = Inches(0.3), Inches(0.9)
    for step in deck_steps(manifest):
        slide = deck.slides.add_slide(layout)
        title = slide.shapes.title
        title.left, title.top, title.width, title.height = margin, Inches(0.15), deck.slide_width - 2 * margin, \
            title_height
        title.text = step["title"]
        title.text_frame.paragraphs[0].font.size = Pt(30)
        # The clip fills the rest of the slide at 16:9.
        top = Inches(0.15) + title_height
        height = deck.slide_height - top - margin
        width = Emu(int(height * 16 / 9))
        left = Emu(int((deck.slide_width - width) / 2))
        movie, poster = out_dir / step["file"], out_dir / step["poster"]
        clip_format = format_of(step["file"])
        if not clip_format.is_video:
            slide.shapes.add_picture(str(movie), left, top, width, height)
        else:
            slide.shapes.add_movie(str(movie), left, top, width, height, poster_frame_image=str(poster),
                                   mime_type=clip_format.mime_type)
        slide.notes_slide.notes_text_frame.text = "\n\n".join(step["narration"])
    target = out_dir / "lecture.pptx"
    with atomic_path(target) as temporary:
        deck.save(str(temporary))
    return target
