"""What every benchmark returns: figures, each with a ratio against a baseline measured in the same run."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trilingo.identity import os_account

# Who the benchmarks act as: the account running them, as the CLI proves it (the workspaces they make
# have it as their admin).
ACCOUNT = os_account()


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    ratio: float | None = None  # value relative to the baseline (>1 means better than the baseline)
    baseline: str = ""  # what the ratio is against
    target: str = ""  # the figure the issue asks for, e.g. ">= 20 MB/s"
    met: bool | None = None  # whether the target was met, when there is one

    def line(self) -> str:
        ratio = f"{self.ratio:,.2f}x vs {self.baseline}" if self.ratio is not None else "-"
        verdict = "" if self.met is None else ("  [met]" if self.met else "  [NOT met]")
        target = f"  target {self.target}" if self.target else ""
        return f"{self.name:<44} {self.value:>14,.3f} {self.unit:<10} {ratio}{target}{verdict}"


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of fn takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cpu_timed(fn: Callable[[], object]) -> float:
    """CPU seconds of this process one call of fn takes (a shared machine's other load does not count)."""
    start = time.process_time()
    fn()
    return time.process_time() - start


ROOT = Path(__file__).resolve().parent.parent


def uv_run(args: list[str], env: dict[str, str]) -> float:
    """Seconds `uv run trilingo ARGS` takes as a fresh process from the project's folder, as the README
    tells people to type it (uv's own start included; its cache and the environment warm); NaN without uv."""
    uv = shutil.which("uv")
    if uv is None:
        return float("nan")
    start = time.perf_counter()
    done = subprocess.run(
        [uv, "run", "--offline", "trilingo", *args], env=env, capture_output=True, text=True, cwd=ROOT
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"uv run trilingo {' '.join(args[:3])} failed: {done.stderr.strip()[-800:]}")
    return wall
