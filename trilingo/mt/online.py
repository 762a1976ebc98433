"""Online engines: deep-translator wrapped so every call is bounded, classified and checked.

Each call builds a fresh deep-translator instance: instances keep per-call state in `_url_params`
(sharing one across threads returned translations for the wrong segment), and they are cheap.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cache
from typing import Any

from trilingo.i18n import N_
from trilingo.languages import LANGUAGES
from trilingo.mt import chunks, codes, transport, verify
from trilingo.mt.base import EnginePolicy, EngineResult, Failure
from trilingo.mt.chunks import LengthLimit
from trilingo.mt.errors import EngineCallError
from trilingo.mt.throttle import CircuitBreaker, InlineLimiter


class OnlineEngine:
    """Base of the deep-translator engines; subclasses say how to build and aim a translator."""

    name = "online"
    default_url = ""
    limit = LengthLimit()
    cacheable = True

    def __init__(self, *, url: str = "", policy: EnginePolicy | None = None, **credentials: Any) -> None:
        self.url = (url or self.default_url).rstrip("/")
        self.policy = policy or EnginePolicy()
        self.credentials = credentials
        self.limiter = InlineLimiter(self.policy.concurrency, self.policy.rate)
        self.breaker = CircuitBreaker(self.policy.breaker_threshold, self.policy.breaker_cooldown)

    def supports(self, src: str, tgt: str) -> bool:
        return codes.supports(self.name, src, tgt)

    def translate_batch(self, texts: list[str], src: str, tgt: str) -> list[EngineResult]:
        """One bounded call per text, in order; the runner adds concurrency, retries and the breaker."""
        return [self.translate_one(text, src, tgt) for text in texts]

    def translate_one(self, text: str, src: str, tgt: str) -> EngineResult:
        start = time.perf_counter()
        detail: dict[str, Any] = {"engine": self.name, "at": datetime.now(UTC).isoformat(timespec="seconds")}
        if not self.supports(src, tgt):
            return self._result(
                None,
                start,
                detail,
                Failure.UNSUPPORTED,
                N_("{engine} cannot translate {src}→{tgt}").format(engine=self.name, src=src, tgt=tgt),
            )
        pieces = chunks.split(text, self.limit)
        if len(pieces) > 1:
            detail["chunks"] = len(pieces)
            detail["warnings"] = [
                N_("split into {parts} parts for {engine}'s length limit").format(
                    parts=len(pieces), engine=self.name
                )
            ]
        try:
            outputs = [self._call(piece, src, tgt) for piece in pieces]
        except EngineCallError as exc:
            return self._result(None, start, detail, exc.failure, exc.reason, exc.retry_after)
        output = chunks.join(outputs, tgt)
        problem = verify.check_output(text, output, tgt)
        if problem:
            detail["output"] = output[:200]  # what came back, for the reviewer to see why it failed
            return self._result(None, start, detail, problem[0], f"{self.name}: {problem[1]}")
        return self._result(output, start, detail)

    def _result(
        self,
        text: str | None,
        start: float,
        detail: dict[str, Any],
        failure: Failure | None = None,
        reason: str | None = None,
        retry_after: float | None = None,
    ) -> EngineResult:
        elapsed = (time.perf_counter() - start) * 1000
        return EngineResult(text, failure, reason, retry_after, False, elapsed, detail)

    def _call(self, text: str, src: str, tgt: str) -> str:
        with transport.bounded(self.name, self.policy.timeout, self.policy.connect_timeout) as ctx:
            try:
                translator = self.make_translator(codes.code(self.name, src), codes.code(self.name, tgt))
                out = translator.translate(text)
            except _deep_translator_errors() as exc:
                raise self.classify(exc, ctx) from None
        if out is not None and not isinstance(out, str):
            raise EngineCallError(
                Failure.TRANSIENT,
                N_("{engine}: malformed response ({kind})").format(engine=self.name, kind=type(out).__name__),
            )
        return out or ""

    def make_translator(self, src_code: str, tgt_code: str) -> Any:
        raise NotImplementedError

    def classify(self, exc: BaseException, ctx: transport.CallContext) -> EngineCallError:
        """Turn whatever deep-translator raised into a typed failure."""
        from deep_translator import exceptions as dt

        kind = type(exc).__name__
        if isinstance(exc, dt.TooManyRequests):
            return EngineCallError(
                Failure.RATE_LIMITED, N_("{engine}: rate limited").format(engine=self.name)
            )
        if isinstance(exc, dt.ApiKeyException | dt.AuthorizationException):
            return EngineCallError(
                Failure.AUTH, N_("{engine}: key missing or refused").format(engine=self.name)
            )
        if isinstance(exc, dt.LanguageNotSupportedException | dt.InvalidSourceOrTargetLanguage):
            return EngineCallError(
                Failure.UNSUPPORTED,
                N_("{engine}: language not supported ({reason})").format(engine=self.name, reason=exc),
            )
        if isinstance(exc, dt.NotValidLength | dt.NotValidPayload):
            return EngineCallError(
                Failure.UNSUPPORTED, N_("{engine}: text refused ({kind})").format(engine=self.name, kind=kind)
            )
        # JSON that does not parse, an HTML page where JSON was due, a missing field: the service
        # answered with something else than its API. Retrying later is the right move.
        body = transport.snippet_of(ctx.last_body, 80)
        return EngineCallError(
            Failure.TRANSIENT,
            N_("{engine}: malformed response ({kind}): {body}").format(
                engine=self.name, kind=kind, body=body
            ),
        )


@cache
def _deep_translator_errors() -> tuple[type[BaseException], ...]:
    """What a deep-translator call can raise besides our own EngineCallError.

    Its own exceptions, plus what its parsing trips over on an unexpected answer: a JSON error
    (ValueError), a missing field (KeyError, TypeError), None where a response was due
    (AttributeError: how Microsoft connection errors surface), or no match (StopIteration).
    """
    import requests
    from deep_translator import exceptions as dt

    return (
        dt.BaseError, dt.RequestError, dt.TooManyRequests, dt.ServerException, dt.MicrosoftAPIerror,
        dt.BaiduAPIerror, dt.AuthorizationException, requests.RequestException,
        ValueError, KeyError, TypeError, AttributeError, IndexError, StopIteration,
    )  # fmt: skip


class GoogleEngine(OnlineEngine):
    """Google's free web endpoint (an HTML page, scraped by deep-translator)."""

    name = "google"
    default_url = "https://translate.google.com"
    # The text travels in the URL, percent-encoded; past ~1,800 CJK characters the endpoint fails,
    # and deep-translator refuses 5,000 characters or more.
    limit = LengthLimit(chars=4999, bytes=5000)

    def make_translator(self, src_code: str, tgt_code: str) -> Any:
        from deep_translator import GoogleTranslator

        translator = GoogleTranslator(source=src_code, target=tgt_code)
        translator._base_url = f"{self.url}/m"
        return translator


