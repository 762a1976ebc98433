"""Starting flow runs from commands. Only these paths import Prefect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trilingo.commands.common import App


def run_pretranslate(
    app: App, documents: list[str], langs: list[str], echo: Callable[[str], None] | None = None
) -> list[dict[str, Any]]:
    from trilingo.pretranslate.plan import plan
    from trilingo.pretranslate.select import resolve_document

    settings = app.settings
    engine_plan = plan(settings.engine, settings.engine_options, langs)
    for note in engine_plan.notes:
        if echo is not None:
            echo(note)
    with app.session() as session:
        for ref in documents:
            resolve_document(session, ref)  # unknown documents fail before a flow run starts

    from trilingo.flows.context import pretranslate_params
    from trilingo.flows.pretranslate import pretranslate_flow
    from trilingo.flows.runtime import run

    params = pretranslate_params(settings, engine_plan.engines, documents)
    return run(settings, pretranslate_flow, **params)


def run_publish(app: App) -> list[dict[str, Any]]:
    from trilingo.flows.publish import publish_flow
    from trilingo.flows.runtime import run

    s = app.settings
    params = s.to_params()
    return run(s, publish_flow, home=params["home"], database_url=params["database_url"], user=s.user)
