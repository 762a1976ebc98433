"""One XML safety rule for every importer (trilingo.text.xmlsafe): a DOCTYPE that names an external DTD is
accepted and the DTD never read; internal subsets, entity declarations and entity references are refused,
with the same line-numbered message from the TBX and the TMX importer, and from the CLI nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from trilingo.cli import cli
from trilingo.errors import InputError
from trilingo.glossary.store import read_file
from trilingo.text.xmlsafe import RULE
from trilingo.tm.tmx import read_tmx

# The same six lines around a hostile prolog and a hostile term: line 2 is the DOCTYPE, line 6 the text.
TBX = """<?xml version="1.0" encoding="UTF-8"?>
{doctype}
<martif type="TBX">
<text><body>
<termEntry id="passport"><langSet xml:lang="vi"><tig>
<term{attr}>hộ chiếu{ref}</term>
</tig></langSet><langSet xml:lang="lo"><tig><term>ໜັງສືຜ່ານແດນ</term></tig></langSet></termEntry>
</body></text>
</martif>
"""
TMX = """<?xml version="1.0" encoding="UTF-8"?>
{doctype}
<tmx version="1.4">
<header srclang="vi"/><body>
<tu><tuv xml:lang="vi">
<seg{attr}>hộ chiếu{ref}</seg>
</tuv><tuv xml:lang="lo"><seg>ໜັງສືຜ່ານແດນ</seg></tuv></tu>
</body>
</tmx>
"""


def _tbx_text(path: Path) -> str:
    [concept] = read_file(path).concepts
    return next(t.text for t in concept.terms if t.lang == "vi")


def _tmx_text(path: Path) -> str:
    return read_tmx(path).pairs[0].source


READERS: dict[str, tuple[str, str, Callable[[Path], str]]] = {
    "tbx": (TBX, "martif", _tbx_text),
    "tmx": (TMX, "tmx", _tmx_text),
}


def _write(tmp_path: Path, kind: str, doctype: str, ref: str = "", attr: str = "") -> Path:
    template, root, _ = READERS[kind]
    path = tmp_path / f"hostile.{kind}"
    path.write_text(template.format(doctype=doctype.format(root=root), ref=ref, attr=attr), encoding="utf-8")
    return path


@pytest.fixture
def dtd(tmp_path: Path) -> Path:
    """A DTD that would break the parse, and define &secret;, if anything ever read it."""
    path = tmp_path / "evil.dtd"
    path.write_text('<!ENTITY secret "read the DTD">\n<!ELEMENT broken (', encoding="utf-8")
    return path


ACCEPTED = [
    '<!DOCTYPE {root} PUBLIC "ISO 12200:1999A//DTD MARTIF core (DXFcdV04)//EN" "TBXcdv04.dtd">',
    '<!DOCTYPE {root} SYSTEM "tmx14.dtd">',
    '<!DOCTYPE {root} SYSTEM "http://dtd.example.invalid/tmx14.dtd">',  # a fetch would fail the test
    "<!DOCTYPE {root}>",
    "<!-- no DOCTYPE at all -->",
]


@pytest.mark.parametrize("kind", sorted(READERS))
@pytest.mark.parametrize("doctype", ACCEPTED)
def test_a_doctype_naming_an_external_dtd_is_accepted(tmp_path: Path, kind: str, doctype: str) -> None:
    path = _write(tmp_path, kind, doctype, ref=" &amp; &#x41;&lt;")
    assert READERS[kind][2](path) == "hộ chiếu & A<"


@pytest.mark.parametrize("kind", sorted(READERS))
def test_the_external_dtd_is_never_read(tmp_path: Path, kind: str, dtd: Path) -> None:
    path = _write(tmp_path, kind, f'<!DOCTYPE {{root}} SYSTEM "{dtd.as_uri()}">')
    assert READERS[kind][2](path) == "hộ chiếu"  # the DTD's syntax error never came up
    path = _write(tmp_path, kind, f'<!DOCTYPE {{root}} SYSTEM "{dtd}">', ref="&secret;")
    with pytest.raises(InputError) as exc:
        READERS[kind][2](path)
    assert exc.value.message == f"{path}: line 6: the entity reference &secret; is not accepted ({RULE})"


INTERNAL = f"line 2: a DOCTYPE with an internal subset is not accepted ({RULE})"
REFUSED = [
    ("empty internal subset", "<!DOCTYPE {root} []>", "", "", INTERNAL),
    ("element declaration", "<!DOCTYPE {root} [<!ELEMENT {root} ANY>]>", "", "", INTERNAL),
    (
        "entity bomb",
        '<!DOCTYPE {root} [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        "&b;",
        "",
        INTERNAL,
    ),
    ("internal entity", '<!DOCTYPE {root} SYSTEM "x.dtd" [<!ENTITY t "thị thực">]>', "&t;", "", INTERNAL),
    (
        "external entity",
        '<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        "&xxe;",
        "",
        INTERNAL,
    ),
    (
        "parameter entity",
        '<!DOCTYPE {root} [<!ENTITY % p SYSTEM "http://dtd.example.invalid/p.dtd"> %p;]>',
        "",
        "",
        INTERNAL,
    ),
    (
        "reference to an entity of the external DTD",
        '<!DOCTYPE {root} SYSTEM "tmx14.dtd">',
        "&nbsp;",
        "",
        f"line 6: the entity reference &nbsp; is not accepted ({RULE})",
    ),
    (
        "reference in an attribute",  # expat drops these without a word: found by the check afterwards
        '<!DOCTYPE {root} PUBLIC "-//x//EN" "x.dtd">',
        "",
        ' id="a&xxe;b"',
        f"line 6: the entity reference &xxe; is not accepted ({RULE})",
    ),
    (
        "undeclared entity without a DTD",
        "<!-- none -->",
        "&xxe;",
        "",
        "line 6: not well-formed XML (undefined entity)",
    ),
]


@pytest.mark.parametrize(
    ("doctype", "ref", "attr", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_internal_subsets_and_entities_are_refused_alike_by_both_importers(
    tmp_path: Path, doctype: str, ref: str, attr: str, message: str
) -> None:
    messages = {}
    for kind, (_, _, read) in READERS.items():
        path = _write(tmp_path, kind, doctype, ref, attr)
        with pytest.raises(InputError) as exc:
            read(path)
        messages[kind] = exc.value.message.replace(str(path), "FILE")
    assert messages == {"tbx": f"FILE: {message}", "tmx": f"FILE: {message}"}


def test_refusal_names_the_line_of_the_reference_in_a_long_file(tmp_path: Path) -> None:
    path = tmp_path / "g.tbx"
    entries = "".join(
        f'<termEntry id="c{i}">\n<langSet xml:lang="vi"><tig><term>t{i}</term></tig></langSet>\n</termEntry>\n'
        for i in range(100)
    )
    path.write_text(
        '<!DOCTYPE martif SYSTEM "TBXcdv04.dtd">\n<martif type="TBX"><text><body>\n'
        f"{entries}<termEntry id='x'><note a='&x;'/>\n</termEntry></body></text></martif>",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r": line 303: the entity reference &x; is not accepted"):
        read_file(path)


@pytest.mark.parametrize("kind", sorted(READERS))
@pytest.mark.usefixtures("home")
def test_cli_prints_one_error_line_and_changes_nothing(tmp_path: Path, kind: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["init"]).exit_code == 0
    group = "glossary" if kind == "tbx" else "tm"

    def exported() -> bytes:
        out = tmp_path / f"export.{kind}"
        args = (
            ["glossary", "export", "--format", "tbx", "-o", str(out)]
            if kind == "tbx"
            else ["tm", "export", str(out)]
        )
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        return out.read_bytes()

    before = exported()
    for doctype, ref, attr, message in [r[1:] for r in REFUSED]:
        path = _write(tmp_path, kind, doctype, ref, attr)
        result = runner.invoke(cli, [group, "import", str(path)])
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {path}: {message}\n")
    assert exported() == before
    accepted = _write(tmp_path, kind, ACCEPTED[0])
    result = runner.invoke(cli, [group, "import", str(accepted)])
    assert result.exit_code == 0, result.output
    assert exported() != before
