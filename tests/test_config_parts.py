"""The pieces `config.load` is built from, each with the one-line error it gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from trilingo import config
from trilingo.errors import ConfigError


def test_layers_pick_cli_then_environment_then_file() -> None:
    layers = config._Layers({"engine": None}, {"TRILINGO_ENGINE": ""}, {"engine": "google"})
    assert (
        layers.pick("engine", "memory") == "google"
    )  # None on the CLI and "" in the environment give nothing
    assert config._Layers({}, {"TRILINGO_ENGINE": "libre"}, {"engine": "google"}).pick("engine") == "libre"
    assert config._Layers({"engine": "x"}, {"TRILINGO_ENGINE": "libre"}, {}).pick("engine") == "x"
    assert config._Layers({}, {}, {}).pick("engine", "memory") == "memory"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "prefect_port must be a port number, got 'abc'"),
        (None, "prefect_port must be a port number, got None"),
        ("0", "prefect_port must be a port number, got 0"),
        (65536, "prefect_port must be a port number, got 65536"),
    ],
)
def test_prefect_port_refused(value: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config._prefect_port(value)
    assert str(caught.value) == message


def test_prefect_port_taken() -> None:
    assert config._prefect_port("4300") == 4300


def test_retired_setting_names_where_it_was(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no longer read from TRILINGO_FOUR_EYES:"):
        config._refuse_retired({"TRILINGO_FOUR_EYES": "1"}, {}, tmp_path / "config.toml")
    with pytest.raises(ConfigError, match="no longer read from .*config.toml:"):
        config._refuse_retired({}, {"four_eyes": False}, tmp_path / "config.toml")
    config._refuse_retired({"TRILINGO_FOUR_EYES": ""}, {}, tmp_path / "config.toml")


def test_engine_options_layered() -> None:
    options = config._engine_options(
        {"engines": {"libre": {"url": "file", "key": "k"}, "stray": 3}},
        {"TRILINGO_ENGINE_LIBRE_URL": "env", "TRILINGO_ENGINE_DEEPL": "no option", "TRILINGO_ENGINE_X_Y": ""},
        {("libre", "timeout"): 5},
    )
    assert options == {"libre": {"url": "env", "key": "k", "timeout": 5}}


def test_limit_values_layered() -> None:
    env = {"TRILINGO_LIMIT_TITLE_CHARS": "7", "TRILINGO_LIMIT_SEGMENTS": ""}
    assert config._limit_values({"limits": {"segments": 3}}, env) == {"segments": 3, "title_chars": "7"}
    with pytest.raises(ConfigError, match=r"^config.toml: \[limits\] must be a table of names and numbers$"):
        config._limit_values({"limits": 3}, {})


def test_webhook_env_keeps_only_what_is_set() -> None:
    env = {"TRILINGO_WEBHOOK_URLS": "http://a", "TRILINGO_WEBHOOK_SECRET": "", "OTHER": "x"}
    assert config._webhook_env(env) == {"TRILINGO_WEBHOOK_URLS": "http://a"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("engines = 3\n", "config.toml: [engines] must be a table of engine names, e.g. [engines.libre]"),
        (
            'engines = ["libre"]\n',
            "config.toml: [engines] must be a table of engine names, e.g. [engines.libre]",
        ),
        ("prefect_port = inf\n", "prefect_port must be a port number, got inf"),
    ],
)
def test_a_config_file_of_the_wrong_shape_is_one_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        config.load(environ={}, home=str(tmp_path))
    assert str(caught.value) == message
