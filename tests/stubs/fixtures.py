"""Engine options that point each adapter at its stub, for tests and benchmarks."""

from __future__ import annotations

from typing import Any

from .server import StubEngine

# (engine options, StubEngine keyword arguments) per engine: the credentials the stub insists on.
SETUP: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
    "google": ({}, {}),
    "microsoft": (
        {"key": "stub-key", "region": "southeastasia"},
        {"key": "stub-key", "region": "southeastasia"},
    ),
    "mymemory": ({"email": "ops@example.org"}, {}),
    "libre": ({"api_key": "stub-key"}, {"key": "stub-key"}),
    "baidu": ({"appid": "stub-appid", "appkey": "stub-appkey"}, {}),
}
ONLINE = tuple(SETUP)
# One target each engine can reach; libre and baidu have no Lao.
TARGET = {"google": "lo", "microsoft": "lo", "mymemory": "lo", "libre": "zh", "baidu": "zh"}
# Fast retries, so fault tests finish in well under a second each. A real time bound: on a busy CI machine
# a 0.5 s one cut slow answers off, so a 500 became a timeout and the stub counted the retries as extra
# calls. The tests about hangs and slow answers set their own short timeout.
FAST = {"timeout": "10", "connect_timeout": "10", "retries": "2", "backoff_base": "0.001", "rate": "1000"}


def stub_for(name: str, **kwargs: Any) -> StubEngine:
    return StubEngine(name, **{**SETUP[name][1], **kwargs})


def options_for(name: str, url: str, **policy: Any) -> dict[str, dict[str, str]]:
    """Settings.engine_options aiming engine `name` at `url`."""
    return {name: {"url": url, **SETUP[name][0], **FAST, **{k: str(v) for k, v in policy.items()}}}


def env_for(name: str, url: str, **policy: Any) -> dict[str, str]:
    """The same, as TRILINGO_ENGINE_* environment variables."""
    opts = options_for(name, url, **policy)[name]
    return {f"TRILINGO_ENGINE_{name.upper()}_{k.upper()}": v for k, v in opts.items()}