class MicrosoftEngine(OnlineEngine):
    """Azure AI Translator v3 (key and region)."""

    name = "microsoft"
    default_url = "https://api.cognitive.microsofttranslator.com"
    limit = LengthLimit(chars=10_000)

    def make_translator(self, src_code: str, tgt_code: str) -> Any:
        translator = _pinned_microsoft()(
            source=src_code,
            target=tgt_code,
            api_key=self.credentials["key"],
            region=self.credentials.get("region") or None,
        )
        translator._base_url = f"{self.url}/translate?api-version=3.0"
        return translator


@cache
def _pinned_microsoft() -> type:
    from deep_translator import MicrosoftTranslator

    languages = {
        lang.name.lower(): code for lang in LANGUAGES.values() if (code := lang.engine_code("microsoft"))
    }

    class PinnedMicrosoftTranslator(MicrosoftTranslator):
        # The stock constructor downloads the language list from a hard-wired URL on every
        # instance, without a timeout; our tested code table stands in for it.
        def _get_supported_languages(self) -> dict[str, str]:
            return languages

    return PinnedMicrosoftTranslator


class MyMemoryEngine(OnlineEngine):
    """MyMemory's free API; an email raises the daily quota."""

    name = "mymemory"
    default_url = "https://api.mymemory.translated.net"
    # MyMemory counts the query in bytes (500); deep-translator refuses 500 characters or more.
    limit = LengthLimit(chars=499, bytes=500)

    def make_translator(self, src_code: str, tgt_code: str) -> Any:
        from deep_translator import MyMemoryTranslator

        email = self.credentials.get("email") or None
        translator = MyMemoryTranslator(source=src_code, target=tgt_code, email=email)
        translator._base_url = f"{self.url}/get"
        return translator


class LibreEngine(OnlineEngine):
    """A self-hosted LibreTranslate."""

    name = "libre"
    limit = LengthLimit(chars=5000)

    def make_translator(self, src_code: str, tgt_code: str) -> Any:
        from deep_translator import LibreTranslator

        key = self.credentials.get("api_key") or None
        # deep-translator refuses to start without a key, but a self-hosted server often needs none;
        # a placeholder gets it built, and clearing it keeps the placeholder off the wire.
        translator = LibreTranslator(
            source=src_code, target=tgt_code, api_key=key or "-", custom_url=self.url + "/"
        )
        translator.api_key = key
        return translator


class BaiduEngine(OnlineEngine):
    """Baidu Fanyi (appid and appkey); Chinese only."""

    name = "baidu"
    default_url = "https://fanyi-api.baidu.com"
    limit = LengthLimit(bytes=6000)  # Baidu counts the UTF-8 bytes of q
    # Baidu reports its errors in a 200 body; these codes mean the same as HTTP statuses would.
    ERROR_CODES = {
        "52001": Failure.TRANSIENT,
        "52002": Failure.TRANSIENT,
        "52003": Failure.AUTH,
        "54001": Failure.AUTH,
        "54004": Failure.AUTH,
        "58000": Failure.AUTH,
        "54003": Failure.RATE_LIMITED,
        "54005": Failure.RATE_LIMITED,
        "58001": Failure.UNSUPPORTED,
        "54000": Failure.UNSUPPORTED,
    }

    def make_translator(self, src_code: str, tgt_code: str) -> Any:
        from deep_translator import BaiduTranslator

        translator = BaiduTranslator(
            source=src_code,
            target=tgt_code,
            appid=self.credentials["appid"],
            appkey=self.credentials["appkey"],
        )
        translator._base_url = f"{self.url}/api/trans/vip/translate"
        return translator

    def classify(self, exc: BaseException, ctx: transport.CallContext) -> EngineCallError:
        import json

        try:
            body = json.loads(ctx.last_body or b"{}")
        except ValueError:
            body = {}
        code = str(body.get("error_code", "")) if isinstance(body, dict) else ""
        if code:
            failure = self.ERROR_CODES.get(code, Failure.TRANSIENT)
            return EngineCallError(
                failure,
                N_("baidu: error {code}: {message}").format(code=code, message=body.get("error_msg", "")),
            )
        return super().classify(exc, ctx)


ENGINES: dict[str, type[OnlineEngine]] = {
    cls.name: cls for cls in (GoogleEngine, MicrosoftEngine, MyMemoryEngine, LibreEngine, BaiduEngine)
}
