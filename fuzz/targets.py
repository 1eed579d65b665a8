"""The fuzzing entry points: one function per harness, bytes in, None out, an exception when the input found a bug.

Kept free of atheris so that tests/unit/test_fuzz_regressions.py replays the corpus through exactly these
functions on a machine without the fuzzer. Each target calls linkguard's own entry point for one reader or input
layer the way the CLI does, and raises `CampaignFinding` (or lets a raw exception through) when the contract of
that entry point is broken:

- a reader raises anything but the errors its caller turns into an `Unreadable` result;
- inspection returns something that is not a result type;
- one artifact takes longer than the per-artifact time limit the CLI promises (plus a margin).
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import IO, Callable, Dict, Iterator, Optional, Tuple

from linkguard.limits import ArchiveLimits, Limits
from linkguard.readers.source import BytesSource

LIMITS = Limits()  # the defaults the CLI promises: the campaign checks the bounds users get
ARCHIVE_LIMITS = ArchiveLimits()
# The alarm in readers.read_artifact fires at limits.seconds; allow scheduling noise on a busy machine.
TIME_MARGIN = 5.0


class CampaignFinding(Exception):
    """An input broke an entry point's contract without raising (wrong result type, over the time limit)."""


@dataclass(frozen=True)
class MemoryArtifact:
    """An artifact whose bytes are in memory (the model.Artifact protocol)."""

    data: bytes
    path: str = "fuzz-input"
    location: str = "fuzz-input"

    @property
    def size(self) -> int:
        return len(self.data)

    def open(self) -> IO[bytes]:
        return io.BytesIO(self.data)


def _bounded(what: str, started: float, seconds: float) -> None:
    elapsed = time.monotonic() - started
    if elapsed > seconds + TIME_MARGIN:
        raise CampaignFinding(f"{what} took {elapsed:.1f} s, over the {seconds:g} s limit per artifact")


# ------------------------------------------------------------------------------------------------ ELF


def elf(data: bytes) -> None:
    """readers.read_artifact on an in-memory artifact: every input must give None, facts or Unreadable."""
    _read_any(data)


def pe(data: bytes) -> None:
    """readers.read_artifact on PE input (seeded with the PE fixtures): None, PeFacts or Unreadable, in time."""
    _read_any(data)


def macho(data: bytes) -> None:
    """readers.read_artifact on Mach-O input (thin and fat fixtures): None, MachoFacts or Unreadable, in time."""
    _read_any(data)


def _read_any(data: bytes) -> None:
    from linkguard.model import ElfFacts, MachoFacts, PeFacts, Unreadable
    from linkguard.readers import read_artifact

    started = time.monotonic()
    result = read_artifact(MemoryArtifact(data), LIMITS)
    _bounded("read_artifact", started, LIMITS.seconds)
    if result is not None and not isinstance(result, (ElfFacts, PeFacts, MachoFacts, Unreadable)):
        raise CampaignFinding(f"read_artifact returned {type(result).__name__}")


# ------------------------------------------------------------------------------------------------ UPX


def upx(data: bytes) -> None:
    """readers.upx.examine, then unpack_all on whatever examine recognised as packed.

    examine promises to raise nothing but BudgetExceeded; unpack_all nothing but UnpackError and BudgetExceeded.
    """
    from linkguard.readers import upx as upx_reader
    from linkguard.readers.budget import Budget, BudgetExceeded
    from linkguard.readers.unpack import UnpackError

    started = time.monotonic()
    try:
        result = upx_reader.examine_stream(io.BytesIO(data), len(data), Budget.for_limits(LIMITS))
    except BudgetExceeded:
        result = None
    if result is not None:
        with contextlib.suppress(UnpackError, BudgetExceeded):  # the documented refusals
            upx_reader.unpack_all(io.BytesIO(data), len(data), Budget.for_limits(LIMITS))
    _bounded("upx.examine + unpack_all", started, 2 * LIMITS.seconds)


