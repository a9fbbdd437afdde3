#!/usr/bin/python3
"""Draws latency.png from latency.csv (written by deskmate-bench-peers).

One panel per scenario with input, one line per system: the share of
inputs shown by the viewer within x ms (an empirical CDF, x on a log
scale). Further left is faster; a line that stops below 100 % had inputs
that were never shown.

usage: plot.py latency.csv latency.png
"""

import csv
import sys
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def main():
    source, target = sys.argv[1], sys.argv[2]
    data = OrderedDict()
    systems = []
    with open(source, newline="") as f:
        for row in csv.DictReader(f):
            scenario, system = row["scenario"], row["system"]
            data.setdefault(scenario, OrderedDict()).setdefault(system, []).append(
                float(row["latency_ms"])
            )
            if system not in systems:
                systems.append(system)
    if not data:
        print("no latency samples", file=sys.stderr)
        return
    n = len(data)
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7 * cols, 3.2 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax, (scenario, per_system) in zip(axes.flat, data.items()):
        for system, values in per_system.items():
            values = sorted(max(v, 0.1) for v in values)
            ys = [(i + 1) / len(values) * 100 for i in range(len(values))]
            colour = COLOURS[systems.index(system) % len(COLOURS)]
            width = 2.4 if system == "Deskmate" else 1.4
            ax.step(values, ys, where="post", color=colour, linewidth=width, label=system)
        ax.set_xscale("log")
        ax.set_ylim(0, 101)
        ax.set_title(scenario, fontsize=9)
        ax.set_xlabel("input → pixel latency (ms, log scale)", fontsize=8)
        ax.set_ylabel("% of inputs shown", fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
        ax.tick_params(labelsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    main()
