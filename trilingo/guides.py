"""The staff's guides: short task guides for editors, reviewers and operators, in their languages.

A guide is Markdown in trilingo/data/guides/<lang>/<role>.md (docs/guides links there). Two kinds of
fenced block make it runnable, so that a test runs every command of every guide on a fresh workspace
and the guides cannot go stale (tests/test_guides.py), and `python -m trilingo.guides` fills in what
each command prints, from a real run:

- a file the reader writes: a block whose info string is `text file=NAME` (its text is written to NAME
  in the reader's folder before the next command runs);
- commands: a `console` block whose lines `$ trilingo …` are run in order, as the guide's reader; the
  lines after each command are what it printed. A `console expect-error` block shows a refusal: its
  commands must fail with one `Error: …` line (in the guide's language). `$` lines that do not start
  with `trilingo` (a backup with sqlite3, say) are shown, not run; so is a whole `console show` block
  (a command that runs until Ctrl-C, such as `trilingo serve`).

`trilingo guide ROLE --lang vi -o guide.pdf` prints a guide as an A4 PDF with WeasyPrint and the Noto
fonts, as the leaflets are printed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

ROLES = ("editor", "reviewer", "operator")
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)


def guides_dir() -> Path:
    return Path(str(resources.files("trilingo.data"))) / "guides"


def guide_path(role: str, lang: str) -> Path:
    return guides_dir() / lang / f"{role}.md"


def available() -> dict[str, list[str]]:
    """Each language's guides, by role."""
    found: dict[str, list[str]] = {}
    for folder in sorted(p for p in guides_dir().iterdir() if p.is_dir()):
        roles = [r for r in ROLES if (folder / f"{r}.md").is_file()]
        if roles:
            found[folder.name] = roles
    return found


@dataclass
class Step:
    """One command of a guide, and what it printed when the guide was last made."""

    argv: list[str]
    line: str
    expect_error: bool
    shown: list[str] = field(default_factory=list)


@dataclass
class Block:
    kind: str  # file | console
    start: int
    end: int
    name: str = ""  # a file block's file name
    text: str = ""  # a file block's content
    expect_error: bool = False
    steps: list[Step] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # `$` lines that are shown, not run


def blocks(text: str) -> Iterator[Block]:
    for found in FENCE.finditer(text):
        info, body = found.group(1).split(), found.group(2)
        if info[:1] == ["text"] and any(i.startswith("file=") for i in info):
            name = next(i.split("=", 1)[1] for i in info if i.startswith("file="))
            yield Block("file", found.start(), found.end(), name=name, text=body)
        elif info[:1] == ["console"] and "show" in info:
            continue  # shown as written: nothing in it runs
        elif info[:1] == ["console"]:
            block = Block("console", found.start(), found.end(), expect_error="expect-error" in info)
            for line in body.splitlines():
                if line.startswith("$ trilingo ") or line == "$ trilingo":
                    block.steps.append(Step(shlex.split(line[2:])[1:], line, block.expect_error))
                elif line.startswith("$ "):
                    block.other.append(line)
                elif block.steps:
                    block.steps[-1].shown.append(line)
            yield block


Invoke = Callable[[list[str]], tuple[int, str, str]]


@dataclass
class Ran:
    step: Step
    code: int
    out: str
    err: str


def run(text: str, folder: Path, invoke: Invoke) -> list[Ran]:
    """Every command of a guide, in order, in `folder` (where its files are written)."""
    ran = []
    for block in blocks(text):
        if block.kind == "file":
            (folder / block.name).write_text(block.text, encoding="utf-8")
            continue
        for step in block.steps:
            code, out, err = invoke(step.argv)
            ran.append(Ran(step, code, out, err))
    return ran


def filled(text: str, ran: list[Ran], folder: Path) -> str:
    """The guide with each command followed by what it printed in this run (paths made relative)."""
    outputs = iter(ran)
    pieces, pos = [], 0
    for block in blocks(text):
        if block.kind != "console":
            continue
        lines = []
        for step in block.steps:
            result = next(outputs)
            lines.append(step.line)
            printed = (result.out + result.err).replace(str(folder) + "/", "").replace(str(folder), ".")
            lines.extend(printed.rstrip("\n").splitlines())
        lines.extend(block.other)
        info = "console expect-error" if block.expect_error else "console"
        pieces.append(text[pos : block.start])
        pieces.append(f"```{info}\n" + "\n".join(lines) + "\n```")
        pos = block.end
    pieces.append(text[pos:])
    return "".join(pieces)


PAGE_CSS = """
@page{size:A4;margin:18mm 18mm 20mm;@bottom-center{content:counter(page) " / " counter(pages);font:9pt "Noto Sans",sans-serif;color:#555}}
body{font:10.5pt/1.55 "Noto Sans","Noto Sans Lao","Noto Sans CJK SC",sans-serif;color:#111}
h1{font-size:18pt;color:#0b3d2e;margin:0 0 4mm}
h2{font-size:13pt;color:#0b3d2e;margin:7mm 0 2mm;border-bottom:1pt solid #ccc}
pre{background:#f4f6f5;border:1pt solid #dde3e0;padding:3mm;font:8.5pt/1.4 "Noto Sans Mono","DejaVu Sans Mono",monospace;white-space:pre-wrap}
code{font-family:"Noto Sans Mono","DejaVu Sans Mono",monospace;font-size:9pt}
img{max-width:100%;border:1pt solid #ccc}
"""


def to_html(text: str, lang: str) -> str:
    from markupsafe import Markup, escape

    from trilingo.channels.markdown import markdown_to_html
    from trilingo.languages import LANGUAGES

    bcp47 = LANGUAGES[lang].bcp47 if lang in LANGUAGES else lang
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "Trilingo")
    body = Markup(markdown_to_html(text, images=True))  # sanitized by nh3; screenshots kept
    return (
        f'<!doctype html>\n<html lang="{escape(bcp47)}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{PAGE_CSS}</style></head><body>{body}</body></html>\n"
    )


def to_pdf(text: str, lang: str, base: Path) -> bytes:
    from weasyprint import HTML  # ~0.5 s to load: only when a PDF is asked for

    pdf: bytes = HTML(string=to_html(text, lang), base_url=str(base)).write_pdf()
    return pdf
