"""Our TBX v3 export checked by the standard's own schemas: LTAC's TBX-Basic 1.2.1, whose RNG (the TBX core
structure) lxml runs, and whose Schematron (the dialect's data categories: XSLT 2) Saxon runs, compiled by
SchXslt. Both are vendored in tests/data/tbx-basic (see its README): no network.

The checker is shown to work, not only to pass: it flags the `descrip type="reliabilityCode"` our older
exporter wrote (issue 26), and a hand-made file with one such descrip put back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from saxonche import PySaxonProcessor

from trilingo.cli import cli
from trilingo.glossary.csvio import read_csv, write_csv
from trilingo.glossary.entries import ConceptData, TermData
from trilingo.glossary.store import starter_path
from trilingo.glossary.tbx import NAMESPACE, TBX_BASIC_RNG, TBX_BASIC_SCH, read_tbx, write_tbx, write_tbx2

SCHEMAS = Path(__file__).parent / "data" / "tbx-basic"
GLOSSARY = Path(__file__).parent / "data" / "glossary"
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
NOT_BASIC = "Permitted type value(s): subjectField, context, definition"


class Checker:
    """LTAC's two schemas for TBX-Basic: RNG errors and Schematron failed assertions of a file's text."""

    def __init__(self, proc: Any) -> None:
        self.proc = proc
        self.rng = etree.RelaxNG(etree.parse(str(SCHEMAS / "TBXcoreStructV03.rng")))
        xslt = proc.new_xslt30_processor()
        compiler = xslt.compile_stylesheet(
            stylesheet_file=str(SCHEMAS / "schxslt" / "2.0" / "pipeline-for-svrl.xsl")
        )
        compiled = compiler.transform_to_string(source_file=str(SCHEMAS / "TBX-Basic_DCA.sch"))
        self.schematron = xslt.compile_stylesheet(stylesheet_text=compiled)

    def rng_errors(self, text: str) -> list[str]:
        doc = etree.fromstring(text.encode())
        return [] if self.rng.validate(doc) else [e.message for e in self.rng.error_log]

    def report(self, text: str) -> etree._Element:
        svrl = self.schematron.transform_to_string(xdm_node=self.proc.parse_xml(xml_text=text))
        return etree.fromstring(svrl.encode())

    def failures(self, text: str) -> list[str]:
        return [
            f.findtext("svrl:text", namespaces=SVRL).strip()
            for f in self.report(text).iterfind(".//svrl:failed-assert", SVRL)
        ]


@pytest.fixture(scope="module")
def checker() -> Iterator[Checker]:
    with PySaxonProcessor(license=False) as proc:
        yield Checker(proc)


def _export(csv_path: Path) -> str:
    return write_tbx(read_csv(csv_path))


@pytest.mark.parametrize("csv_path", [starter_path(), GLOSSARY / "rich.csv"], ids=["starter", "rich"])
def test_our_tbx3_export_is_valid_tbx_basic(checker: Checker, csv_path: Path) -> None:
    text = _export(csv_path)
    assert checker.rng_errors(text) == []
    assert checker.failures(text) == []
    # The Schematron looked at every data category, the type attributes included (the ISO skeleton of
    # 2010 never visits attributes, so it would pass the old file too: see tests/data/tbx-basic/README.md).
    fired = [r.get("context") for r in checker.report(text).iterfind(".//svrl:fired-rule", SVRL)]
    doc = etree.fromstring(text.encode())
    descrips = doc.findall(f".//{{{NAMESPACE}}}descrip")
    assert fired.count("tbx:descrip/@type") == len(descrips)
    assert fired.count("tbx:termNote/@type") == len(doc.findall(f".//{{{NAMESPACE}}}termNote")) > 0


@pytest.mark.usefixtures("solo")
def test_the_cli_export_declares_tbx_basic_with_its_schemas(checker: Checker) -> None:
    result = CliRunner().invoke(cli, ["glossary", "export", "--format", "tbx"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert checker.rng_errors(text) == [] and checker.failures(text) == []
    root = etree.fromstring(text.encode())
    assert (root.get("type"), root.get("style")) == ("TBX-Basic", "dca")
    pis: list[Any] = []
    node = root.getprevious()
    while node is not None:
        pis.insert(0, node)
        node = node.getprevious()
    models = [dict(re.findall(r'(\w+)="([^"]*)"', pi.text)) for pi in pis if pi.target == "xml-model"]
    assert models == [
        {
            "href": TBX_BASIC_RNG,
            "type": "application/xml",
            "schematypens": "http://relaxng.org/ns/structure/1.0",
        },
        {
            "href": TBX_BASIC_SCH,
            "type": "application/xml",
            "schematypens": "http://purl.oclc.org/dsdl/schematron",
        },
    ]


def test_the_checker_flags_what_the_old_exporter_wrote(checker: Checker) -> None:
    old = (GLOSSARY / "rich-old-exporter.tbx").read_text(encoding="utf-8")
    concepts = old.count("<conceptEntry ")
    assert checker.rng_errors(old) == []  # structurally fine: the dialect is what it broke
    assert checker.failures(old) == [NOT_BASIC] * concepts


def test_the_checker_flags_one_reliability_descrip_put_back(checker: Checker) -> None:
    text = _export(GLOSSARY / "rich.csv")
    bad = text.replace("<note>reliabilityCode: 6</note>", '<descrip type="reliabilityCode">6</descrip>', 1)
    assert bad != text
    assert checker.failures(bad) == [NOT_BASIC]
    # ... and a module's category, or a bad picklist value, is flagged too: the check is not that one string.
    other = text.replace("preferredTerm-admn-sts", "bestTerm-admn-sts", 1)
    assert checker.failures(other) == [
        "/administrativeStatus/ type may be: 'admittedTerm-admn-sts' or 'deprecatedTerm-admn-sts' or "
        "'supersededTerm-admn-sts' or 'preferredTerm-admn-sts'"
    ]


def test_the_rng_flags_a_broken_structure(checker: Checker) -> None:
    text = _export(GLOSSARY / "rich.csv")
    bad = text.replace('<conceptEntry id="laos">', '<conceptEntry id="2laos">', 1)  # an ID is an NCName
    assert bad != text
    assert checker.rng_errors(bad)
    no_term = text.replace("<term>cửa khẩu</term>", "", 1)  # a termSec needs its term
    assert no_term != text
    assert checker.rng_errors(no_term)


def test_old_exporter_files_read_back_the_same() -> None:
    """A v3 file written before the reliability code moved to a note still imports every field."""
    old, _ = read_tbx(GLOSSARY / "rich-old-exporter.tbx")
    new, _ = read_tbx(GLOSSARY / "rich.tbx")
    assert [c.snapshot() for c in old] == [c.snapshot() for c in new]
    assert {c.confidence for c in new} == {"high", "medium", "low"}  # the comparison covered each code
    assert write_csv(old).encode() == (GLOSSARY / "rich.csv").read_bytes()
    assert write_tbx(old).encode() == (GLOSSARY / "rich.tbx").read_bytes()


def test_a_concept_id_starting_with_a_digit_is_a_valid_v3_id_and_reads_back(
    checker: Checker, tmp_path: Path
) -> None:
    """v3's conceptEntry id is an XML ID, which may not start with a digit; our concept ids may."""
    concepts = [
        ConceptData("110-hotline", "agency", "high", "", [TermData("vi", "đường dây nóng 110", "preferred")])
    ]
    text = write_tbx(concepts)
    assert '<conceptEntry id="_110-hotline">' in text
    assert checker.rng_errors(text) == [] and checker.failures(text) == []
    path = tmp_path / "g.tbx"
    path.write_text(text, encoding="utf-8")
    assert [c.snapshot() for c in read_tbx(path)[0]] == [c.snapshot() for c in concepts]
    assert '<termEntry id="110-hotline">' in write_tbx2(concepts)  # v2 has no such rule: the id as it is
