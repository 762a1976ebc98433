"""Which engine drafts which language, decided once, before a flow run starts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trilingo.i18n import N_
from trilingo.languages import SOURCE, TARGETS, check_target


@dataclass(frozen=True)
class EnginePlan:
    engines: dict[str, str]  # target language → engine name
    notes: list[str] = field(default_factory=list)


def plan(engine_name: str, options: Mapping[str, Mapping[str, Any]], langs: Sequence[str] = ()) -> EnginePlan:
    """Languages named explicitly must be supported by the engine (else a configuration error);
    with no languages named, a language the engine cannot do falls back to the offline memory engine."""
    from trilingo.mt.registry import make_engine, require_pair

    engine = make_engine(engine_name, options)  # unknown engines and missing options fail here, once
    explicit = [check_target(lang) for lang in langs]
    engines: dict[str, str] = {}
    notes: list[str] = []
    for lang in explicit or TARGETS:
        if explicit or engine.supports(SOURCE, lang):
            require_pair(engine, SOURCE, lang)
            engines[lang] = engine.name
        else:
            engines[lang] = "memory"
            notes.append(
                N_("engine {name} cannot translate {src}→{lang}: {lang} uses the memory engine").format(
                    name=engine.name, src=SOURCE, lang=lang
                )
            )
    return EnginePlan(engines, notes)
