"""The Trilingo server and the CLI as its client: the actor is the token's owner; the same roles, the same
answers and the same exit codes on both transports and both databases; bad tokens are one line each."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from tests.apiserver import mint, running_api
from tests.helpers import add_users, write_notice
from trilingo import config, identity
from trilingo.cli import cli
from trilingo.store.models import AuditEvent, Release, Translation
from trilingo.store.sessions import TrilingoSession
from trilingo.workspace import open_database

LAOS = "Hàng hoá xuất sang Lào phải khai báo với Hải quan."
HOURS = "Cửa khẩu mở cửa từ 7 giờ 30 đến 19 giờ 30 hằng ngày.\n\nNgày mùng 1 Tết cửa khẩu nghỉ."
PEOPLE = {"lan": "lo", "wei": "zh", "mei": "zh", "ed": None, "op": None}


class Office:
    """A workspace with a team, a Trilingo server on loopback, and each person's own token."""

    def __init__(self, db_url: str, url: str, tokens: dict[str, str]) -> None:
        self.db_url, self.url, self.tokens = db_url, url, tokens

    def run(
        self, who: str, *args: str, transport: str = "api", token: str | None = None
    ) -> tuple[int, str, str]:
        """A command as `who`: through the server with their token, or on this machine as their account."""
        env: dict[str, str | None]
        if transport == "api":
            env = {
                "TRILINGO_SERVER": self.url,
                "TRILINGO_TOKEN": token if token is not None else self.tokens[who],
            }
            result = CliRunner().invoke(cli, list(args), env=env)
        else:
            real = identity.os_account
            identity.os_account = lambda: who  # type: ignore[assignment]  # the account running it
            try:
                result = CliRunner().invoke(cli, list(args))
            finally:
                identity.os_account = real  # type: ignore[assignment]
        return result.exit_code, result.stdout, result.stderr

    def ok(self, who: str, *args: str, transport: str = "api") -> str:
        code, out, err = self.run(who, *args, transport=transport)
        assert code == 0, out + err
        return out

    def events(self, action: str | None = None) -> list[AuditEvent]:
        with TrilingoSession(open_database(self.db_url, "tester")) as s:
            query = select(AuditEvent).order_by(col(AuditEvent.id))
            if action:
                query = query.where(AuditEvent.action == action)
            return list(s.exec(query).all())


@pytest.fixture
def office(home: Path, db_url: str) -> Iterator[Office]:
    from trilingo.mt.offline import OfflineEngine
    from trilingo.pretranslate.jobs import draft_waiting

    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    for name, lang in PEOPLE.items():
        role = "reviewer" if lang else ("editor" if name == "ed" else "operator")
        add_users(name, role=role, langs=lang or "")
    tokens = {name: mint(name) for name in [*PEOPLE, "tester"]}
    folder = home.parent
    for slug, body, title in (("laos", LAOS, "Hải quan"), ("hours", HOURS, "Giờ mở cửa")):
        result = CliRunner().invoke(
            cli, ["submit", str(write_notice(folder, slug, body, title=title)), "--as", "ed"]
        )
        assert result.exit_code == 0, result.output
    draft_waiting(open_database(db_url, "tester"), {"lo": OfflineEngine(), "zh": OfflineEngine()}, "tester")
    with running_api(config.load()) as url:
        yield Office(db_url, url, tokens)


# (user, action, language) → allowed: the same table as test_review_team's, on both transports.
MATRIX = [
    ("lan", "edit", "lo", True),
    ("lan", "edit", "zh", False),
    ("wei", "edit", "zh", True),
    ("wei", "edit", "lo", False),
    ("ed", "edit", "zh", False),
    ("op", "edit", "lo", False),
    ("tester", "edit", "lo", True),
    ("lan", "comment", "zh", True),
    ("ed", "comment", "lo", True),
    ("op", "comment", "lo", False),
    ("ed", "reject", "zh", False),
    ("wei", "reject", "zh", True),
    ("lan", "reject", "zh", False),
    ("op", "reject", "zh", False),
    ("ed", "approve", "zh", False),
    ("op", "approve", "zh", False),
    ("lan", "approve", "zh", False),
    ("lan", "glossary-zh", "zh", False),
    ("wei", "glossary-zh", "zh", True),
    ("lan", "memory-zh", "zh", False),
    ("wei", "memory-zh", "zh", True),
    ("ed", "users", "-", False),
]

TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="vi" datatype="plaintext"/>
<body><tu><tuv xml:lang="vi"><seg>Hải quan</seg></tuv><tuv xml:lang="zh-CN"><seg>海关</seg></tuv></tu></body></tmx>
"""


def _attempt(
    office: Office, who: str, action: str, lang: str, transport: str, tmp: Path
) -> tuple[int, str, str]:
    if action == "edit":
        text = "ດ່ານເປີດ" if lang == "lo" else "口岸开放"
        args = ["review", "edit", "laos", "--lang", lang, "--segment", "1", "--text", text]
    elif action == "comment":
        args = ["review", "comment", "laos", "--lang", lang, "xem lại"]
    elif action == "reject":
        args = ["review", "reject", "laos", "--lang", lang, "--reason", "sai thuật ngữ"]
    elif action == "approve":
        args = ["review", "approve", "laos", "--lang", lang]
    elif action == "glossary-zh":
        args = ["glossary", "add", "laos", "--zh", "寮国", "--status", "forbidden"]
    elif action == "memory-zh":
        tmx = tmp / "zh.tmx"
        tmx.write_text(TMX, encoding="utf-8")
        args = ["tm", "import", str(tmx)]
    else:
        args = ["users", "add", "ed", "--role", "admin"]
    return office.run(who, *args, transport=transport)


@pytest.mark.parametrize("transport", ["local", "api"])
@pytest.mark.parametrize(("who", "action", "lang", "allowed"), MATRIX)
def test_the_role_matrix_holds_on_both_transports(
    office: Office, transport: str, who: str, action: str, lang: str, allowed: bool, tmp_path: Path
) -> None:
    before = len(office.events())
    code, _out, err = _attempt(office, who, action, lang, transport, tmp_path)
    if allowed:
        assert code == 0, err
        new = office.events()[before:]
        assert new and all(e.actor == who and e.via is None for e in new)
        return
    assert code == 1, err
    assert err.count("\n") == 1 and err.startswith("Error: "), err
    refused = office.events()[before:]
    assert [(e.actor, e.action) for e in refused] == [(who, "refused")]


def test_the_answers_are_the_json_contracts_of_the_local_commands(office: Office) -> None:
    for args in (
        ["review", "queue", "--json"],
        ["review", "show", "laos", "--lang", "zh", "--json"],
        ["review", "history", "laos", "--lang", "zh", "--json"],
        ["users", "list", "--json"],
        ["glossary", "lookup", "Cửa khẩu Quốc tế Tây Trang", "--json"],
        ["settings", "show", "--json"],
    ):
        local = json.loads(office.ok("wei", *args, transport="local"))
        remote = json.loads(office.ok("wei", *args))
        assert remote == local, args
    # An admin manages people through the server, as the token's owner.
    added = json.loads(
        office.ok("tester", "users", "add", "somchai", "--role", "reviewer", "--lang", "lo", "--json")
    )
    assert added == {
        "name": "somchai",
        "role": "reviewer",
        "langs": ["lo"],
        "disabled": False,
        "ui_lang": None,
    }
    assert office.events("user-add")[-1].actor == "tester"
    status = {"local": json.loads(office.ok("op", "status", "--json", transport="local"))}
    status["api"] = json.loads(office.ok("op", "status", "--json"))
    assert _timeless(status["api"]) == _timeless(status["local"])


def _timeless(data: Any) -> Any:
    """Status without what changes between two asks: ages in seconds, whether Prefect answered."""
    if isinstance(data, dict):
        return {k: _timeless(v) for k, v in data.items() if "seconds" not in k and k != "answering"}
    if isinstance(data, list):
        return [_timeless(v) for v in data]
    return data


def test_a_reviewer_works_an_item_through_the_server(office: Office, tmp_path: Path) -> None:
    claimed = json.loads(office.ok("wei", "review", "next", "--lang", "zh", "--json"))
    assert claimed["claimed_by"] == "wei"
    slug = claimed["slug"]
    for seg in claimed["segments"]:
        office.ok(
            "wei", "review", "edit", slug, "--lang", "zh", "--segment", str(seg["n"]), "--text", "海关口岸。"
        )
    code, _, err = office.run("wei", "review", "approve", slug, "--lang", "zh")
    assert code == 1 and "four-eyes rule: wei last changed" in err
    code, _, err = office.run("mei", "review", "approve", slug, "--lang", "zh")  # claimed by wei meanwhile
    assert code == 10 and f"{slug} [zh] is claimed by wei" in err
    office.ok("wei", "review", "next", "--lang", "zh")  # renews wei's own claim
    from trilingo.client import Login, RemoteTransport

    # `skip` in review next's screen: the claim goes back to the queue, through the same operation.
    RemoteTransport(Login(office.url, office.tokens["wei"]), env={}).call(
        "review.release", document=slug, lang="zh"
    )
    assert "approved" in office.ok(
        "mei", "review", "approve", slug, "--lang", "zh", "--accept-warnings", "--reason", "số liệu đúng"
    )
    po = tmp_path / "zh.po"
    office.ok("wei", "catalogs", "export", "--lang", "zh", "--state", "all", "-o", str(po))
    assert 'msgctxt "laos|v1|s1"' in po.read_text(encoding="utf-8")
    report = json.loads(office.ok("wei", "catalogs", "import", str(po), "--json"))
    assert report["file"] == "zh.po" and report["lang"] == "zh" and not report["refused"]


def test_as_is_refused_by_the_server_and_audited(office: Office) -> None:
    code, out, err = office.run(
        "lan", "review", "comment", "laos", "--lang", "lo", "xin chào", "--as", "tester"
    )
    assert (code, out) == (1, "")
    assert err == (
        "Error: --as is not accepted by a Trilingo server: it acts as the owner of your token (lan); ask "
        "tester to act with their own token\n"
    )
    refused = office.events("refused")[-1]
    assert (refused.actor, refused.detail["attempted"], refused.detail["as_user"]) == (
        "lan",
        "act-as",
        "tester",
    )
    assert not [e for e in office.events("comment") if e.actor in ("lan", "tester")]


def _status(office: Office, token: str, *args: str) -> tuple[int, str, str]:
    return office.run("?", *(args or ("review", "queue")), token=token)


def test_bad_tokens_are_one_line_and_change_nothing(office: Office, caplog: pytest.LogCaptureFixture) -> None:
    before = len(office.events())
    lan = office.tokens["lan"]
    wrong = lan[:-4] + ("AAAA" if not lan.endswith("AAAA") else "BBBB")  # lan's prefix, another secret
    cases = {
        "missing": ("", "no token was given"),
        "malformed": ("hello", "the token is malformed"),
        "unknown": ("trl_aaaaaaaaaa_" + "A" * 43, "no such token"),
        "wrong": (wrong, "the token is wrong"),
    }
    with caplog.at_level(logging.WARNING, logger="trilingo.api"):
        for token, reason in cases.values():
            code, out, err = _status(office, token, "review", "comment", "laos", "--lang", "lo", "x")
            assert (code, out) == (2, "")
            assert err == (
                f"Error: not authenticated: {reason}; `trilingo login URL` with a token from your admin "
                "(`trilingo users token NAME`)\n"
            )
    assert len(office.events()) == before
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged.count("authentication failed") == 4
    assert lan[15:] not in logged and wrong[15:] not in logged  # never the secret part
    assert lan[4:14] in logged  # the prefix names which token


def test_another_users_token_acts_as_that_user_only(office: Office) -> None:
    assert json.loads(office.ok("wei", "whoami", "--json"))["name"] == "wei"
    # A token proves its owner, whatever name the command line gives.
    code, _, err = office.run("wei", "whoami", "--as", "lan")
    assert code == 1 and "acts as the owner of your token (wei)" in err


def test_revoked_expired_and_disabled_tokens_stop_at_once(office: Office) -> None:
    from sqlalchemy import update

    from trilingo.store.tables import apitoken

    spare = mint("lan", "--name", "spare laptop")
    prefix = spare.split("_")[1]
    assert office.run("lan", "whoami", token=spare)[0] == 0
    listed = json.loads(office.ok("lan", "users", "tokens", "--json"))
    assert {t["prefix"] for t in listed} >= {prefix} and all(t["user"] == "lan" for t in listed)
    assert "spare laptop" in office.ok("tester", "users", "tokens")
    office.ok("lan", "users", "revoke", prefix)  # its owner may revoke it
    code, _, err = office.run("lan", "whoami", token=spare)
    assert (code, err.splitlines()[0][:43]) == (2, "Error: not authenticated: the token was rev")
    assert office.events("token-revoke")[-1].detail == {"user": "lan", "prefix": prefix}
    # Expired: moved into the past in the database itself.
    other = mint("mei", "--expires", "1h")
    with open_database(office.db_url, "tester").begin() as conn:
        conn.execute(
            update(apitoken)
            .where(apitoken.c.prefix == other.split("_")[1])
            .values(expires_at=apitoken.c.created_at)
        )
    code, _, err = office.run("mei", "whoami", token=other)
    assert (code, "the token was expired" in err) == (2, True)
    # A disabled user's tokens stop at once, and work again when enabled.
    office.ok("tester", "users", "disable", "wei")
    code, _, err = office.run("wei", "whoami")
    assert (code, "wei is disabled" in err) == (2, True)
    office.ok("tester", "users", "disable", "wei", "--enable")
    assert office.run("wei", "whoami")[0] == 0
    # Only an admin makes tokens; a reviewer cannot make one for himself or anyone.
    code, _, err = office.run("lan", "users", "token", "lan")
    assert (code, err) == (1, "Error: lan is a reviewer, who may not manage users\n")


def test_eleven_failures_a_minute_get_429_with_retry_after(office: Office) -> None:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(office.url)
    statuses, retry = [], None
    for _ in range(11):
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=10)
        conn.request("GET", "/api/v1/whoami", headers={"Authorization": "Bearer trl_nope"})
        response = conn.getresponse()
        statuses.append(response.status)
        retry = response.getheader("Retry-After")
        response.read()
        conn.close()
    assert statuses == [401] * 10 + [429]
    assert retry is not None and 1 <= int(retry) <= 60
    code, out, err = office.run("lan", "whoami")  # this client, even with a good token, waits now
    assert (code, out) == (10, "")
    assert err.startswith("Error: too many failed authentications; try again in ")


def test_four_reviewers_through_the_server_lose_nothing_and_approve_once(office: Office) -> None:
    """Two Lao and two Chinese reviewers at once, each looping: claim, edit every segment, give it back,
    and the other reviewer of the language approves. Each works through the client
    library (the CLI's transport; CliRunner swaps the process's streams, so it cannot run in threads)."""
    from trilingo.client import Login, RemoteTransport, ServerError

    add_users("lan2", langs="lo")
    office.tokens["lan2"] = mint("lan2")
    pairs = {"lan": "lan2", "lan2": "lan", "wei": "mei", "mei": "wei"}
    client = {me: RemoteTransport(Login(office.url, office.tokens[me]), env={}) for me in pairs}
    errors: list[str] = []
    done: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()

    def attempt(me: str, op: str, **params: Any) -> Any:
        try:
            answer = client[me].call(op, **params)
        except ServerError as exc:
            if exc.exit_status not in (1, 10):  # refused, or somebody else was quicker
                errors.append(f"{me} {op}: {exc.message}")
            return None
        if op in ("review.edit", "review.approve"):
            with lock:
                done[(me, op.split(".")[1])] += 1
        return answer

    def work(me: str) -> None:
        lang = "lo" if me.startswith("lan") else "zh"
        text = "ຂໍ້ຄວາມ 7 30 19 30 1" if lang == "lo" else "译文 7 30 19 30 1"
        for _ in range(6):
            item = attempt(me, "review.next", lang=lang)
            if item is None:
                return
            for seg in item["segments"]:
                attempt(me, "review.edit", document=item["slug"], lang=lang, segment=seg["n"], text=text)
            attempt(me, "review.release", document=item["slug"], lang=lang)  # for the other one to approve
            attempt(pairs[me], "review.approve", document=item["slug"], lang=lang, accept_warnings="ok")

    threads = [threading.Thread(target=work, args=(me,)) for me in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[:3]
    events = office.events()
    logged = Counter((e.actor, e.action) for e in events if e.action in ("edit", "approve"))
    assert logged == +done
    assert sum(n for (_, a), n in done.items() if a == "approve") >= 2
    with TrilingoSession(open_database(office.db_url, "tester")) as s:
        releases = s.exec(select(Release).where(col(Release.lang) != "vi")).all()
        approvals = [e for e in events if e.action == "approve"]
        assert sorted(e.detail["release"] for e in approvals) == sorted(r.id or 0 for r in releases)
        last_edit = {(e.segment_id, e.lang): e.new for e in events if e.action == "edit"}
        rows = s.exec(select(Translation.segment_id, Translation.lang, Translation.target)).all()
        assert {(seg, lang): t for seg, lang, t in rows if (seg, lang) in last_edit} == last_edit


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself, as an office CA would issue one for its server."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "trilingo.test")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "server.crt", folder / "server.key"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return certfile, keyfile


@pytest.mark.usefixtures("home")
def test_tls_is_verified_against_trilingo_ca_bundle(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    token = mint("tester")
    certfile, keyfile = _self_signed(tmp_path)
    with running_api(config.load(), certfile=str(certfile), keyfile=str(keyfile)) as url:
        assert url.startswith("https://")
        env = {"TRILINGO_SERVER": url, "TRILINGO_TOKEN": token}
        untrusted = CliRunner().invoke(cli, ["whoami"], env=env)
        assert untrusted.exit_code == 2
        assert untrusted.stderr.startswith(
            f"Error: the Trilingo server at {url} has a certificate this machine does not trust ("
        )
        assert untrusted.stderr.endswith("; set TRILINGO_CA_BUNDLE to the office's CA certificate\n")
        trusted = CliRunner().invoke(cli, ["whoami"], env={**env, "TRILINGO_CA_BUNDLE": str(certfile)})
        assert trusted.exit_code == 0, trusted.output
        assert trusted.stdout == f"tester: admin, on {url}\n"


@pytest.mark.usefixtures("home")
def test_login_saves_a_file_only_its_owner_reads_and_logout_forgets_it() -> None:
    import stat

    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    token = mint("tester")
    with running_api(config.load()) as url:
        refused = CliRunner().invoke(cli, ["login", url], input="trl_wrong\n")
        assert refused.exit_code == 2 and "not authenticated: the token is malformed" in refused.stderr
        done = CliRunner().invoke(cli, ["login", url], input=token + "\n")
        assert done.exit_code == 0, done.output
        saved = Path(os.environ["XDG_CONFIG_HOME"]) / "trilingo" / "login.json"
        assert done.stdout == f"Logged in to {url} as tester (admin); saved in {saved}.\n"
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600 and token in saved.read_text()
        # Without TRILINGO_HOME or TRILINGO_DATABASE_URL, commands now go to the server.
        env = {"TRILINGO_HOME": None, "TRILINGO_DATABASE_URL": None}
        assert CliRunner().invoke(cli, ["whoami"], env=env).stdout == f"tester: admin, on {url}\n"
        pipeline = CliRunner().invoke(cli, ["publish"], env=env)
        assert pipeline.exit_code == 2 and "runs on the Trilingo server's own machine" in pipeline.stderr
        assert CliRunner().invoke(cli, ["logout"]).stdout == f"Logged out (removed {saved}).\n"
        assert not saved.exists()


def _lao(msgid: str) -> str:
    import polib

    from trilingo import i18n

    [entry] = [e for e in polib.pofile(str(i18n.po_path("lo"))) if e.msgid == msgid]
    assert entry.msgstr, msgid
    return str(entry.msgstr)


@pytest.mark.parametrize("transport", ["local", "api"])
def test_a_reviewers_own_interface_language_needs_no_flag(office: Office, transport: str) -> None:
    from trilingo import i18n

    said = office.ok("lan", "users", "set", "--ui-lang", "lo", "--json", transport=transport)
    assert json.loads(said)["ui_lang"] == "lo"
    where = _lao("on this machine") if transport == "local" else _lao("on {server}").format(server=office.url)
    lao = _lao("{who}: {role} for {langs}, {where}").format(
        who="lan", role=_lao("reviewer"), langs="lo", where=where
    )
    i18n.use("en", i18n.DEFAULT)  # a new command: no flag, no variable, no locale
    assert office.ok("lan", "whoami", transport=transport) == lao + "\n"
    i18n.use("en", i18n.VARIABLE)  # TRILINGO_UI_LANG=en wins over the person's own setting
    assert office.ok("lan", "whoami", transport=transport).startswith("lan: reviewer for lo, on ")
    # Someone else's setting is an admin's to change, and the refusal is audited.
    code, _, err = office.run("wei", "users", "set", "lan", "--ui-lang", "zh", transport=transport)
    assert code == 1 and err.startswith("Error: ") and len(err.strip().splitlines()) == 1
    i18n.use("en", i18n.DEFAULT)
    office.ok("tester", "users", "set", "lan", "--ui-lang", "auto", transport=transport)
    assert office.ok("lan", "whoami", transport=transport).startswith("lan: reviewer for lo, on ")
    assert [e.detail["ui_lang"] for e in office.events("user-ui-lang")] == ["lo", None]
