"""Starting flow runs from commands. Only these paths import Prefect, and only after the checks pass."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from trilingo import server
from trilingo.commands.common import App
from trilingo.pretranslate.plan import plan
from trilingo.store.documents import resolve_document


def run_pretranslate(
    app: App, documents: list[str], langs: list[str], echo: Callable[[str], None] | None = None
) -> list[dict[str, Any]]:
    settings = app.settings
    engine_plan = plan(settings.engine, settings.engine_options, langs)
    for note in engine_plan.notes:
        if echo is not None:
            echo(note)
    with app.session(write=False) as session:
        for ref in documents:
            resolve_document(session, ref)  # unknown documents fail before a flow run starts
    server.connect(settings, os.environ)
    from trilingo.flows.context import pretranslate_params
    from trilingo.flows.pretranslate import pretranslate_flow
    from trilingo.flows.runtime import run

    params = pretranslate_params(settings, engine_plan.engines, documents)
    return run(settings, pretranslate_flow, **params)


def run_publish(app: App) -> list[dict[str, Any]]:
    settings = app.settings
    server.connect(settings, os.environ)
    from trilingo.flows.publish import publish_flow
    from trilingo.flows.runtime import run

    params = settings.to_params()
    return run(
        settings, publish_flow, home=params["home"], database_url=params["database_url"], user=settings.user
    )
