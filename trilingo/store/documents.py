"""Finding documents by what people call them: an id or a slug."""

from __future__ import annotations

from sqlmodel import Session, select

from trilingo.errors import NotFound
from trilingo.i18n import N_
from trilingo.store.models import Document


def resolve_document(session: Session, ref: str | int) -> Document:
    """A document by id or slug."""
    text = str(ref).strip()
    # Slugs always hold a letter, so digits are an id (and a 20-digit "id" is no document at all).
    doc = session.get(Document, int(text)) if text.isdigit() and len(text) <= 18 else None
    if doc is None:
        doc = session.exec(select(Document).where(Document.slug == text)).first()
    if doc is None:
        raise NotFound(N_("unknown document {document!r}").format(document=text))
    return doc


def slug_of(session: Session, doc_id: int) -> str:
    doc = session.get(Document, doc_id)
    if doc is None:
        raise NotFound(N_("unknown document {document}").format(document=doc_id))
    return doc.slug
