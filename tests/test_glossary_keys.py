"""Match keys: which variants fold together, which must stay apart, and offsets back to the original."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trilingo.text.keys import match_key, scan_key

NBSP, ZWSP = "\u00a0", "\u200b"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("hoà bình", "hòa bình"),
        ("thuỷ điện", "thủy điện"),
        ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
        ("khoẻ", "khỏe"),
        ("HÀNG HOÁ", "hàng hóa"),
        ("Cửa Khẩu", "cửa khẩu"),
        (unicodedata.normalize("NFD", "Điện Biên Phủ"), "Điện Biên Phủ"),
        (f"cửa{NBSP}khẩu", "cửa khẩu"),
        (f"cửa{ZWSP} khẩu", "cửa khẩu"),
        ("  cửa   khẩu ", "cửa khẩu"),
    ],
)
def test_vietnamese_variants_share_a_key(a: str, b: str) -> None:
    assert match_key(a, "vi") == match_key(b, "vi")


@pytest.mark.parametrize("word", ["hoàn", "huỳnh", "thuyền", "hoạch", "ngoài", "quý", "quỳ", "khuyên"])
def test_closed_syllables_and_qu_keep_their_marks(word: str) -> None:
    assert match_key(word, "vi") == word


@pytest.mark.parametrize(
    ("a", "b"),
    [("hoàn", "hòan"), ("huỳnh", "hùynh"), ("quý", "qúy"), ("hòa", "hoa"), ("thủy", "thuy")],
)
def test_different_words_keep_different_keys(a: str, b: str) -> None:
    assert match_key(a, "vi") != match_key(b, "vi")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ນ\u0ecdາ", "ນຳ"),  # ໍາ → ຳ
        ("ຄ\u0ecd\u0ec8າ", "ຄ\u0ec8\u0eb3"),  # ໍ + tone + າ → tone + ຳ
        ("ຫນັງສື", "ໜັງສື"),
        ("ຫມູ່", "ໝູ່"),
        ("ຫລວງພະບາງ", "ຫຼວງພະບາງ"),
        (f"ຫຼວງ{ZWSP}ພະບາງ", "ຫຼວງພະບາງ"),
        ("ພະແນກ ວິທະຍາສາດ", "ພະແນກວິທະຍາສາດ"),
    ],
)
def test_lao_variants_share_a_key(a: str, b: str) -> None:
    assert match_key(a, "lo") == match_key(b, "lo")


def test_lao_and_chinese_are_never_nfkc() -> None:
    # NFKC would turn ຳ into ໍາ, ໜ into ຫນ and full-width punctuation into ASCII.
    assert match_key("ໜັງສືຜ່ານແດນ", "lo") == "ໜັງສືຜ່ານແດນ"
    assert match_key("口岸（国际）：", "zh") == "口岸（国际）："


def test_chinese_key_ignores_spaces() -> None:
    assert match_key("国际 口岸", "zh") == match_key("国际口岸", "zh")


def test_vi_scan_key_is_length_preserving_on_clean_text() -> None:
    text = "Cửa khẩu Quốc tế Tây Trang (Điện Biên) – hoà bình."
    sk = scan_key(text, "vi")
    assert sk.offsets is None
    assert len(sk.key) == len(text) + 2


_VI_CHARS = st.sampled_from(list("aàảoòóeèuủyỳýhkqnđ ") + [NBSP, ZWSP, "\u0300", "\u0309", ",", "İ"])


@given(st.text(_VI_CHARS, max_size=30))
def test_vi_scan_offsets_stay_inside_the_text(text: str) -> None:
    sk = scan_key(text, "vi")
    inner = len(sk.key) - 2
    for a in range(inner):
        for b in range(a + 1, inner + 1):  # every non-empty key span maps into the text, in order
            s, e = sk.span(1 + a, 1 + b)
            assert 0 <= s < e <= len(text)


@given(st.text(st.sampled_from(list("ຫນມລາ\u0ecd\u0ec8ກ ") + [ZWSP]), max_size=30))
def test_lao_scan_offsets_are_monotonic(text: str) -> None:
    sk = scan_key(text, "lo")
    ends = [sk.span(0, k)[1] for k in range(1, len(sk.key) + 1)]
    assert ends == sorted(ends)
    assert all(0 <= e <= len(text) for e in ends)
