"""Contract tests: each engine adapter against a stub of its API on 127.0.0.1 (request shape, codes, errors)."""

from __future__ import annotations

import json

import pytest

from tests.stubs import fake_translate
from tests.stubs.fixtures import ONLINE, TARGET, options_for, stub_for
from trilingo.mt import codes
from trilingo.mt.base import Failure
from trilingo.mt.online import OnlineEngine
from trilingo.mt.registry import make_engine
from trilingo.mt.runner import translate

TEXT = "Cửa khẩu Tây Trang mở cửa từ 7:00 đến 19:00."


def _translate_one(name: str, stub, text: str = TEXT, tgt: str | None = None, **policy):
    engine = make_engine(name, options_for(name, stub.url, **policy))
    return engine.translate_batch([text], "vi", tgt or TARGET[name])[0]


@pytest.mark.parametrize("name", ONLINE)
def test_engine_translates_through_its_api(name: str) -> None:
    with stub_for(name) as stub:
        result = _translate_one(name, stub)
    tgt = TARGET[name]
    assert result.ok, result.reason
    assert result.text == fake_translate(TEXT, codes.code(name, tgt))
    assert result.detail["engine"] == name
    assert stub.texts() == [TEXT]


def test_google_request_shape() -> None:
    with stub_for("google") as stub:
        _translate_one("google", stub, tgt="zh")
    (seen,) = stub.seen
    assert (seen.method, seen.path) == ("GET", "/m")
    assert {k: seen.query[k] for k in ("sl", "tl", "q")} == {"sl": "vi", "tl": "zh-CN", "q": TEXT}


def test_microsoft_request_shape() -> None:
    with stub_for("microsoft") as stub:
        _translate_one("microsoft", stub, tgt="zh")
    (seen,) = stub.seen
    assert (seen.method, seen.path) == ("POST", "/translate")
    assert seen.query == {"api-version": "3.0", "from": "vi", "to": "zh-hans"}
    assert seen.headers["ocp-apim-subscription-key"] == "stub-key"
    assert seen.headers["ocp-apim-subscription-region"] == "southeastasia"
    assert json.loads(seen.body) == [{"text": TEXT}]


def test_mymemory_request_shape() -> None:
    with stub_for("mymemory") as stub:
        _translate_one("mymemory", stub)
    (seen,) = stub.seen
    assert (seen.method, seen.path) == ("GET", "/get")
    assert seen.query == {"langpair": "vi-VN|lo-LA", "q": TEXT, "de": "ops@example.org"}


def test_libre_request_shape() -> None:
    with stub_for("libre") as stub:
        _translate_one("libre", stub)
    (seen,) = stub.seen
    assert (seen.method, seen.path) == ("POST", "/translate")
    assert seen.query == {"q": TEXT, "source": "vi", "target": "zh", "format": "text", "api_key": "stub-key"}


def test_libre_without_key_sends_none() -> None:
    with stub_for("libre", key=None) as stub:
        engine = make_engine("libre", {"libre": {"url": stub.url}})
        result = engine.translate_batch([TEXT], "vi", "zh")[0]
    assert result.ok
    assert "api_key" not in stub.seen[0].query


def test_baidu_request_shape() -> None:
    with stub_for("baidu") as stub:
        result = _translate_one("baidu", stub)
    (seen,) = stub.seen
    assert result.ok  # the stub checks the md5 signature
    assert (seen.method, seen.path) == ("POST", "/api/trans/vip/translate")
    assert {k: seen.query[k] for k in ("appid", "q", "from", "to")} == {
        "appid": "stub-appid",
        "q": TEXT,
        "from": "vie",
        "to": "zh",
    }


@pytest.mark.parametrize(
    ("name", "option", "value"),
    [("microsoft", "key", "wrong"), ("libre", "api_key", "wrong"), ("baidu", "appkey", "wrong")],
)
def test_refused_credentials_are_auth_failures(name: str, option: str, value: str) -> None:
    with stub_for(name) as stub:
        opts = options_for(name, stub.url)
        opts[name][option] = value
        result = make_engine(name, opts).translate_batch([TEXT], "vi", TARGET[name])[0]
    assert result.failure is Failure.AUTH
    assert name in (result.reason or "")


def test_wrong_url_path_is_visible() -> None:
    with stub_for("libre") as stub:
        result = make_engine("libre", options_for("libre", stub.url + "/nothing/here")).translate_batch(
            [TEXT], "vi", "zh"
        )[0]
    assert result.failure is Failure.UNSUPPORTED
    assert "HTTP 404" in (result.reason or "")


@pytest.mark.parametrize("name", ONLINE)
def test_code_table_is_accepted_by_deep_translator(name: str) -> None:
    engine = make_engine(name, options_for(name, "http://127.0.0.1:9"))
    for tgt in ("lo", "zh"):
        if not engine.supports("vi", tgt):
            continue
        assert isinstance(engine, OnlineEngine)
        translator = engine.make_translator(codes.code(name, "vi"), codes.code(name, tgt))
        assert (translator.source, translator.target) == (codes.code(name, "vi"), codes.code(name, tgt))


def test_code_table_values() -> None:
    assert codes.code("google", "zh") == "zh-CN"
    assert codes.code("microsoft", "zh") == "zh-hans"
    assert (codes.code("mymemory", "vi"), codes.code("mymemory", "lo")) == ("vi-VN", "lo-LA")
    assert not codes.supports("baidu", "vi", "lo")
    assert codes.supports("baidu", "vi", "zh")


@pytest.mark.parametrize(("name", "limit_bytes"), [("mymemory", 500), ("google", 5000), ("baidu", 6000)])
def test_long_segments_are_split_within_the_byte_limit(name: str, limit_bytes: int) -> None:
    sentence = "Hành khách xuất trình hộ chiếu và giấy thông hành tại quầy số ba của cửa khẩu."
    text = " ".join([sentence] * (limit_bytes // len(sentence.encode()) + 2))
    with stub_for(name) as stub:
        result = _translate_one(name, stub, text=text)
    assert result.ok, result.reason
    sent = stub.texts()
    assert len(sent) >= 2
    assert all(len(t.encode("utf-8")) <= limit_bytes for t in sent)
    assert " ".join(sent) == text
    assert result.detail["chunks"] == len(sent)


def test_shared_engine_across_threads_never_mixes_segments() -> None:
    # deep-translator keeps per-call state on the instance; one instance per call must fix that.
    texts = [f"Thông báo số {i}: cửa khẩu mở cửa lúc {i % 24}:00" for i in range(300)]
    with stub_for("google") as stub:
        engine = make_engine("google", options_for("google", stub.url, concurrency=16))
        results = translate(engine, texts, "vi", "zh", session=None, glossary_version=1, mode="none")
    assert [r.text for r in results] == [fake_translate(t, "zh-CN") for t in texts]
    assert stub.calls == len(texts)
