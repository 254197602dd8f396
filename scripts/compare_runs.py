#!/usr/bin/python3
"""Compares groups of dreamer runs (seeds of one setting) at equal frames and at equal minutes of training.

Usage: scripts/compare_runs.py NAME=RUN_DIR[,RUN_DIR ...] [NAME=...] [--frames 20000,40000] [--minutes 30,60]
         [--window FRAMES] [--max-gap SECONDS] [--json]

For each group and each mark it prints the runs' eval return at the mark (the last evaluation at or before it),
their mean and range, and, at the end of each run, the world model's posterior entropy, KL and image loss (the
means of the last log): the signs of collapsed latents (posterior entropy near 0, KL pinned at the free nats).
Minutes are wall-clock minutes of training (pauses longer than --max-gap seconds left out), as plot_metrics.py
counts hours. With --window W it also prints the mean training-episode return in each window of W frames
(episodes counted by the frame they ended at) and over each run's last W frames.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_metrics import read_metrics, training_hours  # noqa: E402


def at_mark(points, mark):
    """The value of the last (x, value) point with x <= mark, or None."""
    best = None
    for x, value in points:
        if x <= mark:
            best = value
    return best


def window_means(episodes, window, end):
    """Mean return of the (frame, return) episodes in each window [k*W, (k+1)*W) below end, and in (end-W, end]."""
    means = []
    for k in range(int(end // window)):
        inside = [ret for x, ret in episodes if k * window <= x < (k + 1) * window]
        means.append(sum(inside) / len(inside) if inside else None)
    last = [ret for x, ret in episodes if x > end - window]
    return means, (sum(last) / len(last) if last else None)


def summarize(run, max_gap):
    records = read_metrics(run)
    hours = training_hours(records, max_gap)
    evals = [(r["step"], h * 60, r["eval_return"]) for r, h in zip(records, hours) if "eval_return" in r]
    last = {}
    for r in records:
        if "post_ent" in r:
            last = r
    return {"run": run, "evals": evals, "frames": records[-1]["step"], "minutes": hours[-1] * 60,
            "post_ent": last.get("post_ent"), "model_kl": last.get("model_kl"), "image_loss": last.get("image_loss"),
            "actor_ent": last.get("actor_ent"),
            "episodes": [(r["step"], r["train_return"]) for r in records if "train_return" in r]}


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"mean": sum(values) / len(values), "min": min(values), "max": max(values), "n": len(values)}


def fmt(s):
    return "-" if s is None else f"{s['mean']:.2f} [{s['min']:.2f}, {s['max']:.2f}] (n={s['n']})"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("groups", nargs="+", help="NAME=RUN_DIR[,RUN_DIR ...]")
    parser.add_argument("--frames", default="", help="frame marks, comma-separated")
    parser.add_argument("--minutes", default="", help="minute marks, comma-separated")
    parser.add_argument("--window", type=float, default=0.0, help="frames per training-return window")
    parser.add_argument("--max-gap", type=float, default=600.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    frames = [float(x) for x in args.frames.split(",") if x]
    minutes = [float(x) for x in args.minutes.split(",") if x]
    out = []
    for group in args.groups:
        if "=" not in group:
            sys.exit(f"compare_runs: '{group}' is not NAME=RUN_DIR[,RUN_DIR ...]")
        name, dirs = group.split("=", 1)
        runs = [summarize(d, args.max_gap) for d in dirs.split(",") if d]
        row = {"group": name, "runs": [r["run"] for r in runs]}
        for f in frames:
            row[f"frames {int(f)}"] = stats([at_mark([(e[0], e[2]) for e in r["evals"]], f) for r in runs])
        for m in minutes:
            row[f"minutes {m:g}"] = stats([at_mark([(e[1], e[2]) for e in r["evals"]], m) for r in runs])
        if args.window > 0:
            windows = [window_means(r["episodes"], args.window, r["frames"]) for r in runs]
            for k in range(max(len(w[0]) for w in windows)):
                lo, hi = int(k * args.window), int((k + 1) * args.window)
                row[f"train {lo}-{hi}"] = stats([w[0][k] if k < len(w[0]) else None for w in windows])
            row[f"train last {int(args.window)}"] = stats([w[1] for w in windows])
        for key in ("frames", "minutes", "post_ent", "model_kl", "image_loss", "actor_ent"):
            row[f"end {key}"] = stats([r[key] for r in runs])
        out.append(row)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    for row in out:
        print(f"{row['group']}: {', '.join(row['runs'])}")
        for key, value in row.items():
            if key not in ("group", "runs"):
                print(f"  {key:20} {fmt(value)}")


if __name__ == "__main__":
    main()
