"""Building an engine from its name and options (Settings.engine_options), with clear config errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from trilingo.i18n import N_
from trilingo.mt.base import Engine, EnginePolicy
from trilingo.mt.errors import BadOption, MissingOption, UnknownEngine, UnsupportedPair
from trilingo.mt.online import ENGINES

ENGINE_NAMES: tuple[str, ...] = ("memory", "google", "microsoft", "mymemory", "libre", "baidu")

# Options besides the policy fields, per engine; required ones are listed in REQUIRED.
CREDENTIALS: dict[str, tuple[str, ...]] = {
    "google": (),
    "microsoft": ("key", "region"),
    "mymemory": ("email",),
    "libre": ("api_key",),
    "baidu": ("appid", "appkey"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "microsoft": ("key",),
    "libre": ("url",),
    "baidu": ("appid", "appkey"),
}

# Free endpoints are shared with the world: keep to a polite pace unless told otherwise.
DEFAULT_POLICIES: dict[str, EnginePolicy] = {
    "google": EnginePolicy(concurrency=4, rate=5.0),
    "microsoft": EnginePolicy(concurrency=8, rate=20.0),
    "mymemory": EnginePolicy(concurrency=2, rate=2.0),
    "libre": EnginePolicy(concurrency=4, rate=10.0),
    "baidu": EnginePolicy(concurrency=1, rate=1.0),
}
_POLICY_TYPES = {f.name: (int if f.type in ("int", int) else float) for f in fields(EnginePolicy)}


def make_engine(name: str, options: Mapping[str, Mapping[str, Any]]) -> Engine:
    """The engine called `name`, configured from `options[name]` (values may be strings)."""
    if name == "memory":
        from trilingo.mt.offline import OfflineEngine

        return OfflineEngine()
    if name not in ENGINES:
        raise UnknownEngine(
            N_("unknown engine {name!r} (expected one of: {expected})").format(
                name=name, expected=", ".join(ENGINE_NAMES)
            )
        )
    given = {str(k).lower(): v for k, v in (options.get(name) or {}).items()}
    known = {"url", *CREDENTIALS[name], *_POLICY_TYPES}
    unknown = sorted(set(given) - known)
    if unknown:
        raise BadOption(
            N_("engine {name}: unknown option {option!r} (known: {known})").format(
                name=name, option=unknown[0], known=", ".join(sorted(known))
            )
        )
    for option in REQUIRED.get(name, ()):
        if not str(given.get(option) or "").strip():
            env = f"TRILINGO_ENGINE_{name.upper()}_{option.upper()}"
            raise MissingOption(
                N_(
                    "engine {name} needs the {option!r} option (set {env} or [engines.{name}] {option})"
                ).format(name=name, option=option, env=env)
            )
    url = str(given.get("url") or "").strip()
    if url and not url.startswith(("http://", "https://")):
        raise BadOption(
            N_("engine {name}: url must start with http:// or https://, got {url!r}").format(
                name=name, url=url
            )
        )
    policy = _policy(name, given)
    credentials = {k: str(given[k]).strip() for k in CREDENTIALS[name] if given.get(k) not in (None, "")}
    return ENGINES[name](url=url, policy=policy, **credentials)


def _policy(name: str, given: Mapping[str, Any]) -> EnginePolicy:
    changes: dict[str, Any] = {}
    for option, kind in _POLICY_TYPES.items():
        if given.get(option) in (None, ""):
            continue
        try:
            value = kind(given[option])
        except (TypeError, ValueError):
            raise BadOption(
                N_("engine {name}: {option} must be a number, got {value!r}").format(
                    name=name, option=option, value=given[option]
                )
            ) from None
        if value < 0 or (value == 0 and option not in ("retries", "backoff_base", "max_retry_after")):
            raise BadOption(
                N_("engine {name}: {option} must be positive, got {value!r}").format(
                    name=name, option=option, value=given[option]
                )
            )
        changes[option] = value
    return replace(DEFAULT_POLICIES[name], **changes)


def require_pair(engine: Engine, src: str, tgt: str) -> None:
    """Raise UnsupportedPair unless the engine can translate src → tgt."""
    if not engine.supports(src, tgt):
        raise UnsupportedPair(
            N_("engine {name} cannot translate {src}→{tgt}").format(name=engine.name, src=src, tgt=tgt)
        )
