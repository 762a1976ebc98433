"""The office the staff guides are written for, made on a fresh workspace, and the guides run in it.

`python -m trilingo.guides_office [--write]` runs every command of every guide, each as the guide's
reader, and with --write puts what each command printed into the guide (trilingo.guides.filled) and
remakes the pictures of pages in docs/guides/img with Chromium, when it is installed. tests/test_guides.py
runs the same, without writing, and fails when a command fails that should not, or a refusal does not.

The office: its admin (the account that runs this), the starter memory, the editor `thu`, the reviewers `lan` (of the
first target language, Lao) and `wei` (the second, Chinese) and the operator `hung`; the shipped sample notices, submitted by `thu` and
pretranslated offline with the starter memory. The reader of a guide is the person of its role.
A developer's tool: the guides' readers never run it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trilingo import guides

# The people of the office, and the language each reviewer reviews (the registry's targets, in order).
PEOPLE = [("thu", "editor", 0), ("lan", "reviewer", 1), ("wei", "reviewer", 2), ("hung", "operator", 0)]


def _langs(index: int) -> str:
    from trilingo.languages import TARGETS

    return TARGETS[index - 1] if index else ""


def reader(role: str, lang: str) -> str:
    """The person a guide is written for: a reviewer of the guide's language, or the first one."""
    people = [(name, _langs(i)) for name, r, i in PEOPLE if r == role]
    return next((name for name, langs in people if langs == lang), people[0][0])


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    """The commands run as `name`'s own operating-system account would run them."""
    from trilingo import identity

    real = identity.os_account
    identity.os_account = lambda: name  # type: ignore[assignment]
    try:
        yield
    finally:
        identity.os_account = real  # type: ignore[assignment]


def invoke_as(name: str, ui_lang: str) -> guides.Invoke:
    from click.testing import CliRunner

    from trilingo import i18n
    from trilingo.cli import cli

    def invoke(argv: list[str]) -> tuple[int, str, str]:
        i18n.use(ui_lang)
        with acting_as(name):
            result = CliRunner().invoke(cli, argv, prog_name="trilingo")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout, result.stderr

    return invoke


def make_office(admin: str) -> None:
    """The people and the pretranslated samples, in the workspace of the current environment."""
    from importlib import resources

    from trilingo.mt.offline import OfflineEngine
    from trilingo.pretranslate.jobs import draft_waiting
    from trilingo.workspace import open_database

    admin_invoke = invoke_as(admin, "en")
    people = [["users", "add", n, "--role", r, *(["--lang", _langs(i)] if i else [])] for n, r, i in PEOPLE]
    for args in (["init"], *people):
        code, out, err = admin_invoke(args)
        if code != 0:
            raise RuntimeError(f"trilingo {' '.join(args)}: {out}{err}")
    samples = Path(str(resources.files("trilingo.data"))) / "samples"
    code, out, err = invoke_as("thu", "en")(["submit", *map(str, sorted(samples.glob("*.md")))])
    if code != 0:
        raise RuntimeError(f"trilingo submit: {out}{err}")
    url = os.environ["TRILINGO_DATABASE_URL"]
    from trilingo.languages import TARGETS
    from trilingo.store.sessions import TrilingoSession
    from trilingo.tm.memory import load_starter

    db = open_database(url, admin)
    with TrilingoSession(db) as session:  # the starter memory, as `trilingo demo` loads it
        load_starter(session, admin)
        session.commit()
    draft_waiting(db, {lang: OfflineEngine() for lang in TARGETS}, admin)


def run_guide(role: str, lang: str, folder: Path, admin: str) -> tuple[str, list[guides.Ran]]:
    """A fresh office (in the workspace TRILINGO_HOME and TRILINGO_DATABASE_URL name), and the guide's
    commands run as its reader in `folder`, where its files are written."""
    folder.mkdir(parents=True, exist_ok=True)
    make_office(admin)
    text = guides.guide_path(role, lang).read_text(encoding="utf-8")
    here = os.getcwd()
    os.chdir(folder)
    try:
        return text, guides.run(text, folder, invoke_as(reader(role, lang), lang))
    finally:
        os.chdir(here)


def screenshot(page: Path, out: Path, width: int = 1000, height: int = 800) -> bool:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return False
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--window-size={width},{height}",
            f"--screenshot={out}",
            page.as_uri(),
        ],
        capture_output=True,
        check=False,
        timeout=120,
    )
    return out.is_file()


def main(argv: list[str]) -> int:
    from trilingo.identity import os_account
    from trilingo.languages import SOURCE

    admin = os_account()
    failed = 0
    for lang, roles in guides.available().items():
        for role in roles:
            with tempfile.TemporaryDirectory(prefix=f"guide-{lang}-{role}-") as tmp:
                os.environ["TRILINGO_HOME"] = str(Path(tmp) / ".trilingo")
                os.environ["TRILINGO_DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'trilingo.db'}"
                text, ran = run_guide(role, lang, Path(tmp), admin)
                for r in ran:
                    bad = (r.code == 0) == r.step.expect_error
                    failed += bad
                    mark = "FAILED" if bad else "ok"
                    print(f"{lang}/{role}: {mark} {r.step.line} (exit {r.code})")
                    if bad:
                        print(r.out + r.err)
                if "--write" in argv:
                    guides.guide_path(role, lang).write_text(
                        guides.filled(text, ran, Path(tmp)), encoding="utf-8"
                    )
                    if role == "editor":
                        img = guides.guides_dir() / "img"
                        img.mkdir(exist_ok=True)
                        page = Path(tmp) / ".trilingo" / "public" / "web" / SOURCE / "index.html"
                        if page.is_file():
                            screenshot(page, img / f"{lang}-site.png")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