# The decoder harness reads its parameters from an 8-byte prefix so that seeds can be real UPX blocks:
# method byte, filter id, cto8, one spare byte, sz_unc (little-endian u32), then the compressed bytes.
DECODER_PREFIX = struct.Struct("<BBBBI")
DECODER_MAX_OUTPUT = 4 << 20


def decoder_input(method: int, filter_id: int, cto8: int, sz_unc: int, src: bytes) -> bytes:
    """A decoder-harness input for one block (used by the seed script)."""
    return DECODER_PREFIX.pack(method, filter_id, cto8, 0, sz_unc) + src


def decoders(data: bytes) -> None:
    """readers.unpack.decode_block on one block: the output is exactly sz_unc bytes, or UnpackError/BudgetExceeded."""
    from linkguard.readers.budget import Budget, BudgetExceeded
    from linkguard.readers.unpack import UnpackError, decode_block

    if len(data) < DECODER_PREFIX.size:
        return
    method, filter_id, cto8, _spare, sz_unc = DECODER_PREFIX.unpack_from(data)
    sz_unc %= DECODER_MAX_OUTPUT + 1  # upx.py caps sizes from the file before decoding; so does the harness
    src = data[DECODER_PREFIX.size :]
    budget = Budget.for_limits(LIMITS)
    started = time.monotonic()
    try:
        out = decode_block(src, sz_unc, method, filter_id, cto8, budget.check_time)
    except (UnpackError, BudgetExceeded):
        return
    _bounded("decode_block", started, LIMITS.seconds)
    if len(out) != sz_unc:
        raise CampaignFinding(f"decode_block returned {len(out)} bytes for sz_unc {sz_unc}")


# ------------------------------------------------------------------------------------------------ Go build info


class BlobView:
    """An ImageView over raw bytes: one read-write PT_LOAD mapping the whole blob at virtual address 0."""

    bits = 64
    endian = "little"
    machine = "x86_64"
    sections: Tuple[object, ...] = ()

    def __init__(self, data: bytes) -> None:
        from linkguard.readers.image import PF_R, PF_W, PT_LOAD, Segment

        self._data = data
        self.size = len(data)
        self.segments = (Segment(PT_LOAD, PF_R | PF_W, 0, 0, len(data), len(data)),)

    def section(self, name: str) -> None:
        return None

    def read(self, offset: int, size: int) -> bytes:
        if offset < 0 or size <= 0:
            return b""
        return self._data[offset : offset + size]

    def read_vaddr(self, vaddr: int, size: int) -> Optional[bytes]:
        if not 0 <= vaddr < len(self._data):
            return None
        return self.read(vaddr, size)

    def defined_symbols(self) -> Iterator[Tuple[str, str]]:
        return iter(())

    def check_time(self) -> None:
        return None


def gobuild(data: bytes) -> None:
    """readers.gobuild: parse_buildinfo on the blob and find_buildinfo over it; the module promises no exception."""
    from linkguard.readers import gobuild as gobuild_reader

    view = BlobView(data)
    gobuild_reader.parse_buildinfo(data, view)  # type: ignore[arg-type]
    gobuild_reader.find_buildinfo(view)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ toolchain

# The first input byte picks the facts read_toolchain is given (they come from linkage_facts in the CLI).
TOOLCHAIN_CASES: Tuple[Tuple[str, Optional[str]], ...] = (
    ("static", None),
    ("static-pie", None),
    ("dynamic", "/lib64/ld-linux-x86-64.so.2"),
    ("dynamic", "/lib/ld-musl-x86_64.so.1"),
    ("shared-library", None),
    ("object", None),
)


