#!/usr/bin/python3
"""Reads the open-loop prediction videos of a board task (MinAtar, debug) and counts the model's wrong cells.

Usage: scripts/openl_errors.py RUN_DIR [--context 5] [--spans 5,15,50] [--json]

Each videos/openl_<step>.gif holds 6 replay sequences side by side; per sequence the true boards (top), the
model's (middle) and the cells where they differ (bottom), drawn in the colour of the highest differing channel
(docs/logging.md). The model observes the first --context frames and imagines the rest. For each video this
prints, per span of frames (the context, then the imagined frames up to each mark of --spans), the mean number of
wrong cells per frame, the mean number of occupied true cells, and which channels the wrong cells belong to (by
their colour). A model whose posterior carries the frame gets almost no context cell wrong; wrong imagined cells
grow with the horizon as the model's dynamics drift from the game's.
"""
import argparse
import glob
import json
import os
import re
import sys

import numpy as np
from PIL import Image

# The renderer's palette (src/envs/board.cpp): channel i is drawn in PALETTE[i % 12].
PALETTE = [(255, 255, 255), (230, 60, 60), (90, 90, 90), (250, 200, 40), (60, 130, 240), (60, 200, 90),
           (200, 80, 220), (60, 220, 220), (250, 140, 40), (150, 110, 70), (180, 230, 90), (240, 150, 190)]
BOARD = 10  # cells per side of a MinAtar board


def cell_channels(panel, cell):
    """[BOARD, BOARD] palette index of each cell's colour (-1 where black) of one rendered board."""
    centres = panel[cell // 2::cell, cell // 2::cell][:BOARD, :BOARD]
    out = np.full((BOARD, BOARD), -1, dtype=int)
    for i, colour in enumerate(PALETTE):
        out[np.all(centres == colour, axis=-1)] = i
    unknown = (out < 0) & np.any(centres != 0, axis=-1)
    if unknown.any():
        raise SystemExit(f"openl_errors: a cell colour outside the board palette: {centres[unknown][0]}")
    return out


def read_video(path):
    """[T, 3 rows, sequences, BOARD, BOARD] palette indices (-1 = empty) of one open-loop video."""
    gif = Image.open(path)
    frames = []
    for t in range(gif.n_frames):
        gif.seek(t)
        rgb = np.asarray(gif.convert("RGB"))
        panel = rgb.shape[0] // 3
        if rgb.shape[0] % 3 or rgb.shape[1] % panel or panel % BOARD:
            raise SystemExit(f"openl_errors: {path}: {rgb.shape[1]}x{rgb.shape[0]} is not a board video")
        cell = panel // BOARD
        rows = []
        for r in range(3):
            rows.append([cell_channels(rgb[r * panel:(r + 1) * panel, s * panel:(s + 1) * panel], cell)
                         for s in range(rgb.shape[1] // panel)])
        frames.append(rows)
    return np.array(frames)


def summarize(video, context, spans):
    """Per span [a, b): mean wrong cells per board, mean occupied true cells, wrong cells per channel."""
    out = []
    start = 0
    for end in [context] + [s for s in spans if s > context]:
        end = min(end, video.shape[0])
        if end <= start:
            continue
        truth, error = video[start:end, 0], video[start:end, 2]
        channels = {int(c): int((error == c).sum()) for c in np.unique(error) if c >= 0}
        boards = truth.shape[0] * truth.shape[1]
        out.append({"frames": [start, end], "wrong_cells": float((error >= 0).sum() / boards),
                    "true_cells": float((truth >= 0).sum() / boards),
                    "wrong_by_channel": {k: round(v / boards, 3) for k, v in sorted(channels.items())}})
        start = end
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--context", type=int, default=5)
    parser.add_argument("--spans", default="15,50", help="ends of the imagined spans, comma-separated")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    spans = [int(s) for s in args.spans.split(",") if s]
    paths = glob.glob(os.path.join(args.run_dir, "videos", "openl_*.gif"))
    if not paths:
        sys.exit(f"openl_errors: no videos/openl_*.gif under '{args.run_dir}'")
    step = lambda p: int(re.search(r"openl_(\d+)\.gif$", p).group(1))
    results = {step(p): summarize(read_video(p), args.context, spans) for p in sorted(paths, key=step)}
    if args.json:
        print(json.dumps(results))
        return
    for s, rows in results.items():
        cells = "  ".join(f"[{r['frames'][0]},{r['frames'][1]}) {r['wrong_cells']:5.2f}/{r['true_cells']:5.2f}"
                          f" {r['wrong_by_channel']}" for r in rows)
        print(f"step {s:>7}: wrong/true cells per board  {cells}")


if __name__ == "__main__":
    main()
