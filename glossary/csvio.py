"""The glossary as CSV: the columns of the shipped border-glossary.csv, one status per row.

The columns are the concept, one term column per language of the registry (named by its code, the
source's first), then status, domain, confidence and note. A target language's column may be missing
(a file from before that language was added): the file has no terms in it.

A concept may take several rows (an admitted variant, a superseded or forbidden term); its domain,
confidence and note repeat on each. Written rows are canonical: concepts in order, then rows by
status (preferred, admitted, superseded, forbidden), one term per language per row.

Spreadsheets run a cell that starts with =, +, - or @ as a formula (CSV injection). Written cells
that start so get a leading apostrophe, as OWASP advises, and reading drops it again; a file that
carries such cells unquoted is read as text, with a warning.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from trilingo.glossary.entries import (
    LANGS,
    STATUSES,
    ConceptData,
    TermData,
    add_term,
    check_concept_id,
    check_confidence,
    check_fields,
    check_status,
)
from trilingo.glossary.errors import MalformedFile
from trilingo.glossary.files import read_text
from trilingo.i18n import N_
from trilingo.languages import TARGETS
from trilingo.text.files import Source

# One term column per language, named by its code, in the registry's order (the source first).
COLUMNS = ("concept", *LANGS, "status", "domain", "confidence", "note")
FORMULA_START = ("=", "+", "-", "@")


def neutral(cell: str) -> str:
    """A cell a spreadsheet will show as text."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _unquote(cell: str, column: str, where: str, warnings: list[str] | None) -> str:
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START):
        return cell[1:]  # our own (or a spreadsheet's) text marker
    if cell.startswith(FORMULA_START) and warnings is not None:
        warnings.append(
            N_(
                "{where}: {column} {cell!r} starts with {first!r}, which a spreadsheet runs as a formula; "
                "kept as text, and exported with a leading apostrophe"
            ).format(where=where, column=column, cell=cell[:30], first=cell[0])
        )
    return cell


def read_csv(path: Source, warnings: list[str] | None = None) -> list[ConceptData]:
    """Parse a glossary CSV; any problem raises MalformedFile naming the file and line.

    Cells that look like spreadsheet formulas are kept as text and noted in `warnings`."""
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    concepts: dict[str, tuple[ConceptData, int]] = {}
    header: list[str] | None = None
    line = 1
    try:
        for row in reader:
            start, where = line, f"{path}: line {line}"
            line = reader.line_num + 1  # the next record starts after this one's last physical line
            if header is None:
                header = _check_header(row, where)
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise MalformedFile(
                    N_("{where}: expected {expected} fields, found {found}").format(
                        where=where, expected=len(header), found=len(row)
                    )
                )
            cells = {
                name: _unquote(cell.strip(), name, where, warnings)
                for name, cell in zip(header, row, strict=True)
            }
            _add_row(concepts, cells, where, start)
    except csv.Error as exc:
        raise MalformedFile(
            N_("{path}: line {line}: bad CSV ({reason})").format(path=path, line=reader.line_num, reason=exc)
        ) from None
    if header is None:
        raise MalformedFile(N_("{path}: line 1: empty file").format(path=path))
    return [c for c, _ in concepts.values()]


def _check_header(row: list[str], where: str) -> list[str]:
    names = [c.strip() for c in row]
    # A target language's column may be absent: a file written before that language was added to the
    # registry (the shipped glossary, an older export) has no terms in it, and is read as such.
    missing = [c for c in COLUMNS if c not in names and c not in TARGETS]
    if missing:
        raise MalformedFile(
            N_("{where}: missing column(s): {columns}").format(where=where, columns=", ".join(missing))
        )
    unknown = [c for c in names if c not in COLUMNS]
    if unknown:
        raise MalformedFile(
            N_("{where}: unknown column {column!r} (expected: {expected})").format(
                where=where, column=unknown[0], expected=",".join(COLUMNS)
            )
        )
    if len(set(names)) != len(names):
        raise MalformedFile(N_("{where}: a column appears twice").format(where=where))
    return names


def _add_row(
    concepts: dict[str, tuple[ConceptData, int]], row: dict[str, str], where: str, line: int
) -> None:
    cid = check_concept_id(row["concept"], where)
    status = check_status(row["status"], where)
    fields = {
        "domain": row["domain"].strip(),
        "confidence": check_confidence(row["confidence"], where),
        "note": row["note"].strip(),
    }
    if cid in concepts:
        concept, first = concepts[cid]
        for name, value in fields.items():
            if getattr(concept, name) != value:
                raise MalformedFile(
                    N_(
                        "{where}: concept {concept!r} has {name} {value!r} here but {before!r} on line {first}"
                    ).format(
                        where=where,
                        concept=cid,
                        name=name,
                        value=value,
                        before=getattr(concept, name),
                        first=first,
                    )
                )
    else:
        concept = ConceptData(cid, fields["domain"], fields["confidence"], fields["note"])
        check_fields(concept, where)
        concepts[cid] = (concept, line)
    cells = [(lang, row.get(lang, "").strip()) for lang in LANGS if row.get(lang, "").strip()]
    if not cells:
        raise MalformedFile(
            N_("{where}: no term ({langs} and {last} are all empty)").format(
                where=where, langs=", ".join(LANGS[:-1]), last=LANGS[-1]
            )
        )
    for lang, text in cells:
        add_term(concept, TermData(lang, text, status), where)


def write_csv(concepts: Iterable[ConceptData]) -> str:
    """The canonical CSV text (UTF-8 without BOM, LF line ends, minimal quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for c in concepts:
        for status in STATUSES:
            by_lang = {
                lang: [t.text for t in c.terms if t.lang == lang and t.status == status] for lang in LANGS
            }
            for i in range(max(len(v) for v in by_lang.values())):
                cells = [by_lang[lang][i] if i < len(by_lang[lang]) else "" for lang in LANGS]
                row = [c.concept, *cells, status, c.domain, c.confidence, c.note]
                writer.writerow([neutral(cell) for cell in row])
    return out.getvalue()
