"""The kiosk bundle: FTS5 trigram search with a short-query path (口岸, 关), Lao (ພາສີ), Vietnamese
spelling variants (old-style tone marks, NFD), the CLI that reads only the file, and the manifest."""

from __future__ import annotations

import json
import shutil
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import approve_directly
from trilingo.channels import PublishSummary, kiosk_index
from trilingo.channels.kiosk_bundle import Entry, build, search, verify
from trilingo.channels.publish import publish_channel
from trilingo.cli import cli
from trilingo.commands.demo import sample_files
from trilingo.intake.store import submit
from trilingo.store.db import create_database
from trilingo.store.sessions import TrilingoSession
from trilingo.text.frontmatter import parse_notice, read_notice
from trilingo.workspace import open_database

LO = "ຜູ້ໂດຍສານຕ້ອງແຈ້ງສິນຄ້າກັບພາສີ ທີ່ດ່ານສາກົນໄຕຈາງ."
ZH = "旅客须在西庄国际口岸向海关申报货物。"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kiosk")
    url = f"sqlite:///{folder / 'trilingo.db'}"
    db = open_database(url, "tester")
    with TrilingoSession(db) as session:
        for path in sample_files():
            submit(session, read_notice(path), "tester")
        session.commit()
    approve_directly(db, {"lo": (LO[:6], LO), "zh": (ZH[:6], ZH)}, below=3)  # the first two samples only
    with TrilingoSession(create_database(url)) as session:
        summary = publish_channel(session, "kiosk", folder / "public", "tester")
        written = set(summary.written)
        assert {"index.html", "kiosk.sqlite", "manifest.json", "data/version.js"} <= written
        # every notice as a file of its own, its cards, the index's buckets, the categories' lists
        assert {"data/n/0.js", "data/s/0.js"} <= written
        assert any(w.startswith("data/i/") for w in written) and any(w.startswith("data/c/") for w in written)
        again = publish_channel(session, "kiosk", folder / "public", "tester")
        assert again.written == []  # nothing changed: nothing written
        session.commit()
    return folder / "public" / "kiosk"


def published(session: TrilingoSession, public: Path, files: list[Path]) -> PublishSummary:
    """`files` submitted and the kiosk published from them, both committed."""
    for path in files:
        submit(session, read_notice(path), "tester")
    session.commit()
    summary = publish_channel(session, "kiosk", public, "tester")
    session.commit()
    return summary


def slugs(result: object) -> list[tuple[str, str]]:
    return [(h.slug, h.lang) for h in getattr(result, "hits", [])]


def test_two_character_chinese_goes_the_short_path(bundle: Path) -> None:
    result = search(bundle, "口岸", "zh")
    assert result.path == "short"
    assert sorted(slugs(result)) == [("huoi-puoc-thong-bao", "zh"), ("tay-trang-gio-lam-viec", "zh")]
    # The trigram index alone finds nothing for two characters: that is why the short path exists.
    conn = sqlite3.connect(bundle / "kiosk.sqlite")
    assert conn.execute("SELECT count(*) FROM search WHERE search MATCH '\"口岸\"'").fetchone() == (0,)
    assert len(search(bundle, "关", "zh").hits) == 2  # one character: a token prefix
    assert search(bundle, "护照", "zh").hits == []


def test_lao_and_longer_chinese_go_the_trigram_path(bundle: Path) -> None:
    result = search(bundle, "ພາສີ", "lo")
    assert result.path == "trigram" and len(result.hits) == 2
    assert len(search(bundle, "西庄国际口岸", "zh").hits) == 2
    assert len(search(bundle, "ດ່ານ ສາກົນ", "lo").hits) == 2  # spaces do not matter in Lao


def test_vietnamese_spelling_variants_find_the_same_notice(bundle: Path) -> None:
    # The sample writes "Uỷ ban nhân dân tỉnh" (old style); visitors type either style, or NFD.
    expected = [("huong-dan-xuat-nhap-canh", "vi")]
    assert slugs(search(bundle, "Ủy ban nhân dân", "vi")) == expected
    assert slugs(search(bundle, "uỷ ban nhân dân", "vi")) == expected
    assert slugs(search(bundle, unicodedata.normalize("NFD", "Ủy ban nhân dân"), "vi")) == expected
    assert slugs(search(bundle, "HẢI QUAN", "vi")) == [("tay-trang-gio-lam-viec", "vi")]


