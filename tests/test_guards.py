"""The test suite's own guards and the configuration edge."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from trilingo import config
from trilingo.errors import ConfigError


def test_non_loopback_connections_are_refused() -> None:
    with socket.socket() as s, pytest.raises(OSError, match="tests may only use loopback addresses"):
        s.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed, and never tried


def test_precedence_cli_over_environment_over_file(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    home.mkdir()
    (home / "config.toml").write_text(
        'engine = "google"\nuser = "from-file"\n[engines.libre]\nurl = "http://file/"\n'
    )
    env = {
        "TRILINGO_HOME": str(home),
        "TRILINGO_USER": "from-env",
        "TRILINGO_ENGINE_LIBRE_URL": "http://env/",
    }
    settings = config.load(env, engine="libre")
    assert (settings.engine, settings.user) == ("libre", "from-env")
    assert settings.engine_options["libre"]["url"] == "http://env/"
    assert config.load({"TRILINGO_HOME": str(home)}).engine == "google"


@pytest.mark.parametrize("port", ["abc", "0", "70000"])
def test_bad_port_is_a_config_error(port: str) -> None:
    with pytest.raises(ConfigError, match="prefect_port must be a port number"):
        config.load({"TRILINGO_PREFECT_PORT": port, "TRILINGO_HOME": "/nonexistent-trilingo"})


def test_broken_config_file(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    home.mkdir()
    (home / "config.toml").write_text("engine = \n")
    with pytest.raises(ConfigError, match="config.toml"):
        config.load({"TRILINGO_HOME": str(home)})
