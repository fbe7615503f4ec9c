"""Slide decks from a rendered lecture's manifest: a self-contained HTML presenter page
and a PowerPoint file, one slide per step (a section of a scene, from pause to pause).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from lessonkit.theme import Theme
from lessonkit.video import atomic_path

MIME_TYPES = {"mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime", "gif": "image/gif"}


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


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
  /* Three rows: the clip, the captions (when shown, below the clip, never over it), the footer. */
  html, body { margin: 0; height: 100%; background: __BACKGROUND__; color: __TEXT__;
               font-family: "DejaVu Sans", system-ui, sans-serif; overflow: hidden; }
  body { display: grid; grid-template-rows: minmax(0, 1fr) auto 2.6rem; }
  #stage { display: flex; align-items: center; justify-content: center; min-height: 0; }
  .slide { display: none; max-width: 100%; max-height: 100%; }
  .slide.current { display: block; }
  #caption { text-align: center; font-size: 1.3rem; line-height: 1.4; padding: 0.4rem 8%; min-height: 3.6rem; }
  #caption.hidden { display: none; }
  footer { display: flex; align-items: center; justify-content: space-between; padding: 0 1rem;
           font-size: 0.9rem; color: __MUTED__; }
  footer a { color: __TEXT__; }
  /* With reduced motion a step waits on its poster until this is pressed. */
  #stage { position: relative; }
  #play { position: absolute; left: 50%; top: 50%; transform: translate(-50%, -50%); font-size: 1.4rem;
          padding: 0.6rem 1.4rem; border-radius: 0.5rem; border: 2px solid __TEXT__; background: __BACKGROUND__;
          color: __TEXT__; cursor: pointer; }
  #play[hidden] { display: none; }
</style>
</head>
<body>
<main id="stage">
__SLIDES__
<button id="play" type="button" hidden>&#9654; Play this step</button>
</main>
<div id="caption" class="hidden"><span></span></div>
<footer><span id="where"></span><a href="transcript.html">Transcript</a><span>&larr; &rarr; or click: step &middot; C: captions &middot; M: <span id="sound">sound on</span> &middot; R: replay &middot; P: play</span></footer>
<script>
// One entry per slide: its captions, timed from the start of its clip.
const STEPS = __STEPS__;
const slides = Array.from(document.querySelectorAll(".slide"));
const caption = document.getElementById("caption");
let current = -1;
let muted = false;
// The browser's "reduce motion" setting: each step shows its poster and plays when asked.
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
const playButton = document.getElementById("play");

function setMuted(value) {
  muted = value;
  slides.forEach(slide => { if (slide.tagName === "VIDEO") slide.muted = muted; });
  document.getElementById("sound").textContent = muted ? "sound off" : "sound on";
}

function showCaption() {
  const slide = slides[current], step = STEPS[current];
  const t = step.start + (slide.tagName === "VIDEO" ? slide.currentTime : 0);
  // The latest line that has started: held through the pauses and over the last frame.
  const started = step.cues.filter(c => c.start <= t + 0.05);
  const cue = started[started.length - 1];
  caption.querySelector("span").textContent = cue ? cue.text : "";
}

function play() {
  const slide = slides[current];
  playButton.hidden = true;
  if (slide.tagName === "VIDEO") {
    slide.muted = muted;
    // A browser that refuses sound before the first key press or click still plays the step, silently.
    slide.play().catch(() => { slide.muted = true; slide.play().catch(() => {}); });
  } else {
    slide.src = slide.dataset.src;  // restart the GIF
  }
}

function go(index) {
  index = Math.max(0, Math.min(slides.length - 1, index));
  if (index === current) return;
  if (current >= 0) {
    slides[current].classList.remove("current");
    if (slides[current].tagName === "VIDEO") slides[current].pause();
  }
  current = index;
  const slide = slides[current], step = STEPS[current];
  slide.classList.add("current");
  if (reducedMotion.matches) {
    // Back to the poster (load() resets a video that has played), and a button to play.
    if (slide.tagName === "VIDEO") slide.load(); else slide.src = slide.dataset.poster;
    playButton.hidden = false;
  } else {
    // Plays once; when it ends the last frame stays.
    if (slide.tagName === "VIDEO") slide.currentTime = 0;
    play();
  }
  const next = slides[current + 1];
  if (next && next.tagName === "VIDEO") next.preload = "auto";
  document.getElementById("where").textContent =
    `${step.title} \\u2014 step ${step.number} of ${step.of} \\u2014 slide ${current + 1} of ${slides.length}`;
  location.hash = String(current + 1);
  showCaption();
}

slides.forEach(slide => { if (slide.tagName === "VIDEO") slide.addEventListener("timeupdate", () => {
  if (slides[current] === slide) showCaption(); }); });
document.addEventListener("keydown", event => {
  if (["ArrowRight", "PageDown", " ", "Enter"].includes(event.key)) go(current + 1);
  else if (["ArrowLeft", "PageUp", "Backspace"].includes(event.key)) go(current - 1);
  else if (event.key === "Home") go(0);
  else if (event.key === "End") go(slides.length - 1);
  else if (event.key === "c" || event.key === "C") caption.classList.toggle("hidden");
  else if (event.key === "m" || event.key === "M") setMuted(!muted);
  else if (event.key === "r" || event.key === "R") { const i = current; current = -1; go(i); }
  else if (event.key === "p" || event.key === "P") play();
  else return;
  event.preventDefault();
});
playButton.addEventListener("click", event => { event.stopPropagation(); play(); });
document.addEventListener("click", event => event.target.closest("a") || go(event.clientX < window.innerWidth / 5 ? current - 1 : current + 1));
go((parseInt(location.hash.slice(1), 10) || 1) - 1);
</script>
</body>
</html>
"""


