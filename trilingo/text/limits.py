"""How big a notice may be. Defaults fit gate notices; `[limits]` in config.toml or TRILINGO_LIMIT_<NAME> change them."""

from __future__ import annotations

from dataclasses import dataclass, fields

from trilingo.errors import ConfigError
from trilingo.i18n import N_


@dataclass(frozen=True)
class Limits:
    notice_bytes: int = 512 * 1024  # one notice file
    segments: int = 2_000  # segments per document, title included
    title_chars: int = 300  # the title is one segment: it is never cut
    segment_chars: int = (
        1_800  # longer paragraphs are cut into pieces of at most this (below every engine's limit)
    )
    screens_chars: int = 160  # a gate-screen slide shows at most this per segment: longer ones warn

    def channel_limits(self) -> dict[str, int]:
        """Per-segment length limits that channels set (a `length` warning at review)."""
        return {"screens": self.screens_chars}

    @classmethod
    def from_values(cls, values: dict[str, object]) -> Limits:
        """Limits from config values (strings from the environment included); unknown names are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                N_("unknown limit {name!r} (known: {known})").format(
                    name=unknown[0], known=", ".join(sorted(known))
                )
            )
        out: dict[str, int] = {}
        for name, value in values.items():
            try:
                number = int(str(value))
            except ValueError:
                raise ConfigError(
                    N_("limit {name} must be a whole number, got {value!r}").format(name=name, value=value)
                ) from None
            if number <= 0:
                raise ConfigError(
                    N_("limit {name} must be positive, got {number}").format(name=name, number=number)
                )
            out[name] = number
        return cls(**out)


def where_set(name: str) -> str:
    """How a user changes one limit, for error messages."""
    # Part of the messages it is put in (`({where})`): a template of its own, translated inside them.
    return N_("limits.{name} in config.toml, or TRILINGO_LIMIT_{variable}").format(
        name=name, variable=name.upper()
    )
