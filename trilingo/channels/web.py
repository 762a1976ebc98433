"""The web channel: a static trilingual site with article and index pages per language."""

from __future__ import annotations

import sys
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial
from pathlib import Path

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from trilingo.channels import render
from trilingo.channels.files import Ledger
from trilingo.channels.render import esc, markdown_to_html
from trilingo.languages import ALL, LANGUAGES
from trilingo.store.hashing import sha256
from trilingo.store.models import DocLang, Document, DocumentVersion, Release

CHANNEL = "web"
UI = {  # the site's own strings; gettext catalogs replace this with the UI-catalog issue
    "vi": {
        "index": "Thông tin cửa khẩu",
        "missing": "Chưa có bản dịch sang",
        "home": "Trang chủ",
        "updated": "Cập nhật: ",
    },
    "lo": {"index": "ຂໍ້ມູນດ່ານ", "missing": "ຍັງບໍ່ມີການແປເປັນ", "home": "ໜ້າຫຼັກ", "updated": "ປັບປຸງ: "},
    "zh": {"index": "口岸信息", "missing": "暂无以下语言版本：", "home": "首页", "updated": "更新："},
}
STYLE = """body{font-family:"Noto Sans","Noto Sans Lao","Noto Sans Lao UI","Noto Sans CJK SC","Source Han Sans SC",
"Microsoft YaHei",sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.7;color:#1b1b1b}
:lang(lo){font-family:"Noto Sans Lao","Noto Sans Lao UI","Phetsarath OT",sans-serif;line-height:1.9}
:lang(zh-Hans){font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif}
nav.lang a,nav.lang span{margin-right:1rem}.missing{color:#666;font-size:.9rem}"""


@dataclass
class WebSummary:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    published: list[tuple[int, str]] = field(default_factory=list)  # (document id, lang) now live


@dataclass(frozen=True)
class _Page:
    """What a page is made from (the release's body is loaded only for pages that are rendered)."""

    doc_id: int
    slug: str
    lang: str
    release_id: int
    version_id: int
    title: str
    content_hash: str
    approved_at: datetime
    category: str | None


def publish_web(session: Session, out_dir: Path, documents: Collection[int] | None = None) -> WebSummary:
    """Write the pages whose inputs changed: of every document, or of `documents` and the lists showing them.

    The lists (each language's index, the root) are always checked; a page is rendered only when what it
    is made from changed, and written only when its text did."""
    pages = _pages(session)
    by_doc: dict[int, dict[str, _Page]] = {}
    for page in pages:
        by_doc.setdefault(page.doc_id, {})[page.lang] = page
    ledger = Ledger(session, CHANNEL, out_dir)
    renderer = _renderer_version()
    todo: list[tuple[_Page, str]] = []
    for page in pages:
        if documents is not None and page.doc_id not in documents:
            continue
        key = sha256(
            f"{renderer}|{page.content_hash}|{page.title}|{page.approved_at:%Y-%m-%d}|"
            f"{page.category}|{','.join(sorted(by_doc[page.doc_id]))}"
        )
        if ledger.is_current(_article_path(page), key):
            ledger.unchanged += 1
        else:
            todo.append((page, key))
    bodies = _bodies(session, [page.release_id for page, _ in todo])
    for page, key in todo:
        ledger.put(
            _article_path(page),
            partial(_article, page, by_doc[page.doc_id], bodies[page.release_id]),
            key=key,
            document_id=page.doc_id,
            lang=page.lang,
            version_id=page.version_id,
        )
    langs_live = sorted({p.lang for p in pages}, key=ALL.index)
    for lang in langs_live:
        listed = [p for p in pages if p.lang == lang]
        key = sha256(
            renderer + "|" + ",".join(langs_live) + "|" + "|".join(f"{p.slug}\x1f{p.title}" for p in listed)
        )
        ledger.put(f"{lang}/index.html", partial(_index, lang, listed, langs_live), key=key, lang=lang)
    if langs_live:
        ledger.put(
            "index.html", partial(_root, langs_live), key=sha256(renderer + "|" + ",".join(langs_live))
        )
    ledger.commit()
    live = [(p.doc_id, p.lang) for p in pages if documents is None or p.doc_id in documents]
    return WebSummary(ledger.written, ledger.unchanged, live)


def _article_path(page: _Page) -> str:
    return f"{page.lang}/{page.slug}.html"


