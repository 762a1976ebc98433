"""The approval gates and the review view's helpers, as plain functions (no database)."""

from __future__ import annotations

import pytest

from trilingo.errors import Refused, StateError
from trilingo.review import checks
from trilingo.review.actions import (
    GATES,
    Candidate,
    all_translated,
    nothing_blocking,
    other_eyes,
    own_changes,
    warnings_decided,
)
from trilingo.review.view import checked, suggestions, terms
from trilingo.store.models import Segment, Translation
from trilingo.tm.fuzzy import Suggestion


def pair(
    n: int, target: str | None, origin: str | None = "tm", by: str | None = None
) -> tuple[Segment, Translation]:
    seg = Segment(version_id=1, n=n, block=n, kind="paragraph", source=f"câu {n}", source_hash="x")
    return seg, Translation(segment_id=n, lang="zh", target=target, origin=origin, updated_by=by)


def candidate(
    segments: list[tuple[Segment, Translation]],
    *,
    blocking: list[str] | None = None,
    warnings: list[tuple[int, checks.Finding]] | None = None,
    four_eyes: bool = True,
    accept: str | None = None,
) -> Candidate:
    return Candidate("hours", "zh", "wei", segments, blocking or [], warnings or [], four_eyes, accept)


def test_the_gates_run_in_the_order_the_reviewer_is_told() -> None:
    assert (all_translated, nothing_blocking, other_eyes, warnings_decided) == GATES


def test_a_clean_candidate_passes_every_gate() -> None:
    c = candidate([pair(1, "一"), pair(2, "二", "human", "lan")])
    for gate in GATES:
        gate(c)


def test_untranslated_segments_are_listed_ten_at_most() -> None:
    segments = [pair(n, None if n > 1 else "一") for n in range(1, 14)] + [pair(14, "  ")]
    with pytest.raises(StateError) as e:
        all_translated(candidate(segments))
    assert str(e.value) == (
        "cannot approve hours [zh]: 13 segment(s) untranslated (2, 3, 4, 5, 6, 7, 8, 9, 10, 11 …)"
    )


def test_blocking_findings_stop_it() -> None:
    with pytest.raises(StateError) as e:
        nothing_blocking(candidate([pair(1, "一")], blocking=["segment 1: bad"]))
    assert str(e.value) == "cannot approve hours [zh]: segment 1: bad; fix them with `review edit`"


def test_four_eyes_refuses_the_last_editor_and_is_audited() -> None:
    c = candidate([pair(1, "一", "human", "wei"), pair(2, "二", "human", "lan"), pair(3, "三", "tm", "wei")])
    assert own_changes(c) == [1]
    with pytest.raises(Refused) as e:
        other_eyes(c)
    assert str(e.value) == (
        "four-eyes rule: wei last changed segment(s) 1 of hours [zh]; another reviewer of zh must approve it"
    )
    assert e.value.audit == {
        "actor": "wei",
        "action": "refused",
        "lang": "zh",
        "attempted": "approve",
        "doc": "hours",
    }


def test_four_eyes_off_lets_the_last_editor_approve() -> None:
    other_eyes(candidate([pair(1, "一", "human", "wei")], four_eyes=False))


def test_open_warnings_need_a_decision() -> None:
    warning = [(2, checks.Finding("numbers", "numbers differ"))]
    with pytest.raises(StateError) as e:
        warnings_decided(candidate([pair(2, "二")], warnings=warning))
    assert str(e.value).startswith(
        "cannot approve hours [zh]: 1 warning(s) need a decision: segment 2: numbers differ."
    )
    warnings_decided(candidate([pair(2, "二")], warnings=warning, accept="checked by phone"))


def test_suggestions_are_numbered_without_repeats() -> None:
    hints = [
        {"type": "term", "source": "a", "target": "b"},
        {"type": "fuzzy", "source": "s1", "target": "t1", "score": 90},
        {"type": "fuzzy", "source": "s1b", "target": "t1", "score": 80},
    ]
    found = suggestions(hints, [Suggestion("s2", "t1", 70), Suggestion("s3", "t3", 60)])  # type: ignore[arg-type]  # plain dicts for the hints
    assert found == [
        {"n": 1, "target": "t1", "source": "s1", "score": 90},
        {"n": 2, "target": "t3", "source": "s3", "score": 60},
    ]


def test_checked_shows_dismissals() -> None:
    found = [checks.Finding("numbers", "numbers differ"), checks.Finding("empty", "empty")]
    dismissal = {"by": "lan", "at": "t", "reason": "ok"}
    assert checked(found, {"numbers": dismissal}) == [
        {"code": "numbers", "level": "warn", "message": "numbers differ", "dismissed": dismissal},
        {"code": "empty", "level": "block", "message": "empty"},
    ]


def test_no_terms_without_a_glossary() -> None:
    assert terms(None, "câu") == []
