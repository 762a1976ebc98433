"""Glossary tables: concepts, their terms, and the versions with what each one changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from trilingo.store.models import utcnow


class GlossaryConcept(SQLModel, table=True):
    """One concept; rows are never reordered, so export keeps the order concepts arrived in."""

    id: int | None = Field(default=None, primary_key=True)
    concept: str = Field(index=True, unique=True)
    domain: str = ""
    confidence: str = "low"  # high | medium | low: how well the lo/zh terms are sourced
    note: str = ""
    version: int = 0  # the glossary version that last changed this concept


class GlossaryTerm(SQLModel, table=True):
    """One term of a concept in one language, with its own status."""

    id: int | None = Field(default=None, primary_key=True)
    concept_id: int = Field(foreign_key="glossaryconcept.id", index=True)
    lang: str = Field(index=True)
    text: str
    status: str  # preferred | admitted | superseded | forbidden


class GlossaryVersion(SQLModel, table=True):
    """One change set. The primary key makes two concurrent changes collide instead of sharing a number."""

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: str  # starter | import | add
    source: str = ""  # the imported file's name, or what was added
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class GlossaryChange(SQLModel, table=True):
    """What one version did to one concept, with the concept before and after (for `impact`)."""

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(foreign_key="glossaryversion.version", index=True)
    concept: str = Field(index=True)
    action: str  # added | changed
    old: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    new: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
