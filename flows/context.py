"""What a flow run needs from its parameters: settings, a database engine, the glossary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from trilingo import config
from trilingo.config import Settings

SECRET_WORDS = ("key", "secret", "token", "password", "appkey")


def public_options(settings: Settings) -> dict[str, dict[str, Any]]:
    """Engine options without secrets: flow parameters are stored on the Prefect server."""
    return {
        name: {k: v for k, v in opts.items() if not any(w in k.lower() for w in SECRET_WORDS)}
        for name, opts in settings.engine_options.items()
    }


def pretranslate_params(
    settings: Settings, engines: dict[str, str], documents: list[str] | None = None
) -> dict[str, Any]:
    """Parameters of a pretranslate flow run: where, who, which engine per language, no secrets."""
    params = settings.to_params()
    return {
        "home": params["home"],
        "database_url": params["database_url"],
        "user": params["user"],
        "engines": engines,
        "engine_options": public_options(settings),
        "documents": documents or [],
    }


def settings_from(
    home: str, database_url: str, user: str, engine: str, engine_options: dict[str, dict[str, Any]] | None
) -> Settings:
    """Rebuild settings in the process running the flow; secrets come from its own environment."""
    extra = {(name, k): v for name, opts in (engine_options or {}).items() for k, v in opts.items()}
    return config.load(
        home=home, database_url=database_url or None, user=user, engine=engine, engine_options=extra
    )


def database_url(given: str) -> str:
    """The URL from the flow parameters, or (when it holds a password, so was left out) from the environment."""
    return given or config.load().database_url


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
