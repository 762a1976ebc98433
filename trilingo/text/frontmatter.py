"""Reading a submitted file: UTF-8 Markdown with YAML front matter, checked field by field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone

import yaml

from trilingo.errors import InputError
from trilingo.i18n import N_
from trilingo.text.clean import ascii_slug, check_text, clean_line, clean_text, only_marks, refusal
from trilingo.text.files import Source, read_utf8
from trilingo.text.limits import Limits, where_set
from trilingo.text.segment import Piece, split

MAX_BYTES = Limits().notice_bytes  # a notice, not a book: anything larger is a mistake
# At least one letter: a number alone would be read as a document id.
SLUG_RE = re.compile(r"^(?=[a-z0-9-]*[a-z])[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
GATES_TZ = timezone(timedelta(hours=7), "ICT")  # Điện Biên, Vietnam: UTC+7 all year
KNOWN_KEYS = {"title", "category", "gates", "channels", "slug", "expires", "screen"}
# What a channel's name looks like (`channels:`). Whether the channel exists is the registry's to say
# (trilingo.channels), when the notice is stored: a notice naming another would never be published.
CHANNEL_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# Names a slug may not take: the pages Trilingo makes beside the articles (each language's index.html,
# feed.xml and category-*.html; the site's 404.html and sitemap*.xml), and the names Windows keeps for
# devices, which break a site copied to a Windows share (con.html opens the console there).
GENERATED_SLUGS = frozenset({"index", "404", "feed", "sitemap"})
GENERATED_PREFIXES = ("category-", "sitemap-")
DEVICE_SLUGS = frozenset(
    {"con", "prn", "aux", "nul", "clock"} | {f"{device}{n}" for device in ("com", "lpt") for n in range(10)}
)
EXPIRY_YEARS = range(2000, 2200)  # far beyond any notice; outside it, a typo (9999, 0001)


class FrontMatterError(InputError):
    """The front matter is broken."""


class _FrontMatterError(Exception):
    """Raised inside the YAML loader (which turns other exceptions into its own)."""


def _no_duplicates(base: type) -> type:
    """A loader refusing a key given twice: YAML lets the last one win, and a notice whose second
    `title:` silently replaces the first is not what its editor meant."""

    class Loader(base):  # type: ignore[misc, valid-type]  # PyYAML's loaders are classes built at import
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
            seen: dict[object, int] = {}
            for key_node, _value in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    first = seen.setdefault(key, key_node.start_mark.line)
                except TypeError:  # an unhashable key: the base class says so
                    break
                if first != key_node.start_mark.line:
                    raise _FrontMatterError(
                        N_(
                            "front matter: the key {key!r} is given twice (lines {first} and {second}); keep one"
                        ).format(key=key, first=first + 2, second=key_node.start_mark.line + 2)
                    )
            return super().construct_mapping(node, deep)  # type: ignore[no-any-return]

    return Loader


# libyaml's safe loader when PyYAML was built with it: the pure-Python one took 1 ms a notice.
_LOADER = _no_duplicates(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
_PY_LOADER = _no_duplicates(yaml.SafeLoader)


@dataclass(frozen=True)
class Notice:
    """One submitted Vietnamese notice, cleaned."""

    title: str
    body: str
    slug: str
    category: str | None = None
    gates: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    # The segments, as split when the notice was checked against the limits (empty: split when stored).
    pieces: tuple[Piece, ...] = field(default=(), compare=False, repr=False)
    source: str = ""  # the file it came from, for messages
    expires: datetime | None = None  # UTC; off the kiosk from the first publish after it
    screen: str | None = None  # the one-slide summary for the gate screens (`screen:`), translated too
    # The slug was made from the title (no `slug:`): a stored notice with that slug is another notice
    # unless the submit says it is an update (intake.store.submit_many).
    derived_slug: bool = field(default=False, compare=False)


def read_notice(path: Source, limits: Limits | None = None) -> Notice:
    """Read and check one file; every problem is an InputError naming the file."""
    limits = limits or Limits()
    raw = read_utf8(path, InputError, limits.notice_bytes)
    try:
        return replace(parse_notice(raw, limits), source=str(path))
    except InputError as exc:
        raise type(exc)(f"{path}: {exc.message}") from None


def parse_notice(text: str, limits: Limits | None = None) -> Notice:
    """Check a notice field by field; the first problem found is an InputError (FrontMatterError for its keys)."""
    limits = limits or Limits()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if refused := refusal(text):
        raise InputError(refused)
    meta, body, body_line = _split(text)
    title = _title(meta)
    _refuse_unknown_keys(meta)
    slug = check_slug(_slug(meta, title))
    derived_slug = meta.get("slug") is None
    category = _optional_text(meta, "category")
    body = _clean_body(body, body_line)
    gates, channels = _str_list(meta, "gates"), _str_list(meta, "channels")
    expires = _expires(meta.get("expires"))
    screen = _screen(_optional_text(meta, "screen"))
    _check_escaped(title, category or "", gates, channels)
    title = _clean_title(title, limits)
    pieces = _pieces(title, body, screen, limits)
    _check_channel_names(channels)
    return Notice(
        title=title,
        body=body,
        slug=slug,
        category=clean_line(category) if category else None,
        gates=gates,
        channels=channels,
        pieces=pieces,
        expires=expires,
        screen=screen,
        derived_slug=derived_slug,
    )


# The optional keys whose value is text, and what is said when it is something else.
NOT_TEXT = {
    "slug": N_("front matter: 'slug' must be text"),
    "category": N_("front matter: 'category' must be text"),
    "screen": N_("front matter: 'screen' must be text (the one-slide summary for the gate screens)"),
}


def _optional_text(meta: dict, key: str) -> str | None:
    """`key`'s value, None when not given; FrontMatterError (NOT_TEXT's) when it is not text."""
    value = meta.get(key)
    if value is not None and not isinstance(value, str):
        raise FrontMatterError(NOT_TEXT[key])
    return value


def _title(meta: dict) -> str:
    """The title as given: required, text, with something in it once cleaned."""
    title = meta.get("title")
    if not isinstance(title, str) or not clean_line(title):
        raise FrontMatterError(N_("front matter: 'title' is required and must be text"))
    check_text(title, "front matter: 'title'")
    return title


def _refuse_unknown_keys(meta: dict) -> None:
    unknown = sorted(set(meta) - KNOWN_KEYS)
    if unknown:
        raise FrontMatterError(N_("front matter: unknown key {key!r}").format(key=unknown[0]))


def _slug(meta: dict, title: str) -> str:
    """`slug:` as given, else one made from the title (check_slug checks either)."""
    slug = _optional_text(meta, "slug")
    return slugify(title) if slug is None else slug


def _clean_body(body: str, first_line: int) -> str:
    """The body cleaned; InputError for a line of combining marks alone (numbered as in the file)."""
    body = clean_text(body)
    for n, line in enumerate(body.split("\n"), start=first_line):
        if only_marks(line):
            raise InputError(
                N_("line {line}: only combining marks, with no letter to sit on; nothing to read").format(
                    line=n
                )
            )
    return body


def _screen(screen: str | None) -> str | None:
    """The gate screens' summary cleaned; None when not given or empty once cleaned."""
    if screen is None:
        return None
    check_text(screen, "front matter: 'screen'")
    return clean_line(screen) or None