def test_a_query_without_tone_marks_finds_the_same_notices_ranked_after_exact_ones(bundle: Path) -> None:
    exact = slugs(search(bundle, "cửa khẩu", "vi"))
    assert len(exact) == 3
    for query in (
        "cua khau",
        "CUA KHAU",
        "cưa khâu",
        "cuả khẩu",
    ):  # foreign keyboard, wrong tones, typo'd tone
        result = search(bundle, query, "vi")
        assert sorted(slugs(result)) == sorted(exact), query
    # "hai quan" matches only the notice that says "hải quan"; an exact-spelling hit comes before loose ones
    assert slugs(search(bundle, "hai quan", "vi")) == [("tay-trang-gio-lam-viec", "vi")]
    assert search(bundle, "thong", "vi").loose == len(search(bundle, "thong", "vi").hits) > 0
    assert search(bundle, "xyzzy khong co", "vi").hits == []


def test_exact_spelling_ranks_before_a_loose_match(tmp_path: Path) -> None:
    def entry(slug: str, body: str, updated: str) -> Entry:
        return Entry(slug, "vi", "Thông báo", body, body, "", [], updated)

    # The newest notice says "cua" (a crab), the older one "cửa" (a gate): a query for "cửa" lists the gate
    # first although it is older; "cua" lists the crab first (its own spelling), then the gate.
    build(
        [
            entry("cua-bien", "Cấm mang cua biển", "2026-02-01"),
            entry("cua-khau", "Giờ mở cửa khẩu", "2026-01-01"),
        ],
        tmp_path,
    )
    gate = search(tmp_path, "cửa", "vi")
    assert [h.slug for h in gate.hits] == ["cua-khau", "cua-bien"] and gate.loose == 1
    crab = search(tmp_path, "cua", "vi")
    assert [h.slug for h in crab.hits] == ["cua-bien", "cua-khau"] and crab.loose == 1


