"""packages/view.py: an archive's directory tree, built from member names as they came."""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Set

from hypothesis import given
from hypothesis import strategies as st

from linkguard.packages.view import ArchiveView, member_name


def naive_tree(names: List[str]) -> Dict[str, FrozenSet[str]]:
    """Every name's every parent, walked up to the root each time."""
    tree: Dict[str, Set[str]] = {}
    for name in names:
        name = member_name(name).rstrip("/")
        while name:
            parent, _, base = name.rpartition("/")
            tree.setdefault(parent, set()).add(base)
            name = parent
    return {k: frozenset(v) for k, v in tree.items()}


PARTS = st.sampled_from(["a", "b", "lib", ".", "", "x.so", "META-INF", "./"])
NAMES = st.lists(st.lists(PARTS, min_size=1, max_size=5).map("/".join), max_size=30)


@given(NAMES)
def test_the_tree_stops_climbing_at_a_known_directory_and_is_the_same(names: List[str]) -> None:
    # The same listings, and the same order of directories (metadata prefetching walks them in that order).
    assert list(ArchiveView("a.zip", names, {})._tree.items()) == list(naive_tree(names).items())


def test_a_member_deep_below_a_known_directory_is_listed_in_each_new_parent() -> None:
    view = ArchiveView("a.zip", ["lib/a.so", "lib/x/y/z.so", "top"], {})
    assert view.listing("") == {"lib", "top"}
    assert view.listing("lib") == {"a.so", "x"}
    assert view.listing("lib/x") == {"y"}
    assert view.listing("lib/x/y") == {"z.so"}