@cache
def _renderer_version() -> str:
    """A hash of the code that renders pages: a change to it re-renders everything, without anyone
    remembering to bump a number."""
    return sha256(
        "".join(Path(m.__file__ or "").read_text(encoding="utf-8") for m in (sys.modules[__name__], render))
    )


def _pages(session: Session) -> list[_Page]:
    """Every live release of a document the web channel carries: one query, no ORM objects, no bodies."""
    rows = session.execute(
        sa_select(
            col(Document.id),
            col(Document.slug),
            col(DocLang.lang),
            col(Release.id),
            col(Release.version_id),
            col(Release.title),
            col(Release.content_hash),
            col(Release.approved_at),
            col(DocumentVersion.category),
            col(DocumentVersion.channels),
        )
        .select_from(DocLang)
        .join(Document, col(Document.id) == col(DocLang.document_id))
        .join(Release, col(Release.id) == col(DocLang.release_id))
        .join(DocumentVersion, col(DocumentVersion.id) == col(Release.version_id))
        .order_by(col(Document.slug), col(DocLang.lang))
    ).all()
    return [
        _Page(doc_id, slug, lang, release_id, version_id, title, content_hash, approved_at, category)
        for doc_id, slug, lang, release_id, version_id, title, content_hash, approved_at, category, channels in rows
        if not channels or CHANNEL in channels
    ]


def _bodies(session: Session, release_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(release_ids), 900):
        chunk = release_ids[start : start + 900]
        out.update(
            session.execute(
                sa_select(col(Release.id), col(Release.body)).where(col(Release.id).in_(chunk))
            ).all()
        )
    return out


def _shell(lang: str, title: str, head_extra: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="{LANGUAGES[lang].html}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{esc(title)}</title>\n'
        f"{head_extra}<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _switcher(current: str, available: list[str], href: str) -> str:
    links = [
        f'<span aria-current="true">{esc(LANGUAGES[code].native)}</span>'
        if code == current
        else f'<a href="../{code}/{href}" hreflang="{LANGUAGES[code].html}" lang="{LANGUAGES[code].html}">'
        f"{esc(LANGUAGES[code].native)}</a>"
        for code in available
    ]
    return '<nav class="lang">' + "".join(links) + "</nav>"


def _article(page: _Page, versions: dict[str, _Page], markdown: str) -> str:
    available = [code for code in ALL if code in versions]
    missing = [code for code in ALL if code not in versions]
    alternates = "".join(
        f'<link rel="alternate" hreflang="{LANGUAGES[c].html}" href="../{c}/{page.slug}.html">\n'
        for c in available
    )
    note = ""
    if missing:
        names = ", ".join(LANGUAGES[c].native for c in missing)
        note = f'<p class="missing">{esc(UI[page.lang]["missing"])} {esc(names)}</p>\n'
    body = (
        f"<header>{_switcher(page.lang, available, page.slug + '.html')}\n{note}"
        f'<p><a href="index.html">{esc(UI[page.lang]["home"])}</a></p></header>\n'
        f"<main>\n<article>\n<h1>{esc(page.title)}</h1>\n{markdown_to_html(markdown)}"
        f'<p class="missing">{esc(UI[page.lang]["updated"])}{page.approved_at:%Y-%m-%d}</p>\n'
        f"</article>\n</main>"
    )
    return _shell(page.lang, page.title, alternates, body)


def _index(lang: str, pages: list[_Page], langs_live: list[str]) -> str:
    items = "\n".join(f'<li><a href="{esc(p.slug)}.html">{esc(p.title)}</a></li>' for p in pages)
    alternates = "".join(
        f'<link rel="alternate" hreflang="{LANGUAGES[c].html}" href="../{c}/index.html">\n'
        for c in langs_live
    )
    body = (
        f"<header>{_switcher(lang, langs_live, 'index.html')}</header>\n<main>\n"
        f"<h1>{esc(UI[lang]['index'])}</h1>\n<ul>\n{items}\n</ul>\n</main>"
    )
    return _shell(lang, UI[lang]["index"], alternates, body)


def _root(langs_live: list[str]) -> str:
    items = "\n".join(
        f'<li><a href="{c}/index.html" lang="{LANGUAGES[c].html}">{esc(LANGUAGES[c].native)}</a></li>'
        for c in langs_live
    )
    return _shell("vi", UI["vi"]["index"], "", f"<main>\n<ul>\n{items}\n</ul>\n</main>")
