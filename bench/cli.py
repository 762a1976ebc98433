"""Cold commands as people type them: `uv run trilingo …` (the README's form) and the installed
`trilingo …`, in English and in Vietnamese, against `python -c "import sqlmodel"` in the same run.

The workspace is a small one (the figures at 10,000 notices are `bench scale`'s): what is timed here is
the start of a command, the catalog and uv's own start. Each figure is the median of nine runs, after
one run that is not counted (it compiles the catalog into the cache, as a person's first command does).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Figure

ROOT = Path(__file__).resolve().parent.parent
RUNS = 9


def _median(args: list[str], env: dict[str, str]) -> float:
    subprocess.run(args, env=env, capture_output=True, check=True, cwd=ROOT)  # the first one: not counted
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(args, env=env, capture_output=True, check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run() -> list[Figure]:
    work = Path(tempfile.mkdtemp(prefix="trilingo-bench-cli-"))
    env = {
        **os.environ,
        "TRILINGO_HOME": str(work / "ws"),
        "XDG_CACHE_HOME": str(work / "cache"),
        "PREFECT_API_URL": "http://127.0.0.1:9",  # status asks Prefect: nothing answers, at once
    }
    env.pop("TRILINGO_SERVER", None)
    installed = str(Path(sys.executable).with_name("trilingo"))
    subprocess.run([installed, "init"], env=env, capture_output=True, check=True)
    baseline = _median([sys.executable, "-c", "import sqlmodel"], env)
    figures = [Figure("python -c 'import sqlmodel' (baseline)", baseline, "s")]
    uv = shutil.which("uv")
    forms = [("trilingo", [installed])] + (
        [("uv run trilingo", [uv, "run", "--offline", "trilingo"])] if uv else []
    )
    for form, prefix in forms:
        for command in (["status"], ["review", "queue", "--json"]):
            english = _median(prefix + command, {**env, "TRILINGO_UI_LANG": "en"})
            vietnamese = _median(prefix + command, {**env, "TRILINGO_UI_LANG": "vi"})
            name = f"{form} {' '.join(command)}"
            figures.append(Figure(f"{name}, en", english, "s", baseline / english, "import sqlmodel"))
            figures.append(
                Figure(
                    f"{name}, vi",
                    vietnamese,
                    "s",
                    baseline / vietnamese,
                    "import sqlmodel",
                    target="<= en + 0.05 s",
                    met=vietnamese <= english + 0.05,
                )
            )
    shutil.rmtree(work, ignore_errors=True)
    return figures
