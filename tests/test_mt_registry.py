"""Choosing and configuring an engine: names, required options, string values, pairs."""

from __future__ import annotations

import pytest

from trilingo import config
from trilingo.errors import ConfigError
from trilingo.mt.errors import BadOption, EngineConfigError, MissingOption, UnknownEngine, UnsupportedPair
from trilingo.mt.online import OnlineEngine
from trilingo.mt.registry import ENGINE_NAMES, make_engine, require_pair


def test_engine_names() -> None:
    assert ENGINE_NAMES == ("memory", "google", "microsoft", "mymemory", "libre", "baidu")


def test_memory_is_the_offline_engine() -> None:
    engine = make_engine("memory", {})
    assert engine.name == "memory"
    require_pair(engine, "vi", "lo")


@pytest.mark.parametrize(
    ("name", "options", "error", "message"),
    [
        ("deepl", {}, UnknownEngine,
         "unknown engine 'deepl' (expected one of: memory, google, microsoft, mymemory, libre, baidu)"),
        ("libre", {}, MissingOption,
         "engine libre needs the 'url' option (set TRILINGO_ENGINE_LIBRE_URL or [engines.libre] url)"),
        ("microsoft", {"microsoft": {"region": "x"}}, MissingOption,
         "engine microsoft needs the 'key' option (set TRILINGO_ENGINE_MICROSOFT_KEY or [engines.microsoft] key)"),
        ("baidu", {"baidu": {"appid": "1"}}, MissingOption,
         "engine baidu needs the 'appkey' option (set TRILINGO_ENGINE_BAIDU_APPKEY or [engines.baidu] appkey)"),
        ("libre", {"libre": {"url": "127.0.0.1:5000"}}, BadOption,
         "engine libre: url must start with http:// or https://, got '127.0.0.1:5000'"),
        ("google", {"google": {"timeout": "soon"}}, BadOption, "engine google: timeout must be a number, got 'soon'"),
        ("google", {"google": {"concurrency": "0"}}, BadOption, "engine google: concurrency must be positive, got '0'"),
        ("google", {"google": {"timout": "5"}}, BadOption, "engine google: unknown option 'timout' (known: "),
    ],
)  # fmt: skip
def test_configuration_errors(name: str, options: dict, error: type, message: str) -> None:
    with pytest.raises(error) as info:
        make_engine(name, options)
    assert isinstance(info.value, ConfigError)
    assert info.value.message.startswith(message)


def test_string_options_are_converted() -> None:
    engine = make_engine(
        "libre",
        {"libre": {"url": "http://127.0.0.1:5000/", "timeout": "5", "retries": "0", "concurrency": "3"}},
    )
    assert isinstance(engine, OnlineEngine)
    assert engine.url == "http://127.0.0.1:5000"
    policy = engine.policy
    assert (policy.timeout, policy.retries, policy.concurrency) == (5.0, 0, 3)


@pytest.mark.parametrize(("name", "tgt"), [("baidu", "lo"), ("libre", "lo")])
def test_engine_that_cannot_do_a_pair_says_so(name: str, tgt: str) -> None:
    options = {"baidu": {"appid": "a", "appkey": "k"}, "libre": {"url": "http://127.0.0.1:5000"}}
    engine = make_engine(name, options)
    with pytest.raises(UnsupportedPair) as info:
        require_pair(engine, "vi", tgt)
    assert info.value.message == f"engine {name} cannot translate vi→{tgt}"
    assert isinstance(info.value, EngineConfigError)


def test_environment_variables_reach_the_engine() -> None:
    env = {
        "TRILINGO_HOME": "/tmp/trilingo-test-home",
        "TRILINGO_ENGINE_LIBRE_URL": "http://127.0.0.1:5000/",
        "TRILINGO_ENGINE_LIBRE_API_KEY": "secret",
        "TRILINGO_ENGINE_LIBRE_CONNECT_TIMEOUT": "2",
    }
    settings = config.load(env)
    engine = make_engine("libre", settings.engine_options)
    assert isinstance(engine, OnlineEngine)
    assert engine.credentials == {"api_key": "secret"}
    assert engine.policy.connect_timeout == 2.0
