"""What a flow run needs from its parameters: settings, a database engine, the glossary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trilingo import config
from trilingo.config import Settings, is_secret
from trilingo.workspace import open_database

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def public_options(settings: Settings) -> dict[str, dict[str, Any]]:
    """Engine options without secrets: flow parameters are stored on the Prefect server."""
    return {
        name: {k: v for k, v in opts.items() if not is_secret(k, v)}
        for name, opts in settings.engine_options.items()
    }


def pretranslate_params(
    settings: Settings, engines: dict[str, str], documents: list[str] | None = None
) -> dict[str, Any]:
    """Parameters of a pretranslate flow run: where, who, which engine per language; no URL of the
    database and no secret (the flow reads those from its own environment and configuration)."""
    return {
        "home": str(settings.home),
        "user": settings.user,
        "engines": engines,
        "engine_options": public_options(settings),
        "documents": documents or [],
    }


def settings_from(
    home: str, user: str, engine: str = "memory", engine_options: dict[str, dict[str, Any]] | None = None
) -> Settings:
    """Rebuild settings in the process running the flow: the workspace's configuration and this process's
    environment (the database, secrets), with the run's public engine options on top."""
    extra = {(name, k): v for name, opts in (engine_options or {}).items() for k, v in opts.items()}
    return config.load(home=home, user=user, engine=engine, engine_options=extra)


def workspace_db(home: str, user: str) -> Engine:
    """The database of the workspace at `home`, as this process's environment and its configuration
    name it."""
    settings = settings_from(home, user)
    return open_database(settings.database_url, user, settings.home)


def run_identity(
    kind: str, engines: dict[str, str] | None = None, now: datetime | None = None, trigger: str = "cli"
) -> tuple[str, list[str]]:
    """A flow run's name and tags, so `trilingo runs` and the UI say what each run was.

    `pretranslate-lo-zh-2026-11-27T10:15`, tagged trilingo, kind:pretranslate, engine:memory, lang:lo, lang:zh,
    trigger:cli (or serve, event, sweep)."""
    at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M")
    langs = sorted(engines or {})
    name = "-".join([kind, *langs, at])
    tags = ["trilingo", f"kind:{kind}", f"trigger:{trigger}"]
    tags += [f"engine:{e}" for e in sorted(set((engines or {}).values()))]
    tags += [f"lang:{lang}" for lang in langs]
    return name, tags