def _check_escaped(title: str, category: str, gates: list[str], channels: list[str]) -> None:
    """YAML escapes ("\\u202e") make characters the file itself does not hold: check the values too."""
    for key, value in (
        ("title", title),
        ("category", category),
        ("gates", " ".join(gates)),
        ("channels", " ".join(channels)),
    ):
        check_text(value, f"front matter: {key!r}")


def _clean_title(title: str, limits: Limits) -> str:
    title = clean_line(title)
    if len(title) > limits.title_chars:
        raise InputError(
            N_("the title is {length:,} characters; the limit is {limit:,} ({where})").format(
                length=len(title), limit=limits.title_chars, where=where_set("title_chars")
            )
        )
    return title


def _pieces(title: str, body: str, screen: str | None, limits: Limits) -> tuple[Piece, ...]:
    """The notice's segments, at most `limits.segments` of them."""
    pieces = tuple(split(title, body, limits.segment_chars, screen))
    if len(pieces) > limits.segments:
        raise InputError(
            N_("{count:,} segments; the limit is {limit:,} per notice ({where})").format(
                count=len(pieces), limit=limits.segments, where=where_set("segments")
            )
        )
    return pieces


def _check_channel_names(channels: list[str]) -> None:
    malformed = [c for c in channels if not CHANNEL_RE.match(c)]
    if malformed:
        raise FrontMatterError(
            N_(
                "front matter: 'channels': {name!r} is not a channel's name (lower-case words: web, print …)"
            ).format(name=malformed[0])
        )


