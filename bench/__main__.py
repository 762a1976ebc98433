"""Run benchmarks and print a table: `python -m bench` runs all, `python -m bench glossary mt` some."""

from __future__ import annotations

import importlib
import sys

from bench.common import Figure

BENCHMARKS = (
    "intake",
    "glossary",
    "mt",
    "tm",
    "review",
    "publish",
    "kiosk",
    "screens",
    "scale",
    "orchestration",
)


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"Error: unknown benchmark {unknown[0]!r} (have: {', '.join(BENCHMARKS)})", file=sys.stderr)
        return 2
    failed = False
    print(f"{'figure':<44} {'value':>14} {'unit':<10} ratio")
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        figures: list[Figure] = module.run()
        for fig in figures:
            print(fig.line(), flush=True)
            failed |= fig.met is False
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
