"""Submit plus memory-engine pretranslation of 1,000 generated documents: plain calls vs Prefect flow runs."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import Figure, timed

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from trilingo.config import Settings
    from trilingo.text.frontmatter import Notice

DOCS = 1_000
SENTENCES = [
    "Cửa khẩu Quốc tế Tây Trang mở cửa từ 7 giờ 30 đến 16 giờ 30 hằng ngày.",
    "Hàng hoá mang theo phải khai báo với Hải quan.",
    "Xin vui lòng xếp hàng theo thứ tự.",
    "Cửa khẩu Huổi Puốc nối tỉnh Điện Biên với tỉnh Luông Pha Bang của Lào.",
    "Bộ đội Biên phòng kiểm tra giấy tờ của hành khách.",
    "Thông tin chi tiết xin liên hệ quầy số {n}.",
]


def _notices(rng: random.Random) -> list[Notice]:
    from trilingo.text.frontmatter import parse_notice

    out = []
    for i in range(DOCS):
        body = "\n\n".join(
            rng.choice(SENTENCES).format(n=rng.randint(1, 9)) for _ in range(rng.randint(3, 6))
        )
        out.append(parse_notice(f"---\ntitle: Thông báo số {i}\nslug: tb-{i}\n---\n{body}\n"))
    return out


def _prepare(home: Path) -> tuple[Settings, Engine]:
    from trilingo import config
    from trilingo.store.db import session_scope
    from trilingo.tm.memory import load_starter as load_tm
    from trilingo.workspace import open_database

    settings = config.load(environ={}, home=str(home), prefect_port=_free_port())
    db = open_database(settings.database_url, "bench")
    with session_scope(db) as session:
        load_tm(session, "bench")
    return settings, db


def _submit(db: Engine, notices: list[Notice]) -> int:
    from trilingo.intake.store import submit
    from trilingo.store.db import session_scope

    with session_scope(db) as session:
        return sum(submit(session, n, "bench").segments for n in notices)


def _plain(home: Path, notices: list[Notice]) -> tuple[float, int]:
    from trilingo.mt.offline import OfflineEngine
    from trilingo.pretranslate.jobs import draft_waiting

    _settings, db = _prepare(home)
    start = time.perf_counter()
    segments = _submit(db, notices)
    draft_waiting(db, {"lo": OfflineEngine(), "zh": OfflineEngine()}, "bench")
    return time.perf_counter() - start, segments * 2


def _prefect(home: Path, notices: list[Notice]) -> tuple[float, int]:
    from trilingo import server

    settings, db = _prepare(home)
    server.connect(settings, os.environ)  # not timed: a running server is the normal state
    from trilingo.flows.context import pretranslate_params
    from trilingo.flows.pretranslate import pretranslate_flow
    from trilingo.flows.runtime import drain, run

    try:
        start = time.perf_counter()
        segments = _submit(db, notices)
        run(settings, pretranslate_flow, **pretranslate_params(settings, {"lo": "memory", "zh": "memory"}))
        return time.perf_counter() - start, segments * 2
    finally:
        drain()
        server.stop(settings)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ENGLISH = "The border gate opens at 7:30 every day. Travellers must show their passports at counter 3."


def _language(notices: list[Notice]) -> list[Figure]:
    """The language check per notice, against parsing the same notice (the baseline)."""
    from trilingo.text.frontmatter import parse_notice
    from trilingo.text.language import detect

    texts = [f"---\ntitle: {n.title}\nslug: {n.slug}\n---\n{n.body}\n" for n in notices]
    parse_s = timed(lambda: [parse_notice(t) for t in texts])
    check_s = timed(lambda: [detect(n.title + "\n" + n.body) for n in notices])
    # In a fresh process: the first Latin-script notice that is not clearly Vietnamese loads the models.
    probe = (
        "import time\nfrom trilingo.text.language import detect\n"
        f"t = time.perf_counter(); detect({ENGLISH!r}); a = time.perf_counter() - t\n"
        f"t = time.perf_counter(); detect({ENGLISH!r}); print(a, time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    first_s, again_s = map(float, out.split())
    per = 1000 * check_s / len(notices)
    return [
        Figure("intake.language check per notice", per, "ms", ratio=parse_s / check_s, baseline="parsing it"),
        Figure(
            "intake.language first non-Vietnamese notice",
            first_s,
            "s",
            ratio=again_s / first_s,
            baseline="the next one",
        ),
    ]


def run() -> list[Figure]:
    notices = _notices(random.Random(7))
    language = _language(notices)
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        plain_s, plain_n = _plain(Path(a), notices)
        flow_s, flow_n = _prefect(Path(b), notices)
    share = max(flow_s - plain_s, 0.0) / flow_s
    return [
        Figure("intake.plain segments/s (submit+pretranslate)", plain_n / plain_s, "seg/s"),
        Figure(
            "intake.prefect segments/s (submit+flow run)",
            flow_n / flow_s,
            "seg/s",
            ratio=plain_s / flow_s,
            baseline="plain calls",
        ),
        Figure("intake.prefect share of wall time", share * 100, "%", baseline="plain calls"),
        *language,
    ]
