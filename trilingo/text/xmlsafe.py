"""The one XML safety rule for every file Trilingo imports (TBX, TMX, and XLIFF when it comes).

After defusedxml's defaults, a little stricter:

* A DOCTYPE that only names an external DTD (`<!DOCTYPE tmx SYSTEM "tmx14.dtd">`, TBX v2's
  `<!DOCTYPE martif PUBLIC "ISO 12200:1999A//DTD MARTIF core (DXFcdV04)//EN" "TBXcdv04.dtd">`) is
  accepted, as CAT tools write it. The DTD is never fetched or read: parameter entity parsing is off
  and no external entity handler loads anything.
* A DOCTYPE with an internal subset (`[...]`), any entity declaration (general or parameter,
  internal or external) and any reference to an entity that is not one of XML's five predefined
  ones are refused. That rules out entity expansion ("billion laughs") and external entities (XXE).

Expat keeps going past a reference to an undeclared entity once a document names an external DTD (the
declaration could be there): in text it reports the reference, which is refused here; in an attribute
value it drops it silently, so `check_attribute_entities` looks for such references afterwards.

Every refusal is one `XMLRefused` with the line; each importer turns it into its own one-line error,
`FILE: line N: …`, the same words for every format.
"""

from __future__ import annotations

import re
from typing import NoReturn
from xml.parsers import expat

from trilingo.errors import InputError
from trilingo.i18n import N_
from trilingo.text.files import Source

RULE = N_("an XML file may name an external DTD, which is never read, but may not declare or use entities")
PREDEFINED = frozenset({"amp", "lt", "gt", "apos", "quot"})


class XMLRefused(Exception):
    """Something the safety rule refuses, and the line it is on."""

    def __init__(self, what: str, line: int) -> None:
        super().__init__(N_("{what} is not accepted ({rule})").format(what=what, rule=RULE))
        self.what = what
        self.line = line


class SafeParser:
    """An expat parser with the safety rule's handlers; set the content handlers on `.parser`."""

    def __init__(self, namespace_separator: str | None = None) -> None:
        self.parser = expat.ParserCreate(namespace_separator=namespace_separator)
        self.external_dtd = False  # the document names an external DTD (so expat is lenient about entities)
        p = self.parser
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartDoctypeDeclHandler = self._doctype
        p.EntityDeclHandler = self._entity
        p.UnparsedEntityDeclHandler = self._unparsed
        p.ExternalEntityRefHandler = self._external
        p.SkippedEntityHandler = self._skipped

    def refuse(self, what: str) -> NoReturn:
        raise XMLRefused(what, self.parser.CurrentLineNumber)

    def _doctype(
        self, _name: str, system_id: str | None, public_id: str | None, has_internal_subset: int
    ) -> None:
        if has_internal_subset:
            self.refuse(N_("a DOCTYPE with an internal subset"))
        self.external_dtd = bool(system_id or public_id)

    # An entity can only be declared in an internal subset, which is refused first, and the external DTD
    # is never read: these handlers are the second line of defence, should that ever change.
    def _entity(self, name: str, is_parameter: int, *_rest: object) -> None:
        if is_parameter:
            self.refuse(N_("the parameter entity declaration {name!r}").format(name=name))
        self.refuse(N_("the entity declaration {name!r}").format(name=name))

    def _unparsed(self, name: str, *_rest: object) -> None:
        self.refuse(N_("the entity declaration {name!r}").format(name=name))

    def _external(self, context: str | None, *_rest: object) -> int:
        name = (context or "").rsplit("\x0c", 1)[-1]
        self.refuse(N_("the external entity {name!r}").format(name=name))

    def _skipped(self, name: str, is_parameter: int) -> None:
        if is_parameter:
            self.refuse(N_("the entity reference %{name};").format(name=name))
        self.refuse(N_("the entity reference &{name};").format(name=name))

    def parse(self, data: str | bytes, path: Source, error: type[InputError]) -> None:
        """Parse the whole document; any XML or safety problem is `error("FILE: line N: …")`."""
        try:
            self.parser.Parse(data, True)
            if self.external_dtd:
                check_attribute_entities(data)
        except expat.ExpatError as exc:
            message = expat.errors.messages[exc.code]
            raise error(
                N_("{path}: line {line}: not well-formed XML ({reason})").format(
                    path=path, line=exc.lineno, reason=message
                )
            ) from None
        except XMLRefused as exc:
            raise error(
                N_("{path}: line {line}: {what} is not accepted ({rule})").format(
                    path=path, line=exc.line, what=exc.what, rule=RULE
                )
            ) from None


# Markup in which "&name;" is not an entity reference, then an entity reference (not a character one).
_MARKUP = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
    r"|&(?P<name>[^\s#&;<>\"']+);",
    re.S,
)


def check_attribute_entities(data: str | bytes) -> None:
    """Refuse an entity reference left in a well-formed document that names an external DTD.

    Expat drops such references from attribute values without a word; the text's ones were refused
    while parsing, so only attribute values can still hold one here."""
    text = data if isinstance(data, str) else _decode(data)
    for m in _MARKUP.finditer(text):
        if m["name"] is not None and m["name"] not in PREDEFINED:
            line = text.count("\n", 0, m.start()) + 1
            raise XMLRefused(N_("the entity reference &{name};").format(name=m["name"]), line)


_DECLARED = re.compile(rb"^<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")


def _decode(raw: bytes) -> str:
    """The text of bytes expat has already parsed: by BOM, else the declared encoding, else UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    declared = _DECLARED.match(raw.removeprefix(b"\xef\xbb\xbf"))
    encoding = declared.group(1).decode() if declared else "utf-8"
    return raw.decode(encoding, errors="replace").removeprefix("\ufeff")
