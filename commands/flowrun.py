"""Starting flow runs from commands. Only these paths import Prefect."""

from __future__ import annotations

from typing import Any

from commands.common import App
from trilingo.languages import TARGETS, check_target


def run_pretranslate(app: App, documents: list[str], langs: list[str]) -> list[dict[str, Any]]:
    from mt.registry import make_engine, require_pair
    from pretranslate.select import resolve_document

    settings = app.settings
    engine = make_engine(settings.engine, settings.engine_options)  # configuration errors surface here, once
    langs = [check_target(lang) for lang in langs] or list(TARGETS)
    for lang in langs:
        require_pair(engine, "vi", lang)
    with app.session() as session:
        for ref in documents:
            resolve_document(session, ref)  # unknown documents fail before a flow run starts

    from flows.context import flow_params
    from flows.pretranslate import pretranslate_flow
    from flows.runtime import run

    return run(settings, pretranslate_flow, **flow_params(settings), documents=documents, langs=langs)


def run_publish(app: App) -> list[dict[str, Any]]:
    from flows.publish import publish_flow
    from flows.runtime import run

    s = app.settings
    app.engine  # noqa: B018 - creates the schema before the flow opens its own connection
    return run(s, publish_flow, home=str(s.home), database_url=s.database_url, user=s.user)
