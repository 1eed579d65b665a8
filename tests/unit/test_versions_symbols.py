from __future__ import annotations

import pytest

from linkguard import versions as symvers  # the reader records versions; linkguard.versions parses them


def test_versions_compare_numerically_not_as_text() -> None:
    assert symvers.max_versions(["GLIBC_2.9", "GLIBC_2.29", "GLIBC_2.3.4"]) == {"GLIBC": "2.29"}


def test_non_numeric_versions_are_not_floors() -> None:
    names = ["GLIBC_PRIVATE", "GLIBC_ABI_DT_RELR", "CXXABI_TM_1", "GLIBC_2.2.5"]
    assert symvers.max_versions(names) == {"GLIBC": "2.2.5"}


def test_families_are_kept_apart() -> None:
    names = ["GLIBCXX_3.4.29", "GLIBC_2.34", "CXXABI_1.3.13", "GCC_3.0", "GCC_4.2.0", "OTHER_9.9"]
    assert symvers.max_versions(names) == {
        "GLIBC": "2.34",
        "GLIBCXX": "3.4.29",
        "CXXABI": "1.3.13",
        "GCC": "4.2.0",
    }


@pytest.mark.parametrize(("text", "expected"), [("2.17", (2, 17)), ("GLIBC_2.17", (2, 17)), ("3.4.19", (3, 4, 19))])
def test_parse_floor(text: str, expected: tuple) -> None:
    assert symvers.parse_floor(text) == expected


@pytest.mark.parametrize("text", ["", "2.x", "GLIBC_PRIVATE", "latest"])
def test_parse_floor_rejects_non_numeric(text: str) -> None:
    with pytest.raises(ValueError):
        symvers.parse_floor(text)


def test_max_versions_keeps_the_first_written_of_equal_versions() -> None:
    """2.10 above 2.9; 3.0 and 3 are one version, shown as first written; non-floor families ignored."""
    names = ["GLIBC_2.9", "GCC_3.0", "GLIBC_2.10", "GCC_3", "GLIBC_2.3.0", "GLIBC_PRIVATE", "OTHER_9"]
    assert symvers.max_versions(names) == {"GLIBC": "2.10", "GCC": "3.0"}
    assert symvers.max_versions(["GCC_3", "GCC_3.0"]) == {"GCC": "3"}
    assert symvers.max_versions([]) == {}


def test_max_versions_is_remembered_for_the_exact_names_in_their_order() -> None:
    """The per-process memo is keyed on the names as written and in order (a tie keeps the first), and every call
    gets a dict of its own."""
    assert symvers.max_versions(["GCC_3.0", "GCC_3"]) == {"GCC": "3.0"}
    assert symvers.max_versions(["GCC_3", "GCC_3.0"]) == {"GCC": "3"}
    assert symvers.max_versions(n for n in ("GCC_3", "GCC_3.0")) == {"GCC": "3"}
    first = symvers.max_versions(["GLIBC_2.34"])
    first["GLIBC"] = "9.9"
    assert symvers.max_versions(["GLIBC_2.34"]) == {"GLIBC": "2.34"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("GLIBC_2.17", ("GLIBC", (2, 17))),
        ("GLIBC_2.17.0", ("GLIBC", (2, 17))),
        ("GCC_3.0", ("GCC", (3,))),
        ("GLIBCXX_3.4.30", ("GLIBCXX", (3, 4, 30))),
        ("GLIBC_PRIVATE", None),
        ("GLIBC_2.²", None),
    ],
)
def test_ranked_version_is_the_family_and_compare_key(name: str, expected: object) -> None:
    assert symvers.ranked_version(name) == expected
    split = symvers.split_version(name)
    assert expected == (None if split is None else (split[0], split[1].key()))