def write_slides_html(manifest: dict[str, Any], out_dir: Path, theme: Theme) -> Path:
    """``slides.html`` beside the clips: one slide per step, working from the file system
    with nothing fetched from the network (captions are embedded in the page)."""
    steps = deck_steps(manifest)
    elements = []
    for index, step in enumerate(steps):
        src, poster = html.escape(step["file"]), html.escape(step["poster"])
        label = html.escape(f"{step['title']}, step {step['number']}")
        if step["file"].endswith(".gif"):
            elements.append(f'<img class="slide" data-src="{src}" data-poster="{poster}" src="{poster}" alt="{label}">')
        else:
            mime = MIME_TYPES[step["file"].rsplit(".", 1)[1]]
            preload = "auto" if index == 0 else "metadata"
            elements.append(f'<video class="slide" playsinline preload="{preload}" poster="{poster}" '
                            f'aria-label="{label}"><source src="{src}" type="{mime}"></video>')
    cues = [{"start": s["start"], "title": s["title"], "number": s["number"], "of": s["of"],
             "cues": s["cues"]} for s in steps]
    page = (
        _PAGE.replace("__TITLE__", html.escape(manifest["lecture"].get("title", "Lecture")))
        .replace("__BACKGROUND__", theme.background).replace("__TEXT__", theme.text).replace("__MUTED__", theme.muted)
        .replace("__SLIDES__", "\n".join(elements))
        # "</" must not end the script early.
        .replace("__STEPS__", json.dumps(cues, ensure_ascii=False).replace("</", "<\\/"))
    )
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
        if step["file"].endswith(".gif"):
            slide.shapes.add_picture(str(movie), left, top, width, height)
        else:
            slide.shapes.add_movie(str(movie), left, top, width, height, poster_frame_image=str(poster),
                                   mime_type=MIME_TYPES[step["file"].rsplit(".", 1)[1]])
        slide.notes_slide.notes_text_frame.text = "\n\n".join(step["narration"])
    target = out_dir / "lecture.pptx"
    with atomic_path(target) as temporary:
        deck.save(str(temporary))
    return target