def _expires(value: object) -> datetime | None:
    """`expires: 2026-12-31` (the end of that day, UTC+7 as at the gates) or `2026-12-31T17:00:00+07:00`."""
    if value is None:
        return None
    if isinstance(value, datetime):
        at = value
    elif isinstance(value, date):
        at = datetime.combine(value, time(23, 59, 59), tzinfo=GATES_TZ)
    elif isinstance(value, str):
        try:
            at = datetime.fromisoformat(value.strip())
        except ValueError:
            raise FrontMatterError(
                N_(
                    "front matter: 'expires' must be a date or a time (2026-12-31 or 2026-12-31T17:00+07:00), "
                    "got {value!r}"
                ).format(value=value)
            ) from None
    else:
        raise FrontMatterError(N_("front matter: 'expires' must be a date or a time"))
    if at.year not in EXPIRY_YEARS:
        raise FrontMatterError(
            N_(
                "front matter: 'expires' is in the year {year}; give a date between {first} and {last} (2026-12-31)"
            ).format(year=at.year, first=EXPIRY_YEARS.start, last=EXPIRY_YEARS.stop - 1)
        )
    if at.tzinfo is None:
        at = at.replace(tzinfo=GATES_TZ)  # a time without a zone is the gates' local time
    return at.astimezone(UTC)


def _split(text: str) -> tuple[dict, str, int]:
    """The front matter's values, the body, and the body's first line number in the file."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(N_("front matter missing: the file must start with a '---' line"))
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise FrontMatterError(N_("front matter not closed: no second '---' line")) from None
    source = "\n".join(lines[1:end])
    try:
        try:
            meta = yaml.load(source, Loader=_LOADER)
        except yaml.YAMLError:
            # The pure-Python loader says where the problem is the way people count lines.
            meta = yaml.load(source, Loader=_PY_LOADER)
    except _FrontMatterError as exc:
        raise FrontMatterError(str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            raise FrontMatterError(
                N_("front matter is not valid YAML at line {line}").format(line=mark.line + 2)
            ) from None
        raise FrontMatterError(N_("front matter is not valid YAML")) from None
    except (ValueError, RecursionError, OverflowError, MemoryError):  # absurd numbers, absurd nesting
        raise FrontMatterError(
            N_("front matter is not valid YAML (a value is too large or too deeply nested)")
        ) from None
    if not isinstance(meta, dict):
        raise FrontMatterError(N_("front matter must be a mapping of keys to values"))
    return meta, "\n".join(lines[end + 1 :]), end + 2


def _str_list(meta: dict, key: str) -> list[str]:
    value = meta.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise FrontMatterError(N_("front matter: {key!r} must be a list of names").format(key=key))
    return [clean_line(v) for v in value]


def check_slug(slug: str) -> str:
    if "/" in slug or "\\" in slug or ".." in slug:
        raise InputError(N_("invalid slug {slug!r}: no '/', '\\' or '..' allowed").format(slug=slug))
    # Before the form: `404` is refused as the name of a page, not as a slug without a letter.
    if slug.lower() in GENERATED_SLUGS or slug.lower().startswith(GENERATED_PREFIXES):
        raise InputError(
            N_(
                "the slug {slug!r} is the name of a page Trilingo makes (index, 404, feed, sitemap…, "
                "category-…); give the notice another `slug:` in its front matter"
            ).format(slug=slug)
        )
    if not SLUG_RE.match(slug):
        raise InputError(
            N_("invalid slug {slug!r}: use lowercase a-z, 0-9 and '-', with a letter (at most 100)").format(
                slug=slug
            )
        )
    if slug in DEVICE_SLUGS:
        raise InputError(
            N_(
                "the slug {slug!r} is the name of a device on Windows, and a site copied to a Windows share "
                "could not hold its page; give the notice another `slug:` in its front matter"
            ).format(slug=slug)
        )
    return slug


def slugify(title: str) -> str:
    """ASCII slug from a Vietnamese title: 'Cửa khẩu Tây Trang' → 'cua-khau-tay-trang'."""
    slug = ascii_slug(title)[:100].strip("-")
    if not slug:
        raise InputError(N_("cannot derive a slug from the title; give 'slug' in the front matter"))
    return slug
