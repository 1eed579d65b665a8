"""linkguard.versions: floors (dotted versions and platform tags) and the one 'version <- symbols' wording."""

from __future__ import annotations

import pytest

from linkguard import versions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2.17", (2, 17)),
        ("GLIBC_2.17", (2, 17)),
        ("3.4.19", (3, 4, 19)),
        # PEP 600 names the glibc directly; PEP 599/571/513 aliases: 2014 = 2.17, 2010 = 2.12, 1 = 2.5.
        ("manylinux_2_17", (2, 17)),
        ("manylinux_2_28", (2, 28)),
        ("manylinux2014", (2, 17)),
        ("manylinux2010", (2, 12)),
        ("manylinux1", (2, 5)),
    ],
)
def test_parse_floor(text: str, expected: tuple) -> None:
    assert versions.parse_floor(text) == expected


def test_musllinux_is_below_every_glibc_version() -> None:
    floor = versions.parse_floor("musllinux_1_2")
    assert all(v > floor for v in [(2, 0), (2, 2, 5), (1,)])


@pytest.mark.parametrize("text", ["two", "2.x", "manylinux", "manylinux2015", "musllinux_1_x", "GLIBC_PRIVATE", ""])
def test_bad_floors_raise(text: str) -> None:
    with pytest.raises(ValueError):
        versions.parse_floor(text)


def test_floor_label_keeps_the_users_words() -> None:
    assert versions.floor_label("GLIBC", "2.17") == "GLIBC_2.17"
    assert versions.floor_label("GLIBC", "manylinux2014") == "manylinux2014"
    assert versions.floor_label("GLIBC", "musllinux_1_2") == "musllinux_1_2"


def test_need_text_shows_three_symbols_then_a_count() -> None:
    assert versions.need_text("GLIBC_2.29", ("exp", "log", "pow")) == "GLIBC_2.29 <- exp, log, pow"
    assert versions.need_text("GLIBC_2.29", ("a", "b", "c", "d", "e")) == "GLIBC_2.29 <- a, b, c, +2 more"
    assert versions.need_text("GLIBC_2.2.5", ()) == "GLIBC_2.2.5"
    assert versions.symbols_text(("a", "b", "c", "d"), more=False) == "a, b, c"
