"""Fuzzy memory suggestions: scored with rapidfuzz over match-key words, thresholded, never approved."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from sqlmodel import Session

from trilingo.tm.fuzzy import FuzzyIndex, Row, Suggestion, length_window, suggest
from trilingo.tm.memory import add, tm_key

MEMORY = [
    ("Cửa khẩu Tây Trang mở cửa lúc 7 giờ sáng.", "ດ່ານ ຕ້າຍຈາງ ເປີດ 7 ໂມງເຊົ້າ."),
    ("Cửa khẩu Huổi Puốc mở cửa lúc 7 giờ sáng.", "ດ່ານ ຮວຍປວກ ເປີດ 7 ໂມງເຊົ້າ."),
    ("Hành khách xuất trình hộ chiếu tại quầy số 2.", "ຜູ້ໂດຍສານ ສະແດງ ໜັງສືຜ່ານແດນ ທີ່ ຕູ້ 2."),
    ("Phí hòa giải thủy sản.", "ຄ່າທຳນຽມ."),
]


def _fill(session: Session) -> None:
    for vi, lo in MEMORY:
        add(session, vi, lo, "lo")
    session.flush()


def test_suggests_close_pairs_best_first(session: Session) -> None:
    _fill(session)
    text = "Cửa khẩu Tây Trang mở cửa lúc 8 giờ sáng."
    assert [s.source for s in suggest(session, text, "lo")] == [MEMORY[0][0]]
    found = suggest(session, text, "lo", threshold=60)
    assert [s.source for s in found] == [MEMORY[0][0], MEMORY[1][0]]
    # 11 words each (the full stop counts); 10 shared with the first, 8 with the second.
    assert (found[0].score, found[1].score) == (round(200 * 10 / 22, 1), round(200 * 8 / 22, 1))
    assert found[0].target == MEMORY[0][1]
    assert found[0].as_hint()["type"] == "fuzzy"


def test_tone_mark_spelling_and_case_do_not_lower_the_score(session: Session) -> None:
    _fill(session)
    (best, *_) = suggest(session, "PHÍ HOÀ GIẢI THUỶ SẢN.", "lo")
    assert best.score == 100.0


def test_nothing_below_the_threshold_and_nothing_from_other_languages(session: Session) -> None:
    _fill(session)
    assert suggest(session, "Hôm nay trời mưa to.", "lo") == []
    assert suggest(session, "Cửa khẩu Tây Trang mở cửa lúc 7 giờ sáng.", "zh") == []
    assert suggest(session, "", "lo") == []


def test_index_is_rebuilt_when_the_memory_changes(session: Session) -> None:
    _fill(session)
    text = "Xe tải nộp phí tại trạm số 3."
    assert suggest(session, text, "lo") == []
    add(session, "Xe tải nộp phí tại trạm số 4.", "ລົດບັນທຸກ ຈ່າຍຄ່າ ທີ່ ສະຖານີ 4.", "lo")
    session.flush()
    assert [s.source for s in suggest(session, text, "lo")] == ["Xe tải nộp phí tại trạm số 4."]


def test_limit() -> None:
    index = FuzzyIndex(Row(tm_key(vi), vi, lo) for vi, lo in MEMORY)
    assert len(index.suggest("Cửa khẩu mở cửa lúc 7 giờ sáng.", limit=1, threshold=50)) == 1
    assert index.suggest("Cửa khẩu mở cửa lúc 7 giờ sáng.", limit=0) == []


@pytest.mark.parametrize("threshold", [50.0, 75.0, 90.0])
def test_length_window_is_exact(threshold: float) -> None:
    low, high = length_window(10, threshold)
    for n in range(1, 60):
        best_possible = 200 * min(n, 10) / (n + 10)
        assert (low <= n <= high) == (best_possible >= threshold - 1e-9)


WORDS = st.sampled_from(
    [
        "cửa",
        "khẩu",
        "mở",
        "đóng",
        "lúc",
        "giờ",
        "sáng",
        "chiều",
        "hộ",
        "chiếu",
        "phí",
        "xe",
        "tải",
        "quầy",
        "số",
        "1",
        "2",
        "3",
    ]
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(SENTENCE, min_size=1, max_size=40, unique=True), SENTENCE, st.sampled_from([50.0, 75.0, 90.0])
)
def test_index_finds_exactly_what_a_full_scan_finds(memory: list[str], query: str, threshold: float) -> None:
    index = FuzzyIndex(Row(tm_key(s), s, "x") for s in memory)
    got = index.search(tm_key(query), limit=len(memory), threshold=threshold)
    q = index._encode(tm_key(query), grow=False)
    expected = sorted(
        (round(fuzz.ratio(q, index._encode(tm_key(s), grow=False)), 1), s)
        for s in memory
        if fuzz.ratio(q, index._encode(tm_key(s), grow=False)) >= threshold
    )
    assert sorted((s.score, s.source) for s in got) == expected
    assert all(isinstance(s, Suggestion) for s in got)
