"""A small XML tree that remembers line numbers, so TBX errors can name the element and its line.

Built on pyexpat under the import safety rule of trilingo.text.xmlsafe (a DOCTYPE may name an external
DTD, which is never read; internal subsets and entities are refused); namespaces are reduced to local
names (TBX v2 has none, v3 has one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trilingo.glossary.errors import MalformedFile
from trilingo.text.files import Source
from trilingo.text.xmlsafe import SafeParser


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All character data directly inside this element (not in children)."""
        return "".join(self.parts)

    def find_all(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def lang(self) -> str:
        return self.attrs.get("lang", "")


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def parse(path: Source, text: str) -> Node:
    """Parse XML text; MalformedFile names the file and line on any error."""
    safe = SafeParser(namespace_separator=" ")
    parser = safe.parser
    stack: list[Node] = []
    root: list[Node] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        node = Node(_local(name), {_local(k): v for k, v in attrs.items()}, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].parts.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    safe.parse(text, path, MalformedFile)
    return root[0]
