"""Publishing at scale: the full web build of 10,000 documents in three languages, the incremental
publish after one of them changes, and counter leaflets (PDF).

Baselines, measured in the same run: for the builds, writing the same files' bytes with plain
`Path.write_bytes` (no database, no templates: the cost of the disk alone); for leaflets, rendering the
same leaflet's HTML without the PDF. `TRILINGO_BENCH_PUBLISH_DOCS` changes the number of documents.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Figure

DOCS = int(os.environ.get("TRILINGO_BENCH_PUBLISH_DOCS", "10000"))
LEAFLETS = 5


def _notice(i: int) -> str:
    paragraphs = "\n\n".join(
        f"Đoạn {k} của thông báo {i}: hành khách xuất trình **hộ chiếu** tại quầy số {k + 1} "
        f"của [cửa khẩu](https://example.vn/{i}/{k}) từ 7 giờ 30 đến 16 giờ 30."
        for k in range(4)
    )
    category = ("thông báo", "hướng dẫn", "giờ làm việc")[i % 3]
    return f"---\ntitle: Thông báo số {i}\nslug: tb-{i}\ncategory: {category}\ngates: [tay-trang]\n---\n{paragraphs}\n"


def _build(url: str) -> None:
    from sqlalchemy import text

    from trilingo.intake.store import submit_many
    from trilingo.store.db import optimize, session_scope
    from trilingo.text.frontmatter import parse_notice
    from trilingo.workspace import open_database

    db = open_database(url, "bench")
    for first in range(0, DOCS, 1000):
        with session_scope(db) as session:
            submit_many(
                session, [parse_notice(_notice(i)) for i in range(first, min(first + 1000, DOCS))], "bench"
            )
    with db.begin() as conn:  # every Lao and Chinese text approved (no benchmark of reviewers here)
        for lang, title, body in (
            ("lo", "ແຈ້ງການ", "ຜູ້ໂດຍສານສະແດງ **ໜັງສືຜ່ານແດນ** ຢູ່ເຄົາເຕີ."),
            ("zh", "通知", "旅客须在柜台出示**护照**。"),
        ):
            conn.execute(
                text(
                    "INSERT INTO release (document_id, lang, version_id, title, body, content_hash, approved_by, "
                    "approved_at) SELECT r.document_id, :lang, r.version_id, :title || ' ' || r.document_id, "
                    ":body || char(10) || char(10) || :body, :lang || r.id, 'bench', r.approved_at "
                    "FROM release r WHERE r.lang = 'vi'"
                ),
                {"lang": lang, "title": title, "body": body},
            )
        conn.execute(
            text(
                "UPDATE doclang SET state = 'approved', release_id = (SELECT max(r.id) FROM release r "
                "WHERE r.document_id = doclang.document_id AND r.lang = doclang.lang) WHERE lang IN ('lo', 'zh')"
            )
        )
    optimize(db)


def _publish(
    url: str, public: Path, channel: str = "web", documents: set[int] | None = None
) -> tuple[float, int]:
    from trilingo.channels.publish import publish_channel
    from trilingo.store.db import session_scope
    from trilingo.workspace import open_database

    start = time.perf_counter()
    with session_scope(open_database(url, "bench")) as session:
        summary = publish_channel(session, channel, public, "bench", documents=documents)
    return time.perf_counter() - start, len(summary.written)


def _disk_baseline(web: Path, copy: Path) -> float:
    files = [(p.relative_to(web), p.read_bytes()) for p in web.rglob("*") if p.is_file()]
    start = time.perf_counter()
    for rel, data in files:
        target = copy / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return time.perf_counter() - start


def _change_one(url: str) -> None:
    from sqlalchemy import text

    from trilingo.intake.store import submit_many
    from trilingo.store.db import session_scope
    from trilingo.text.frontmatter import parse_notice
    from trilingo.workspace import open_database

    db = open_database(url, "bench")
    with session_scope(db) as session:
        submit_many(session, [parse_notice(_notice(7).replace("16 giờ 30", "17 giờ"))], "bench")
    with db.begin() as conn:  # … and its translations approved again
        for lang in ("lo", "zh"):
            conn.execute(
                text(
                    "INSERT INTO release (document_id, lang, version_id, title, body, content_hash, approved_by, "
                    "approved_at) SELECT r.document_id, :lang, r.version_id, 'new ' || r.title, r.body, "
                    "'new' || :lang || r.id, 'bench', r.approved_at FROM release r JOIN document d "
                    "ON d.id = r.document_id WHERE d.slug = 'tb-7' AND r.lang = 'vi' "
                    "ORDER BY r.id DESC LIMIT 1"
                ),
                {"lang": lang},
            )
            conn.execute(
                text(
                    "UPDATE doclang SET state = 'approved', release_id = (SELECT max(r.id) FROM release r "
                    "WHERE r.document_id = doclang.document_id AND r.lang = :lang), version_id = (SELECT "
                    "max(r.version_id) FROM release r WHERE r.document_id = doclang.document_id) "
                    "WHERE lang = :lang AND document_id = (SELECT id FROM document WHERE slug = 'tb-7')"
                ),
                {"lang": lang},
            )


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="trilingo-bench-publish-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'trilingo.db'}"
        start = time.perf_counter()
        _build(url)
        built = time.perf_counter() - start
        public = root / "public"
        full, files = _publish(url, public)
        disk = _disk_baseline(public / "web", root / "copy")
        _change_one(url)
        incremental, changed = _publish(url, public)
        from trilingo.channels.leaflets import to_pdf

        to_pdf("<p>warm-up</p>")  # WeasyPrint's first call loads its code and fonts; a publish pays it once
        leaflet_wall, leaflets = _publish(url, public, "print", documents=set(range(1, LEAFLETS + 1)))
        minimal = min(_time(lambda: to_pdf("<p>x</p>")) for _ in range(3))
    per_leaflet = leaflet_wall / max(leaflets / 2, 1)  # each leaflet is an HTML and a PDF file
    return [
        Figure(f"publish: build {DOCS:,} approved documents (setup)", built, "s"),
        Figure(f"publish: disk baseline, {files:,} files written plainly", disk, "s"),
        Figure(
            f"publish: full web build, {DOCS:,} docs x 3 languages",
            full,
            "s",
            full / disk,
            "writing the bytes alone",
            "<= 60 s",
            full <= 60,
        ),
        Figure(
            f"publish: incremental after one change ({changed} files)",
            incremental,
            "s",
            incremental / full,
            "the full build",
            "<= 2 s",
            incremental <= 2,
        ),
        Figure(
            f"publish: leaflet PDF ({LEAFLETS} leaflets, per leaflet)",
            per_leaflet,
            "s",
            per_leaflet / minimal,
            "a one-line PDF",
            "<= 1 s",
            per_leaflet <= 1,
        ),
    ]


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
