"""slides.html from its template: lesson text escaped, the page complete (quick, no browser)."""

from __future__ import annotations

import json
import re

from lessonkit.config import load_lesson
from lessonkit.deck import write_slides_html
from lessonkit.theme import Theme
from tests.conftest import stand_in_deck

NASTY = 'σ\'(z) < 0.25 & "saturated" </script><b>'


def test_lesson_text_is_escaped_in_the_page_and_in_its_script(tmp_path):
    manifest = stand_in_deck(tmp_path, title=NASTY, narration=NASTY)
    page = write_slides_html(manifest, tmp_path, Theme.from_lesson(load_lesson())).read_text()
    assert "<b>" not in page and page.count("</script>") == 1, "nothing of the text is markup"
    assert re.search(r"<title>σ(&#39;|&#x27;)\(z\) &lt; 0\.25 &amp; (&#34;|&quot;)saturated", page)
    assert 'aria-label="σ&#39;(z) &lt; 0.25 &amp; &#34;saturated&#34; &lt;/script&gt;&lt;b&gt;, step 1"' in page
    steps = json.loads(re.search(r"const STEPS = (.*);\n", page).group(1))
    assert steps[0]["title"] == NASTY and steps[0]["cues"][0]["text"] == NASTY


def test_the_page_carries_the_theme_and_one_slide_per_step(tmp_path):
    theme = Theme.from_lesson(load_lesson(overrides=["theme.name=light"]))
    page = write_slides_html(stand_in_deck(tmp_path), tmp_path, theme).read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert f"background: {theme.background};" in page and f"color: {theme.muted};" in page
    assert page.count('class="slide"') == 1 and 'preload="auto"' in page
    assert "{{" not in page and "{%" not in page
