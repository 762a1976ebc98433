"""Publishing at scale: the full web build of 10,000 documents in three languages, the incremental
publish after one of them changes, and counter leaflets (PDF).

Baselines, measured in the same run: for the builds, writing the same files' bytes with plain
`Path.write_bytes` (no database, no templates: the cost of the disk alone); for leaflets, rendering the
same leaflet's HTML without the PDF. `TRILINGO_BENCH_PUBLISH_DOCS` changes the number of documents.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import ACCOUNT, Figure, uv_run

DOCS = int(os.environ.get("TRILINGO_BENCH_PUBLISH_DOCS", "10000"))
LEAFLETS = 5
PRINTED = 500  # one notice in PRINTED goes to the counter leaflets too; the others name their channels


def _notice(i: int) -> str:
    paragraphs = "\n\n".join(
        f"Đoạn {k} của thông báo {i}: hành khách xuất trình **hộ chiếu** tại quầy số {k + 1} "
        f"của [cửa khẩu](https://example.vn/{i}/{k}) từ 7 giờ 30 đến 16 giờ 30."
        for k in range(4)
    )
    category = ("thông báo", "hướng dẫn", "giờ làm việc")[i % 3]
    channels = "" if i % PRINTED == 1 else "channels: [web, kiosk, screens, webhook]\n"
    return (
        f"---\ntitle: Thông báo số {i}\nslug: tb-{i}\ncategory: {category}\ngates: [tay-trang]\n{channels}"
        f"---\n{paragraphs}\n"
    )


def _build(url: str) -> None:
    from sqlalchemy import text

    from trilingo.intake.store import submit_many
    from trilingo.store.db import optimize, session_scope
    from trilingo.text.frontmatter import parse_notice
    from trilingo.workspace import open_database

    db = open_database(url, ACCOUNT)
    for first in range(0, DOCS, 1000):
        with session_scope(db) as session:
            submit_many(
                session, [parse_notice(_notice(i)) for i in range(first, min(first + 1000, DOCS))], ACCOUNT
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
    with session_scope(open_database(url, ACCOUNT)) as session:
        summary = publish_channel(session, channel, public, ACCOUNT, documents=documents)
    return time.perf_counter() - start, len(summary.written)


def _disk_baseline(web: Path, copy: Path) -> float:
    files = [(p.relative_to(web), p.read_bytes()) for p in web.rglob("*") if p.is_file()]
    start = time.perf_counter()
    for rel, data in files:
        target = copy / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return time.perf_counter() - start


def _change_one(url: str, number: int = 7) -> None:
    from sqlalchemy import text

    from trilingo.intake.store import submit_many
    from trilingo.store.db import session_scope
    from trilingo.text.frontmatter import parse_notice
    from trilingo.workspace import open_database

    db = open_database(url, ACCOUNT)
    with session_scope(db) as session:
        submit_many(session, [parse_notice(_notice(number).replace("16 giờ 30", "17 giờ"))], ACCOUNT)
    with db.begin() as conn:  # … and its translations approved again
        for lang in ("lo", "zh"):
            conn.execute(
                text(
                    "INSERT INTO release (document_id, lang, version_id, title, body, content_hash, approved_by, "
                    "approved_at) SELECT r.document_id, :lang, r.version_id, 'new ' || r.title, r.body, "
                    "'new' || :lang || r.id, 'bench', r.approved_at FROM release r JOIN document d "
                    "ON d.id = r.document_id WHERE d.slug = :slug AND r.lang = 'vi' "
                    "ORDER BY r.id DESC LIMIT 1"
                ),
                {"lang": lang, "slug": f"tb-{number}"},
            )
            conn.execute(
                text(
                    "UPDATE doclang SET state = 'approved', release_id = (SELECT max(r.id) FROM release r "
                    "WHERE r.document_id = doclang.document_id AND r.lang = :lang), version_id = (SELECT "
                    "max(r.version_id) FROM release r WHERE r.document_id = doclang.document_id) "
                    "WHERE lang = :lang AND document_id = (SELECT id FROM document WHERE slug = :slug)"
                ),
                {"lang": lang, "slug": f"tb-{number}"},
            )


def _workspace(root: Path) -> tuple[dict[str, str], str]:
    """A workspace made by `trilingo init` (its admin is this account), its database filled by _build,
    and its own local Prefect server on a free port, started once here (not in the figures)."""
    from bench.scale import _free_port

    home = root / "ws"
    env = {**os.environ, "TRILINGO_HOME": str(home), "TRILINGO_PREFECT_PORT": str(_free_port())}
    for name in ("TRILINGO_SERVER", "TRILINGO_DATABASE_URL", "TRILINGO_PREFECT_API_URL", "PREFECT_API_URL"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "trilingo", "init"], env=env, capture_output=True, check=True)
    return env, f"sqlite:///{home / 'trilingo.db'}"


def run() -> list[Figure]:
    from bench.cli import _median
    from bench.scale import _peak_mb
    from trilingo import config, server
    from trilingo.channels.fingerprint import FINGERPRINT_FILE

    with tempfile.TemporaryDirectory(prefix="trilingo-bench-publish-") as tmp:
        root = Path(tmp)
        env, url = _workspace(root)
        settings = config.load(environ=env)
        start = time.perf_counter()
        _build(url)
        built = time.perf_counter() - start
        baseline = _median([sys.executable, "-c", "import sqlmodel"], env)
        server.start(settings, env)
        try:
            first = uv_run(["publish"], env)
            full = uv_run(["publish", "--full"], env)
            (settings.home / FINGERPRINT_FILE).unlink(missing_ok=True)  # as before the fast path: …
            slow = uv_run(["publish"], env)  # … a publish run that reads everything and finds nothing to do
            idle = min(uv_run(["publish"], env) for _ in range(3))
            _change_one(url, 7)
            one = uv_run(["publish"], env)
            _change_one(url, 8)  # another one, for the memory probe (the same command, in-process)
            peak = _peak_mb(["publish"], env)
        finally:
            server.stop(settings)
        public = root / "leaflets"
        from trilingo.channels.leaflets import to_pdf

        to_pdf("<p>warm-up</p>")  # WeasyPrint's first call loads its code and fonts; a publish pays it once
        printed = {PRINTED * k + 2 for k in range(LEAFLETS)}  # the ids of notices 1, 501, … (ids start at 1)
        leaflet_wall, leaflets = _publish(url, public, "print", documents=printed)
        minimal = min(_time(lambda: to_pdf("<p>x</p>")) for _ in range(3))
    per_leaflet = leaflet_wall / max(leaflets / 2, 1)  # each leaflet is an HTML and a PDF file
    vs = "import sqlmodel"
    return [
        Figure(f"publish: build {DOCS:,} approved documents (setup)", built, "s"),
        Figure("publish: python -c 'import sqlmodel' (baseline)", baseline, "s"),
        Figure(
            "publish: first publish, empty public/", first, "s", baseline / first, vs, "<= 60 s", first <= 60
        ),
        Figure(
            "publish: publish --full (all channels)", full, "s", baseline / full, vs, "<= 60 s", full <= 60
        ),
        Figure("publish: nothing to do, every channel read", slow, "s", baseline / slow, vs),
        Figure(
            "publish: publish, nothing to do", idle, "s", slow / idle, "reading it all", "<= 1 s", idle <= 1
        ),
        Figure("publish: publish after one approval", one, "s", baseline / one, vs, "<= 2 s", one <= 2),
        Figure("publish: peak memory, one approval", peak, "MB", None, "", "<= 300 MB", peak <= 300),
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
