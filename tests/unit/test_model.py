from __future__ import annotations

import dataclasses
import pickle

import pytest

from linkguard.model import VersionNeed


def test_version_need_fields_by_position_keyword_and_default() -> None:
    """VersionNeed fills its fields itself (cheaper than the frozen dataclass's __init__): each lands where it
    belongs, and the record still behaves as the frozen dataclass it is declared as."""
    need = VersionNeed("libm.so.6", "GLIBC_2.29", ("exp",), True)
    assert (need.library, need.version, need.symbols, need.weak) == ("libm.so.6", "GLIBC_2.29", ("exp",), True)
    assert need == VersionNeed(library="libm.so.6", version="GLIBC_2.29", symbols=("exp",), weak=True)
    bare = VersionNeed("libc.so.6", "GLIBC_2.34")
    assert (bare.symbols, bare.weak) == ((), False)
    assert dataclasses.astuple(bare) == ("libc.so.6", "GLIBC_2.34", (), False)
    assert hash(need) == hash(VersionNeed("libm.so.6", "GLIBC_2.29", ("exp",), True))
    assert dataclasses.replace(need, weak=False) == VersionNeed("libm.so.6", "GLIBC_2.29", ("exp",))
    assert pickle.loads(pickle.dumps(need)) == need
    with pytest.raises(dataclasses.FrozenInstanceError):
        need.weak = False  # type: ignore[misc]
