#!/usr/bin/env python3
"""Tile key frames of a rendered lecture into one PNG, to look at it at a glance.

    python scripts/contact_sheet.py output/ docs/images/contact-sheet.png     # every clip's poster
    python scripts/contact_sheet.py output/ /tmp/steps.png --steps            # the end of every step (beat)

The posters are the pictures at the end of each step, before a scene fades out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from PIL import Image

from lessonkit.video import contact_sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="a folder render.py wrote (with manifest.json)")
    parser.add_argument("target", type=Path, help="PNG to write")
    parser.add_argument("--steps", action="store_true", help="one frame per step (the end of each beat)")
    parser.add_argument("--columns", type=int, default=4)
    parser.add_argument("--width", type=int, default=480, help="width of each tile in pixels")
    args = parser.parse_args()
    manifest = json.loads((args.out_dir / "manifest.json").read_text())
    items = [step for clip in manifest["clips"] for step in clip["steps"]] if args.steps else manifest["clips"]
    images = [Image.open(args.out_dir / item["poster"]).convert("RGB") for item in items]
    args.target.parent.mkdir(parents=True, exist_ok=True)
    contact_sheet(images, columns=args.columns, width=args.width).save(args.target)
    print(f"{args.target}: {len(images)} frames")


if __name__ == "__main__":
    main()