def test_cli_search_reads_only_the_bundle(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRILINGO_HOME", str(tmp_path / "no-workspace"))  # no database anywhere
    result = CliRunner().invoke(
        cli, ["kiosk", "search", "口岸", "--lang", "zh", "--bundle", str(bundle), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["path"] == "short" and len(data["hits"]) == 2
    assert not (tmp_path / "no-workspace").exists()
    text_out = CliRunner().invoke(cli, ["kiosk", "search", "Hải quan", "--bundle", str(bundle)]).stdout
    assert "[vi]" in text_out and "tay-trang-gio-lam-viec" in text_out
    missing = CliRunner().invoke(cli, ["kiosk", "search", "x", "--bundle", str(tmp_path)])
    assert (missing.exit_code, missing.stderr) == (
        1,
        f"Error: {tmp_path / 'kiosk.sqlite'}: no kiosk bundle here (publish the kiosk channel first)\n",
    )


def test_verify_checks_every_file_against_the_manifest(bundle: Path, tmp_path: Path) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    on_disk = sorted(str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file())
    assert sorted(manifest["files"]) == [n for n in on_disk if n != "manifest.json"] and manifest["version"]
    assert verify(bundle).files == len(on_disk) - 1
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    page = copy / "index.html"
    page.write_bytes(page.read_bytes().replace(b"<title>", b"<title>x", 1))
    result = CliRunner().invoke(cli, ["kiosk", "verify", str(copy)])
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {page}: SHA-256 ")
    assert "does not match the manifest" in result.stderr and result.stderr.count("\n") == 1
    ok = CliRunner().invoke(cli, ["kiosk", "verify", str(bundle)])
    assert ok.exit_code == 0 and f"{len(on_disk) - 1} file(s) match the manifest" in ok.stdout
    # A manifest cannot send the check outside the bundle
    for name in ("../outside.js", "data/../../x", "/etc/passwd", "data/.hidden", "other/x.js"):
        (copy / "manifest.json").write_text(
            json.dumps({"version": "v", "files": {name: "0" * 64}}), encoding="utf-8"
        )
        bad = CliRunner().invoke(cli, ["kiosk", "verify", str(copy)])
        assert bad.exit_code == 1 and "which is not a bundle file" in bad.stderr, name


def test_kiosk_search_loads_no_database_code(bundle: Path) -> None:
    """A device has the bundle and nothing else: searching must not load the ORM or Prefect."""
    import subprocess
    import sys

    probe = (
        "import sys\nfrom trilingo.cli import main\nsys.argv = ['trilingo', 'kiosk', 'search', '口岸', '--bundle', "
        f"{str(bundle)!r}]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('sqlmodel', 'sqlalchemy', 'prefect') if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr
    assert "口岸" in done.stdout


def test_a_change_updates_the_bundle_in_place_as_a_full_build_would_make_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One notice edited and one added: only the files they touch are written, and every data file then
    reads as a build from nothing reads (the database's rows too)."""
    url = f"sqlite:///{tmp_path / 'trilingo.db'}"
    db = open_database(url, "tester")
    public = tmp_path / "public"
    with TrilingoSession(db) as session:
        first = published(session, public, sample_files())
        sample = unicodedata.normalize("NFC", sample_files()[1].read_text(encoding="utf-8"))
        edited = sample.replace("trừ ngày lễ", "kể cả ngày lễ và Tết")
        assert submit(session, parse_notice(edited), "tester").version == 2
        submit(session, parse_notice(NEW), "tester")
        session.commit()
        made: list[str] = []
        blocks = kiosk_index.blocks

        def counted(md: str) -> list[list[str]]:
            made.append(md)
            return blocks(md)

        monkeypatch.setattr(kiosk_index, "blocks", counted)
        second = publish_channel(session, "kiosk", public, "tester")
        session.commit()
    kiosk = public / "kiosk"
    assert len(made) == 2 and "kể cả ngày lễ" in made[0] + made[1]  # only the two new releases were read
    assert "data/n/0.js" in second.written and set(second.written) < set(first.written) | {"data/c/0.js"}
    assert "kiosk.sqlite" in second.written and "manifest.json" in second.written
    assert [h.slug for h in search(kiosk, "kể cả ngày lễ", "vi").hits] == ["huoi-puoc-thong-bao"]
    assert search(kiosk, "trừ ngày lễ", "vi").hits == []  # the old text is gone from every index
    assert [h.slug for h in search(kiosk, "xe khach", "vi").hits] == ["xe-khach-moi"]
    assert verify(kiosk).files == len(
        json.loads((kiosk / "manifest.json").read_text(encoding="utf-8"))["files"]
    )

    def snapshot() -> tuple[dict[str, bytes], list[tuple[object, ...]]]:
        files = {
            str(p.relative_to(kiosk)): p.read_bytes()
            for p in sorted((kiosk / "data").rglob("*.js"))
            if p.name != "version.js"
        }
        conn = sqlite3.connect(kiosk / "kiosk.sqlite")
        rows = conn.execute(
            "SELECT doc, lang, title, summary, body, blocks, key FROM notice ORDER BY doc, lang"
        ).fetchall()
        conn.close()
        return files, rows

    in_place = snapshot()
    shutil.rmtree(kiosk)
    with TrilingoSession(create_database(url)) as session:
        whole = publish_channel(session, "kiosk", public, "tester")
        session.commit()
    assert len(whole.written) > len(second.written)
    rebuilt = snapshot()
    assert sorted(in_place[0]) == sorted(rebuilt[0])
    assert [k for k in in_place[0] if in_place[0][k] != rebuilt[0][k]] == []
    assert in_place[1] == rebuilt[1]


def test_a_damaged_bundle_is_built_again_whole(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trilingo.db'}"
    db = open_database(url, "tester")
    public = tmp_path / "public"
    kiosk = public / "kiosk"
    with TrilingoSession(db) as session:
        published(session, public, sample_files()[:2])

        def buckets() -> None:  # every index file: whatever the change touches is damaged
            for path in (kiosk / "data" / "i").iterdir():
                path.write_text("KIOSK.idx(0,{broken", encoding="utf-8")

        def database() -> None:  # and a file the change does not touch
            (kiosk / "kiosk.sqlite").write_bytes(b"not a database" * 100)
            (kiosk / "data" / "i" / "0.js").write_text("damaged too", encoding="utf-8")

        for damage, name in ((buckets, "NEW"), (database, "NEW2")):
            damage()
            submit(session, parse_notice(NEW.replace("xe-khach-moi", name.lower())), "tester")
            session.commit()
            done = publish_channel(session, "kiosk", public, "tester")
            session.commit()
            assert "data/i/0.js" in done.written and "kiosk.sqlite" in done.written
            assert {h.slug for h in search(kiosk, "xe khách", "vi").hits} >= {name.lower()}
            assert verify(kiosk).files > 0  # every file again as the manifest says


NEW = """---
title: Tuyến xe khách mới qua cửa khẩu
slug: xe-khach-moi
category: thông báo
---
Từ tháng sau có tuyến xe khách mới từ Điện Biên Phủ đi Mường Khoa.
"""


def test_publish_full_builds_the_bundle_whole(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trilingo.db'}"
    db = open_database(url, "tester")
    public = tmp_path / "public"
    with TrilingoSession(db) as session:
        first = published(session, public, sample_files())
        assert publish_channel(session, "kiosk", public, "tester").written == []
        whole = publish_channel(session, "kiosk", public, "tester", full=True)
        session.commit()
    # every file made and written again (the same bytes, but nothing trusted), the database included
    assert sorted(whole.written) == sorted(first.written)
