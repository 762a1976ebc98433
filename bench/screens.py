"""Gate-screen playlists for 20 gates over 10,000 documents in three languages.

Baseline, in the same run: writing the same 20 playlists' JSON with `json.dumps` and `Path.write_text`
(no database, no page). `TRILINGO_BENCH_SCREENS_DOCS` changes the number of documents.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.common import Figure

DOCS = int(os.environ.get("TRILINGO_BENCH_SCREENS_DOCS", "10000"))
GATES = 20


def _build(url: str) -> None:
    from sqlalchemy import text

    from trilingo.intake.store import submit_many
    from trilingo.store.db import optimize, session_scope
    from trilingo.text.frontmatter import parse_notice
    from trilingo.workspace import open_database

    db = open_database(url, "bench")
    for first in range(0, DOCS, 1000):
        notices = [
            parse_notice(
                f"---\ntitle: Thông báo số {i}\nslug: tb-{i}\ngates: [g{i % GATES}]\n"
                f"screen: Quầy số {i % 9 + 1} mở cửa từ 7 giờ.\n---\nHành khách xuất trình hộ chiếu.\n"
            )
            for i in range(first, min(first + 1000, DOCS))
        ]
        with session_scope(db) as session:
            submit_many(session, notices, "bench")
    with db.begin() as conn:
        for lang, title, screen in (("lo", "ແຈ້ງການ", "ເຄົາເຕີເປີດແຕ່ 7 ໂມງ."), ("zh", "通知", "柜台7时开放。")):
            conn.execute(
                text(
                    "INSERT INTO release (document_id, lang, version_id, title, body, screen, content_hash, "
                    "approved_by, approved_at) SELECT r.document_id, :lang, r.version_id, :title || ' ' || r.id, "
                    "r.body, :screen, :lang || r.id, 'bench', r.approved_at FROM release r WHERE r.lang = 'vi'"
                ),
                {"lang": lang, "title": title, "screen": screen},
            )
    optimize(db)


def run() -> list[Figure]:
    from trilingo.channels.screens import _items, playlist, publish_screens
    from trilingo.site import Gate, example
    from trilingo.store.db import session_scope
    from trilingo.workspace import open_database

    site = replace(
        example(),
        gates=tuple(Gate(f"g{k}", {"vi": f"Cửa khẩu {k}"}, {"vi": "7:00–17:00"}) for k in range(GATES)),
    )
    with tempfile.TemporaryDirectory(prefix="trilingo-bench-screens-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'trilingo.db'}"
        _build(url)
        db = open_database(url, "bench")
        start = time.perf_counter()
        with session_scope(db) as session:
            summary = publish_screens(session, root / "screens", site=site)
        elapsed = time.perf_counter() - start
        with session_scope(db) as session:
            items = _items(session, site)
        start = time.perf_counter()
        for gate, gate_items in items.items():
            target = root / "plain" / gate / "playlist.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                json.dumps(playlist(gate, gate_items), ensure_ascii=False, indent=1), encoding="utf-8"
            )
        baseline = time.perf_counter() - start
    shown = sum(summary.items.values())
    return [
        Figure(
            f"screens: playlists for {GATES} gates ({shown:,} items)",
            elapsed,
            "s",
            elapsed / baseline,
            f"writing the JSON alone ({baseline:.2f} s)",
            "<= 2 s",
            elapsed <= 2,
        )
    ]
