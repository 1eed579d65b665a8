"""The linkage vocabulary of DESIGN.md, case by case (the real binaries are covered by the fixture tests)."""

from __future__ import annotations

import pytest

from linkguard.readers.elf import classify

INTERP = "/lib64/ld-linux-x86-64.so.2"


@pytest.mark.parametrize(
    ("e_type", "interp", "needed", "pie", "soname", "expected"),
    [
        ("EXEC", None, [], False, None, "static"),
        ("EXEC", INTERP, ["libc.so.6"], False, None, "dynamic"),
        ("EXEC", INTERP, [], False, None, "dynamic"),
        ("DYN", None, [], True, None, "static-pie"),
        ("DYN", INTERP, ["libc.so.6"], True, None, "dynamic"),
        ("DYN", INTERP, [], True, None, "dynamic"),  # Go -buildmode=pie: interpreter-only
        ("DYN", None, ["libc.so.6"], False, "libfoo.so.1", "shared-library"),
        ("DYN", INTERP, ["ld-linux-x86-64.so.2"], False, "libc.so.6", "shared-library"),  # glibc's libc.so.6
        ("DYN", None, [], False, "ld-linux-x86-64.so.2", "shared-library"),  # ld.so itself
        ("DYN", None, ["libc.so.6"], False, None, "shared-library"),  # a .so built without -soname
        ("DYN", INTERP, ["libc.so.6"], False, None, "dynamic"),  # PIE from a linker that sets no DF_1_PIE
        ("REL", None, [], False, None, "object"),
        ("CORE", None, [], False, None, "object"),
    ],
)
def test_classify(e_type: str, interp: str, needed: list, pie: bool, soname: str, expected: str) -> None:
    assert classify(e_type, interp, needed, pie, soname) == expected


def test_dyn_without_dynamic_segment_is_an_executable() -> None:
    # A UPX wrapper around a PIE: ET_DYN, no PT_DYNAMIC, no interpreter; nothing could link against it.
    assert classify("DYN", None, [], False, None, has_dynamic=False) == "static-pie"
    assert classify("DYN", INTERP, [], False, None, has_dynamic=False) == "dynamic"
