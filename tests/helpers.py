"""Small builders shared by tests."""

from __future__ import annotations

from pathlib import Path

NOTICE = """---
title: {title}
slug: {slug}
---
{body}
"""


def write_notice(folder: Path, slug: str, body: str, title: str = "Thông báo thử") -> Path:
    path = folder / f"{slug}.md"
    path.write_text(NOTICE.format(title=title, slug=slug, body=body), encoding="utf-8")
    return path
