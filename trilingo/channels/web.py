"""The web channel: a static trilingual site with article and index pages per language."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from trilingo.channels.files import Ledger
from trilingo.channels.render import esc, markdown_to_html
from trilingo.languages import ALL, LANGUAGES
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
    doc_id: int
    slug: str
    lang: str
    release: Release
    category: str | None


def publish_web(session: Session, out_dir: Path) -> WebSummary:
    """Render every current release; write only pages whose content changed."""
    pages = _pages(session)
    by_doc: dict[int, dict[str, _Page]] = {}
    for page in pages:
        by_doc.setdefault(page.doc_id, {})[page.lang] = page
    ledger = Ledger(session, CHANNEL, out_dir)
    for page in pages:
        ledger.put(
            f"{page.lang}/{page.slug}.html",
            _article(page, by_doc[page.doc_id]),
            document_id=page.doc_id,
            lang=page.lang,
            version_id=page.release.version_id,
        )
    langs_live = sorted({p.lang for p in pages}, key=ALL.index)
    for lang in langs_live:
        ledger.put(
            f"{lang}/index.html", _index(lang, [p for p in pages if p.lang == lang], langs_live), lang=lang
        )
    if langs_live:
        ledger.put("index.html", _root(langs_live))
    return WebSummary(ledger.written, ledger.unchanged, [(p.doc_id, p.lang) for p in pages])


def _pages(session: Session) -> list[_Page]:
    rows = session.exec(
        select(DocLang, Document, Release, DocumentVersion)
        .join(Document, col(Document.id) == col(DocLang.document_id))
        .join(Release, col(Release.id) == col(DocLang.release_id))
        .join(DocumentVersion, col(DocumentVersion.id) == col(Release.version_id))
        .where(col(DocLang.release_id).is_not(None))
        .order_by(Document.slug, col(DocLang.lang))
    ).all()
    out = []
    for dl, doc, release, version in rows:
        if version.channels and CHANNEL not in version.channels:
            continue
        assert doc.id is not None
        out.append(_Page(doc.id, doc.slug, dl.lang, release, version.category))
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


def _article(page: _Page, versions: dict[str, _Page]) -> str:
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
        f"<main>\n<article>\n<h1>{esc(page.release.title)}</h1>\n{markdown_to_html(page.release.body)}"
        f'<p class="missing">{esc(UI[page.lang]["updated"])}{page.release.approved_at:%Y-%m-%d}</p>\n'
        f"</article>\n</main>"
    )
    return _shell(page.lang, page.release.title, alternates, body)


def _index(lang: str, pages: list[_Page], langs_live: list[str]) -> str:
    items = "\n".join(f'<li><a href="{esc(p.slug)}.html">{esc(p.release.title)}</a></li>' for p in pages)
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