def toolchain(data: bytes) -> None:
    """readers.toolchain.read_toolchain on an ELF image opened by readers.elf; only BudgetExceeded may escape."""
    from linkguard.readers import PARSE_ERRORS
    from linkguard.readers import elf as elf_reader
    from linkguard.readers import toolchain as toolchain_reader
    from linkguard.readers.budget import Budget, BudgetExceeded

    if not data:
        return
    linkage, interpreter = TOOLCHAIN_CASES[data[0] % len(TOOLCHAIN_CASES)]
    image_bytes = data[1:]
    if image_bytes[:4] != b"\x7fELF":
        return
    budget = Budget.for_limits(LIMITS)
    started = time.monotonic()
    try:
        image = elf_reader.ElfImage(BytesSource(image_bytes), budget)
        elf_reader.linkage_facts(image)  # the CLI reads the facts first and stops at a corrupt dynamic segment
    except (elf_reader.Corrupt, BudgetExceeded, *PARSE_ERRORS):
        return  # not an image the CLI would get this far with
    with contextlib.suppress(BudgetExceeded):
        toolchain_reader.read_toolchain(image, linkage, interpreter)
    _bounded("read_toolchain", started, LIMITS.seconds)


# ------------------------------------------------------------------------------------------------ archives

# harness -> the container kinds (magic.sniff_archive) it fuzzes; other inputs are ignored
ARCHIVE_KINDS: Dict[str, Tuple[str, ...]] = {
    "archive_tar": ("tar",),
    "archive_zip": ("zip",),
    "archive_ar": ("ar",),
    "archive_stream": ("gzip", "xz", "bzip2", "zstd"),
}

_scratch: Dict[str, str] = {}


def _scratch_file(data: bytes) -> str:
    """One reusable file per process (expand reads archives from disk, as the CLI does)."""
    path = _scratch.get("path")
    if path is None:
        base = "/dev/shm" if os.path.isdir("/dev/shm") else None
        handle, path = tempfile.mkstemp(prefix="linkguard-fuzz-", dir=base)
        os.close(handle)
        _scratch["path"] = path
    with open(path, "wb") as out:
        out.write(data)
    return path


def archive(harness: str) -> Callable[[bytes], None]:
    """The target of one archive harness: inputs.archives.expand, every member inspected as the CLI does."""

    kinds = ARCHIVE_KINDS[harness]

    def target(data: bytes) -> None:
        from linkguard.inputs.archives import MemberResult, expand
        from linkguard.inputs.files import Problem
        from linkguard.magic import sniff_archive
        from linkguard.model import Artifact, Skipped
        from linkguard.readers import read_artifact

        kind = sniff_archive(data[:512])
        if kind not in kinds:
            return
        location = _scratch_file(data)
        started = time.monotonic()

        def read(member: Artifact) -> object:
            return read_artifact(member, LIMITS)

        count = 0
        for entry in expand("fuzz-input", location, len(data), kind, ARCHIVE_LIMITS, read):  # type: ignore[arg-type]
            if not isinstance(entry, (MemberResult, Skipped, Problem)):
                raise CampaignFinding(f"expand yielded {type(entry).__name__}")
            count += 1
        # Each member has its own time limit; the archive as a whole gets one more for the container itself.
        _bounded("expand", started, LIMITS.seconds * (count + 1))

    target.__name__ = harness
    return target


# ------------------------------------------------------------------------------------------------ config


def config(data: bytes) -> None:
    """config.policy_from_table on a TOML document (as linkguard.toml and as pyproject's [tool.linkguard]).

    Only ConfigError may come out: anything else is exit 3 in the CLI instead of a configuration error (exit 2).
    """
    from linkguard.config import ConfigError, policy_from_table
    from linkguard.model import Severity

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # the same fallback as config.py
        import tomli as tomllib
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return
    tables = [document]
    tool = document.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("linkguard"), dict):
        tables.append(tool["linkguard"])
    for table in tables:
        try:
            policy = policy_from_table(table, "fuzz.toml")
        except ConfigError:
            continue
        for path in ("dist/spex", "dist/a.tar.gz!bin/x", ""):
            policy.excluded(path)
            path_policy = policy.for_path(path)
            path_policy.severity("LG101", "dynamic-link", Severity.ERROR)


TARGETS: Dict[str, Callable[[bytes], None]] = {
    "elf": elf,
    "pe": pe,
    "macho": macho,
    "upx": upx,
    "decoders": decoders,
    "gobuild": gobuild,
    "toolchain": toolchain,
    **{name: archive(name) for name in ARCHIVE_KINDS},
    "config": config,
}
