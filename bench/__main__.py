"""Run benchmarks and print a table: `python -m bench` runs all, `python -m bench glossary mt` some.

First the project's own sources are compiled to bytecode, as an installed copy's are (the first
command after an install compiles them, trilingo.bytecode). The checkout is installed editable, so its modules are
read from the source tree, and where PYTHONDONTWRITEBYTECODE is set (on these machines it is) Python
never caches them: every cold command compiled them again, 0.17 s of a 1.25 s `review queue` at
10,000 documents on PostgreSQL (medians of seven runs). The figures are the installed product's.
"""

from __future__ import annotations

import compileall
import importlib
import sys
import tomllib
from pathlib import Path

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
    "serve",
    "api",
    "cli",
)


def compile_sources(root: Path = Path(__file__).parent.parent) -> None:
    """Bytecode for every package directory the project installs (pyproject's package-dir)."""
    with (root / "pyproject.toml").open("rb") as f:
        dirs = set(tomllib.load(f)["tool"]["setuptools"]["package-dir"].values())
    for folder in sorted(dirs):
        compileall.compile_dir(root / folder, quiet=1)


def _audit_key() -> None:
    """One audit key for the benchmarks' own writes and every command they start (TRILINGO_AUDIT_KEY)."""
    import os
    import secrets

    from trilingo.store.auditchain import KEYRING

    key = os.environ.setdefault("TRILINGO_AUDIT_KEY", "bench-" + secrets.token_hex(16))
    KEYRING.use(key.encode(), "TRILINGO_AUDIT_KEY")


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"Error: unknown benchmark {unknown[0]!r} (have: {', '.join(BENCHMARKS)})", file=sys.stderr)
        return 2
    compile_sources()
    _audit_key()
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
