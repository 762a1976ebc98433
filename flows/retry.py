"""Retry only what may succeed later: bad input and configuration errors fail at once."""

from __future__ import annotations

from typing import Any

from prefect import Task
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from trilingo.channels.run import may_pass


def retry_unless_our_error(_task: Task[..., Any], _task_run: TaskRun, state: State[Any]) -> bool:
    try:
        state.result()
    except Exception as exc:
        return may_pass(exc)
    return True
