"""Retry only what may succeed later: bad input and configuration errors fail at once."""

from __future__ import annotations

from typing import Any


def retry_unless_our_error(task: Any, task_run: Any, state: Any) -> bool:
    from trilingo.errors import TrilingoError, UnavailableError

    try:
        state.result()
    except UnavailableError:
        return True
    except TrilingoError:
        return False
    except Exception:  # noqa: BLE001 - anything else (I/O, database lock) may pass on a retry
        return True
    return True
