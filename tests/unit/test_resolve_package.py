"""resolve/package.py's ArchiveMembers: member paths kept as they stream past, sorted into containers on demand."""

from __future__ import annotations

from linkguard.resolve.package import ArchiveMembers


def test_paths_and_batches_are_sorted_into_their_containers_in_walk_order() -> None:
    members = ArchiveMembers("a.zip", None)
    members.add("a.zip!lib/x.so")
    # A batch (the walk's Settled) is named only when sorted; a `!` inside a member name splits as any path does.
    members.add_batch(lambda: ["a.zip!./c", "a.zip!docs/a!b", "a.zip!in.jar!d.class"])
    members.add("a.zip!in.jar!lib/y.so")
    members._sort_pending()
    assert members._names == {
        "a.zip": ["lib/x.so", "c"],
        "a.zip!docs/a": ["b"],
        "a.zip!in.jar": ["d.class", "lib/y.so"],
    }


def test_an_archive_named_like_a_prefix_of_another_is_not_taken_for_it() -> None:
    members = ArchiveMembers("a.zip", None)
    members.add_batch(lambda: ["a.zip2!x", "a.zip!y"])
    members._sort_pending()
    assert members._names == {"a.zip2": ["x"], "a.zip": ["y"]}
