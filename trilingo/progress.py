"""Progress bars for long runs (submit of many files, pretranslate, publish, imports) on a terminal.

Core code reports through `advance()` and `begin()`, which do nothing unless a command opened a bar
with `bar()`: flows under `serve` or a worker, tests and benchmarks pay one global lookup. The bar is
drawn by rich on stderr, only when both stdout and stderr are terminals and the command is not --quiet;
into a pipe or a log it stays silent.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from trilingo.i18n import retranslate

_lock = threading.Lock()
_current: Any = None  # a rich Progress while a command shows one
_task: Any = None


def wanted(quiet: bool = False) -> bool:
    return not quiet and sys.stdout.isatty() and sys.stderr.isatty()


@contextmanager
def bar(description: str, total: int | None = None, *, quiet: bool = False) -> Iterator[None]:
    """Show a bar (or a spinner, without a total) for the duration of the block."""
    global _current, _task
    if not wanted(quiet):
        yield
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        with _lock:
            _current, _task = progress, progress.add_task(retranslate(description), total=total)
        try:
            yield
        finally:
            with _lock:
                _current = _task = None


def begin(description: str, total: int | None) -> None:
    """Reset the open bar to a new stage with a known size (e.g. the segments found waiting)."""
    with _lock:
        if _current is not None:
            _current.update(_task, description=retranslate(description), total=total, completed=0)


def advance(n: int = 1) -> None:
    with _lock:
        if _current is not None:
            _current.advance(_task, n)
