"""Retry only what may succeed later: bad input and configuration errors fail at once."""

from __future__ import annotations

from typing import Any

from prefect import Task
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from trilingo.errors import TrilingoError, UnavailableError


def retry_unless_our_error(_task: Task[..., Any], _task_run: TaskRun, state: State[Any]) -> bool:
    try:
        state.result()
    except UnavailableError:
        return True
    except TrilingoError:
        return False
    except Exception:
        return True
    return True
