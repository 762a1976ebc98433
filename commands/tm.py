"""Commands: tm."""

from __future__ import annotations

import click  # noqa: F401

COMMANDS: list = []
