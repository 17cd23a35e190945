"""Where a benchmark's figures go: a JSON file and a PNG chart under bench/results/."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render straight to a file

import matplotlib.pyplot as plt

RESULTS = Path(__file__).resolve().parent.parent / "results"


def quick() -> bool:
    """BENCH_QUICK=1 asks for a short run (fewer phones, fewer seconds)."""
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def write(name: str, figures: dict[str, Any]) -> Path:
    """bench/results/<name>.json with the figures and where they were measured."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "at": time.strftime("%Y-%m-%d %H:%M"),
    }
    path.write_text(json.dumps({"machine": machine, "quick": quick(), **figures}, indent=2) + "\n")
    return path


def bar_chart(name: str, title: str, groups: dict[str, dict[str, float]], unit: str) -> Path:
    """bench/results/<name>.png: one group of bars per scenario, one bar per server."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.png"
    servers = sorted({s for bars in groups.values() for s in bars})
    figure, axes = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / max(1, len(servers))
    for i, server in enumerate(servers):
        xs = [n + i * width for n in range(len(groups))]
        axes.bar(xs, [groups[g].get(server, 0.0) for g in groups], width, label=server)
    axes.set_xticks([n + width * (len(servers) - 1) / 2 for n in range(len(groups))], list(groups))
    axes.set_ylabel(unit)
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
