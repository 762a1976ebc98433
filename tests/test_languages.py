"""Languages as data: a fourth language added through the registry and a fixture alone
(tests/data/languages/khmer.toml, named by TRILINGO_LANGUAGES) goes through the whole pipeline; and no
code outside the registry compares a language's code to a literal."""

from __future__ import annotations

import ast
import io
import json
import os
import tokenize
from pathlib import Path

import pytest

from tests.helpers import Ran, run_commands
from tests.stubs.fixtures import env_for, stub_for
from trilingo import languages
from trilingo.errors import ConfigError

ROOT = Path(__file__).parent.parent
KHMER = Path(__file__).parent / "data" / "languages" / "khmer.toml"
NOTICE = """---
title: Giờ mở cửa cửa khẩu
slug: gio-mo-cua
gates: [tay-trang]
screen: Cửa khẩu mở cửa lúc 7 giờ.
---
Cửa khẩu quốc tế Tây Trang mở cửa lúc 7 giờ sáng hằng ngày.

Hành khách xuất trình hộ chiếu tại quầy số 2.
"""
THAI = "ด่านเปิดทุกวันเวลาเจ็ดโมงเช้า"  # Thai: a script a Khmer translation must not be in
KHMER_TEXT = "ច្រកព្រំដែនបើកនៅម៉ោង ៧ ព្រឹក។"


def _ok(ran: Ran) -> str:
    assert ran.code == 0 and ran.escaped is None, f"{ran.args}: {ran.code} {ran.stdout}{ran.stderr}"
    return ran.stdout


@pytest.mark.prefect
def test_a_fourth_language_from_the_registry_alone_goes_through_the_pipeline(
    flow_home: Path, tmp_path: Path
) -> None:
    notice = tmp_path / "gio-mo-cua.md"
    notice.write_text(NOTICE, encoding="utf-8")
    with stub_for("google") as stub:
        env = {**os.environ, languages.ENV: str(KHMER), **env_for("google", stub.url)}
        ran = run_commands(
            [
                ["users", "add", "kim", "--role", "reviewer", "--lang", "km"],
                ["submit", str(notice), "--json"],
                ["pretranslate", "--json"],  # the memory engine: nothing in Khmer memory yet
                ["pretranslate", "--engine", "google", "--json"],  # the stub, for lo, zh and km
                ["review", "show", "gio-mo-cua", "--lang", "km", "--json"],
                ["review", "edit", "gio-mo-cua", "--lang", "km", "--segment", "2", "--text", THAI],
                ["review", "approve", "gio-mo-cua", "--lang", "km"],
                ["review", "edit", "gio-mo-cua", "--lang", "km", "--segment", "2", "--text", KHMER_TEXT],
                *(
                    [
                        "review",
                        "approve",
                        "gio-mo-cua",
                        "--lang",
                        lang,
                        "--accept-warnings",
                        "--reason",
                        "test",
                    ]
                    for lang in ("lo", "zh", "km")
                ),
                ["publish", "--json"],
                ["kiosk", "search", "ច្រកព្រំដែន", "--lang", "km", "--json"],
                ["status", "--json"],
            ],
            env,
        )
        assert stub.calls >= 3
    users, submitted, memory, engine, show, thai, refused, fixed, *approved, published, found, status = ran
    _ok(users)
    _ok(submitted)
    drafted = {r["lang"]: r for r in json.loads(_ok(memory))}
    assert set(drafted) == {"lo", "zh", "km"}  # the registry's targets, in every flow
    assert drafted["km"]["untranslated"] >= 1  # no Khmer memory yet
    by_lang = {r["lang"]: r for r in json.loads(_ok(engine))}
    assert (
        by_lang["km"]["engine_drafts"] >= 1 and by_lang["km"]["failed"] == 0
    )  # Khmer letters pass the check
    segments = json.loads(_ok(show))["segments"]
    assert all(s["target"] for s in segments)
    # Thai text in the Khmer target: stored as typed, and approval is refused by the script check.
    _ok(thai)
    assert refused.code != 0 and "Thai letters in a Khmer translation" in refused.stderr, refused.stderr
    _ok(fixed)
    for ran_approve in approved:
        _ok(ran_approve)
    channels = {r["channel"]: r for r in json.loads(_ok(published))}
    assert any(item.endswith(":km") for item in channels["web"]["went_live"])

    public = flow_home / "public"
    page = (public / "web" / "km" / "n" / "gio-mo-cua.html").read_text(encoding="utf-8")
    assert '<html lang="km"' in page and KHMER_TEXT in page
    assert ':lang(km){font-family:"Noto Sans Khmer","Noto Sans",sans-serif;line-height:1.9}' in page
    assert "ភាសាខ្មែរ" in (public / "web" / "vi" / "n" / "gio-mo-cua.html").read_text(
        encoding="utf-8"
    )  # switcher
    root = (public / "web" / "index.html").read_text(encoding="utf-8")
    assert '<li lang="km"><a href="km/index.html" hreflang="km">' in root  # the root page offers it
    hits = json.loads(_ok(found))
    assert [h["slug"] for h in hits["hits"]] == ["gio-mo-cua"]
    kiosk_page = (public / "kiosk" / "index.html").read_text(encoding="utf-8")
    assert 'data-lang="km"' in kiosk_page and "ភាសាខ្មែរ" in kiosk_page
    playlist = json.loads((public / "screens" / "tay-trang" / "playlist.json").read_text(encoding="utf-8"))
    (item,) = playlist["items"]
    assert item["km"]["title"] and item["lo"]["title"] and item["zh"]["title"]
    assert json.loads(_ok(status))["counts"]["published"] == {"vi": 1, "lo": 1, "zh": 1, "km": 1}


