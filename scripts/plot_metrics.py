#!/usr/bin/python3
"""Plots returns from dreamer runs' metrics.jsonl against environment frames and wall-clock hours.

Usage: scripts/plot_metrics.py RUN_DIR [RUN_DIR ...] -o plot.png [--hline LABEL=VALUE ...]
         [--label NAME ...] [--budget-hours H] [--title TEXT] [--max-gap SECONDS] [--smooth N]

Each RUN_DIR (or a metrics.jsonl path) gives one curve per panel: the eval return (mean over the
evaluation episodes, with its standard error as a band) and the training episodes' return as a
running mean of N episodes. Wall-clock time comes from each line's "time" field; pauses longer than
--max-gap seconds (a stopped and resumed run) are left out of the hours. --label names the runs in
order (default: the directory name); --budget-hours draws a time budget on the hours panel. Needs Debian's
python3-matplotlib (scripts/install-deps.sh installs it).
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_metrics(path):
    if os.path.isdir(path):
        path = os.path.join(path, "metrics.jsonl")
    records = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"plot_metrics: {path}:{number}: not a JSON line ({e})")
    if not records:
        sys.exit(f"plot_metrics: {path} holds no metrics")
    return records


def training_hours(records, max_gap):
    """Hours of training at each record: wall-clock time since the first line, minus long pauses."""
    hours, elapsed, last = [], 0.0, None
    for r in records:
        t = r.get("time")
        if t is not None and last is not None and 0 <= t - last <= max_gap:
            elapsed += t - last
        if t is not None:
            last = t
        hours.append(elapsed / 3600.0)
    return hours


def running_mean(values, n):
    out, window, total = [], [], 0.0
    for v in values:
        window.append(v)
        total += v
        if len(window) > n:
            total -= window.pop(0)
        out.append(total / len(window))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="run directories or metrics.jsonl files")
    parser.add_argument("-o", "--output", required=True, help="PNG file to write")
    parser.add_argument("--hline", action="append", default=[], metavar="LABEL=VALUE",
                        help="a reference return drawn as a dashed line (repeatable)")
    parser.add_argument("--label", action="append", default=[], metavar="NAME",
                        help="legend name of the next run, in order (repeatable)")
    parser.add_argument("--budget-hours", type=float, help="a wall-clock budget drawn on the hours panel")
    parser.add_argument("--title", default="")
    parser.add_argument("--max-gap", type=float, default=600.0, help="longest pause counted as training (s)")
    parser.add_argument("--smooth", type=int, default=50, help="training episodes per running mean")
    args = parser.parse_args()

    hlines = []
    for spec in args.hline:
        label, sep, value = spec.rpartition("=")
        try:
            hlines.append((label, float(value)))
        except ValueError:
            sep = ""
        if not sep or not label:
            sys.exit(f"plot_metrics: --hline '{spec}' is not LABEL=VALUE with a number")

    if len(args.label) > len(args.runs):
        sys.exit(f"plot_metrics: {len(args.label)} --label names for {len(args.runs)} runs")

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for number, run in enumerate(args.runs):
        color = colors[number % len(colors)]  # a run's train and eval curves share its colour
        records = read_metrics(run)
        hours = training_hours(records, args.max_gap)
        name = args.label[number] if number < len(args.label) else os.path.basename(os.path.normpath(run))
        evals = [(r["step"], h, r["eval_return"], r.get("eval_return_stderr") or 0.0)
                 for r, h in zip(records, hours) if r.get("eval_return") is not None]
        trains = [(r["step"], h, r["train_return"]) for r, h in zip(records, hours)
                  if r.get("train_return") is not None]
        for ax, x_index in ((axes[0], 0), (axes[1], 1)):
            if trains:
                xs = [t[x_index] for t in trains]
                ax.plot(xs, running_mean([t[2] for t in trains], args.smooth), alpha=0.45, color=color,
                        label=f"{name} train (mean of {args.smooth} episodes)")
            if evals:
                xs = [e[x_index] for e in evals]
                mean = [e[2] for e in evals]
                err = [e[3] for e in evals]
                ax.plot(xs, mean, marker="o", markersize=3, color=color, label=f"{name} eval")
                ax.fill_between(xs, [m - s for m, s in zip(mean, err)], [m + s for m, s in zip(mean, err)],
                                color=color, alpha=0.2)
    for ax in axes:
        for label, value in hlines:
            ax.axhline(value, linestyle="--", linewidth=1, color="gray")
            ax.annotate(label, (0, value), xycoords=("axes fraction", "data"), fontsize=8,
                        xytext=(3, 2), textcoords="offset points", color="dimgray")
        ax.grid(alpha=0.3)
    if args.budget_hours is not None:
        axes[1].axvline(args.budget_hours, linestyle=":", linewidth=1, color="black")
        axes[1].annotate(f"{args.budget_hours:g} h budget", (args.budget_hours, 0),
                         xycoords=("data", "axes fraction"), fontsize=8, xytext=(-3, 3),
                         textcoords="offset points", ha="right")
    axes[0].set_xlabel("environment frames")
    axes[1].set_xlabel("wall-clock hours of training")
    axes[0].set_ylabel("return")
    axes[0].legend(fontsize=8, loc="best")
    if args.title:
        fig.suptitle(args.title)
    fig.tight_layout()
    fig.savefig(args.output, dpi=100)


if __name__ == "__main__":
    main()
