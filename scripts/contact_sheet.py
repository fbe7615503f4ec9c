#!/usr/bin/env python3
"""Tile key frames of a rendered lecture into one PNG, to look at it at a glance.

    python scripts/contact_sheet.py output/ docs/contact-sheet.png            # last frame of every clip
    python scripts/contact_sheet.py output/ /tmp/beats.png --beats            # the end of every captioned beat
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lessonkit.video import contact_sheet, frames_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="a folder render.py wrote (with manifest.json)")
    parser.add_argument("target", type=Path, help="PNG to write")
    parser.add_argument("--beats", action="store_true", help="one frame per caption (the end of each beat)")
    parser.add_argument("--columns", type=int, default=4)
    parser.add_argument("--width", type=int, default=480, help="width of each tile in pixels")
    args = parser.parse_args()
    manifest = json.loads((args.out_dir / "manifest.json").read_text())
    images = []
    for clip in manifest["clips"]:
        # A frame a little before each caption ends shows the beat's finished picture.
        times = [max(0.0, c["end"] - 0.1) for c in clip["captions"]] if args.beats else [float("inf")]
        images += frames_at(args.out_dir / clip["file"], times)
    args.target.parent.mkdir(parents=True, exist_ok=True)
    contact_sheet(images, columns=args.columns, width=args.width).save(args.target)
    print(f"{args.target}: {len(images)} frames")


if __name__ == "__main__":
    main()
