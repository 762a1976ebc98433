"""The environment's bytecode, compiled once after an install instead of before every command.

uv's `compile-bytecode` setting compiled all 7,230 files of the environment again at every `uv run`
(0.2–1.4 s, and a "Bytecode compiled" line above the review screen). Without it, and with
PYTHONDONTWRITEBYTECODE set as on the office's machines, Python would compile every module it imports
at every start. So the first command after an install or an upgrade compiles what is missing, in the
environment and in the project's own package folders, and leaves a marker beside the environment with
the modification time of its site-packages folder (installing or removing a package changes it). Every
later command compares one stat with the marker: about 20 µs.

Only a virtual environment this account may write to is compiled: a system Python is its packager's.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

MARKER = ".trilingo-bytecode"
# The folders installed under trilingo.* from elsewhere in an editable checkout (pyproject's package-dir).
PACKAGES = ("trilingo", "trilingo.flows", "trilingo.catalogs", "trilingo.glossary", "trilingo.review")


def site_packages() -> Path | None:
    """The virtual environment's site-packages folder, or None outside one."""
    if sys.prefix == sys.base_prefix:
        return None
    for entry in sys.path:
        if entry.startswith(sys.prefix) and entry.endswith("site-packages"):
            return Path(entry)
    return None


def _stamp(site: Path) -> str:
    return str(site.stat().st_mtime_ns)


def package_folders() -> list[Path]:
    """The folders of the project's packages (trilingo and the ones installed under it), unimported."""
    folders = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            folders.append(Path(location))
    return folders


def ensure_compiled(announce: Callable[[], None] = lambda: None) -> bool:
    """Compile the environment if it changed since the last time; True when it compiled.

    `announce` is called first when there is something to compile (the first time: several seconds).
    """
    site = site_packages()
    if site is None:
        return False
    marker = Path(sys.prefix) / MARKER
    try:
        if marker.read_text(encoding="ascii") == _stamp(site):
            return False
    except OSError:
        pass
    if not os.access(sys.prefix, os.W_OK) or not os.access(site, os.W_OK):
        return False
    import compileall  # only when there is something to compile

    announce()
    for folder in [site, *package_folders()]:
        # Files that are not Python 3.11 (test data, templates named .py) are skipped, silently.
        compileall.compile_dir(folder, quiet=2, workers=0)
    partial = marker.with_name(f"{MARKER}.{os.getpid()}")
    try:
        # Stamped after compiling: a new __pycache__ in site-packages itself changes its time.
        partial.write_text(_stamp(site), encoding="ascii")
        os.replace(partial, marker)
    except OSError:
        partial.unlink(missing_ok=True)
    return True