def test_the_registry_reads_an_office_file_over_the_shipped_one(tmp_path: Path) -> None:
    registry = languages.load(str(KHMER))
    assert registry.targets == ("lo", "zh", "km")
    km = registry.languages["km"]
    assert (km.script.name, km.word_spaces, km.engine_code("google")) == ("Khmer", False, "km")
    assert km.script.has("ក") and not km.script.has("ด") and [s.name for s in km.confusable] == ["Thai"]
    assert registry.by_code("KM_kh") == "km" and registry.by_code("zh-Hans") == "zh"
    assert languages.load(None).targets == languages.TARGETS  # without the variable: the shipped list
    broken = tmp_path / "broken.toml"
    broken.write_text('targets = ["lo", "xx"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'xx' is listed as a source or target but has no"):
        languages.load(str(broken))
    broken.write_text("[languages.km]\nname = 'Khmer'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="incomplete or malformed"):
        languages.load(str(broken))


def test_every_rule_a_language_may_name_is_implemented_and_a_misspelt_one_is_refused(tmp_path: Path) -> None:
    from review import checks as review_checks
    from trilingo.text import checks, keys

    assert sorted(checks.NUMERALS) == sorted(languages.RULES["numerals"])
    assert all(
        f'"{name}"' in Path(keys.__file__).read_text(encoding="utf-8") for name in languages.RULES["folds"]
    )
    assert all(
        f'"{name}"' in Path(checks.__file__).read_text(encoding="utf-8") for name in languages.RULES["checks"]
    )
    assert set(languages.RULES["script_finding"]) <= set(review_checks.CODES)
    broken = tmp_path / "folds.toml"
    text = KHMER.read_text(encoding="utf-8").replace(
        "[languages.km]", "[languages.km]\nnumerals = ['khmer']", 1
    )
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="numerals = 'khmer' is not a rule Trilingo has \\(known: han\\)"):
        languages.load(str(broken))


def test_a_number_in_chinese_numerals_counts_only_where_the_language_writes_them() -> None:
    from trilingo.text.checks import preserved_findings

    han = languages.LANGUAGES["zh"].numerals
    assert han == ("han",)
    assert preserved_findings("Mở cửa đến 15 giờ.", "开放至十五时。", han) == []
    assert preserved_findings("Mở cửa đến 15 giờ.", "开放至十五时。") == [
        ("numbers", "numbers: missing in the translation: 15")
    ]
    assert preserved_findings("Mở cửa đến 15 giờ.", "ເປີດຮອດ ໑໕ ໂມງ.") == []  # Lao digits are digits


# Every code a file or an engine uses for one of the shipped languages.
CODES = {
    variant
    for lang in languages.REGISTRY.languages.values()
    for variant in (lang.code, lang.bcp47, lang.tmx, lang.tbx, lang.po, *lang.aliases, *lang.engines.values())
}
SOURCES = ["trilingo", "flows", "review", "glossary", "catalogs", "cli.py"]


def _literal_codes(path: Path) -> list[str]:
    """`path:line: 'zh'` for each string literal in the file that is a language code."""
    found = []
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    for token in tokens:
        if token.type != tokenize.STRING:
            continue
        try:
            value = ast.literal_eval(token.string)
        except (ValueError, SyntaxError):  # an f-string: its literal parts are not codes on their own
            continue
        if isinstance(value, str) and value in CODES:
            found.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {token.string}")
    return found


def test_no_language_code_is_written_as_a_literal_outside_the_registry() -> None:
    files = [
        path
        for name in SOURCES
        for path in ([ROOT / name] if name.endswith(".py") else sorted((ROOT / name).rglob("*.py")))
        if path.resolve() != (ROOT / "trilingo" / "languages.py").resolve()
    ]
    assert len(files) > 100
    found = [hit for path in files for hit in _literal_codes(path)]
    assert found == []
    templates = sorted((ROOT / "trilingo" / "channels" / "templates").iterdir())
    in_templates = [
        f"{t.name}: {code}"
        for t in templates
        for code in CODES
        if f'lang="{code}"' in t.read_text(encoding="utf-8") or f"'{code}'" in t.read_text(encoding="utf-8")
    ]
    assert in_templates == []
