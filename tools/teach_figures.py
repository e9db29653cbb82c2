#!/usr/bin/python3
"""Draws the figures of `pgtruth teach` pages with matplotlib.

    teach_figures.py PAGE.json [PAGE.json ...]

Each page's "figures" list holds declarative specifications written by pgtruth (tools/teach/
page.hpp); every figure is saved next to the JSON as FILE.png and FILE.svg. The script only
draws: every number comes from the JSON, so a figure shows exactly the data beside it.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "pgtruth"  # reproducible SVG ids
import matplotlib.pyplot as plt  # noqa: E402


def draw_lines(ax, spec):
    for s in spec["series"]:
        style = s.get("style", "line")
        if style == "points":
            ax.errorbar(s["x"], s["y"], yerr=s.get("yerr"), fmt="o", capsize=3, label=s["label"])
        elif style == "markers":
            ax.plot(s["x"], s["y"], "-o", markersize=4, label=s["label"])
        else:
            ax.plot(s["x"], s["y"], "--" if style == "dashed" else "-", label=s["label"])
    for p in spec.get("points", []):
        ax.plot([p["x"]], [p["y"]], "o", markersize=7, label=p["label"])


def draw_bars(ax, spec):
    categories = spec["categories"]
    n = len(spec["series"])
    width = 0.8 / n
    for i, s in enumerate(spec["series"]):
        xs = [k + (i - (n - 1) / 2) * width for k in range(len(categories))]
        ax.bar(xs, s["y"], width=width, yerr=s.get("yerr"), capsize=2, label=s["label"])
    ax.set_xticks(range(len(categories)))
    ax.set_xticklabels(categories, rotation=30 if max(len(c) for c in categories) > 4 else 0, ha="right"
                       if max(len(c) for c in categories) > 4 else "center")


def draw_histograms(ax, spec):
    everything = [x for s in spec["series"] for x in s["samples"]]
    lo, hi = min(everything), max(everything)
    bins = [lo + (hi - lo) * k / 80 for k in range(81)]
    for s in spec["series"]:
        ax.hist(s["samples"], bins=bins, alpha=0.55, label=s["label"])


DRAW = {"lines": draw_lines, "bars": draw_bars, "histograms": draw_histograms}


def draw(spec, directory):
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    DRAW[spec["kind"]](ax, spec)
    for v in spec.get("vlines", []):
        ax.axvline(v["x"], color="black", linestyle=":", label=v["label"])
    for h in spec.get("hlines", []):
        ax.axhline(h["y"], color="gray", linestyle=":", label=h["label"])
    if spec.get("logy"):
        ax.set_yscale("log")
    if "ylim" in spec:
        ax.set_ylim(*spec["ylim"])
    ax.set_title(spec.get("title", ""))
    ax.set_xlabel(spec.get("xlabel", ""))
    ax.set_ylabel(spec.get("ylabel", ""))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    base = os.path.join(directory, spec["file"])
    fig.savefig(base + ".png", dpi=110, metadata={"Software": None})
    fig.savefig(base + ".svg", metadata={"Date": None})
    plt.close(fig)


def main(paths):
    if not paths:
        sys.exit(__doc__)
    for path in paths:
        with open(path, encoding="utf-8") as f:
            page = json.load(f)
        for spec in page.get("figures", []):
            draw(spec, os.path.dirname(os.path.abspath(path)))


if __name__ == "__main__":
    main(sys.argv[1:])
