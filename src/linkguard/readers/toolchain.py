"""Toolchain evidence: which compilers built an image, Go build info, Rust, and the libc a static binary carries.

Facts only (no judgement). The libc of a dynamic program comes from its interpreter; for a static program it comes
from markers glibc and musl leave behind (field guide, section 8), and for static glibc the NSS/iconv entry points
it reaches, which make glibc load shared objects from the host at run time. Every scan is bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Literal, Optional, Sequence, Set, Tuple

from linkguard.model import SELF_CONTAINED, GoBuildInfo, Toolchain, libc_from_interpreter
from linkguard.readers.gobuild import find_buildinfo
from linkguard.readers.image import PF_W, PF_X, PT_LOAD, PT_NOTE, SHT_NOBITS, ImageView

_COMMENT_CAP = 64 * 1024
_NOTE_CAP = 64 * 1024
_CHUNK = 1 << 20
STATIC_SCAN_CAP = 64 << 20  # bytes of read-only data scanned for libc markers in a static image
RUST_SCAN_CAP = 16 << 20  # bytes scanned for Rust panic paths when .comment does not name rustc

# Defined in a static glibc program only when it calls them; each makes glibc load libnss_*.so or gconv modules
# from the host at run time. (dlopen is not here: glibc >= 2.34 defines a weak dlopen in every static program.)
NSS_SYMBOLS = (
    "getaddrinfo",
    "getnameinfo",
    "gethostbyname",
    "gethostbyname_r",
    "gethostbyname2",
    "gethostbyname2_r",
    "gethostbyaddr",
    "gethostbyaddr_r",
    "getpwnam",
    "getpwnam_r",
    "getpwuid",
    "getpwuid_r",
    "getpwent",
    "getspnam",
    "getspnam_r",
    "getgrnam",
    "getgrnam_r",
    "getgrgid",
    "getgrgid_r",
    "getgrent",
    "getgrouplist",
    "initgroups",
    "getservbyname",
    "getservbyname_r",
    "getservbyport",
    "getservbyport_r",
    "getprotobyname",
    "getprotobynumber",
    "iconv_open",
)
# Defined only in musl's startup code.
MUSL_SYMBOLS = ("__init_libc", "__libc_start_init")

GLIBC_STRINGS = (b"GLIBC_TUNABLES", b"Fatal glibc error", b"glibc.cpu.hwcaps")
MUSL_STRINGS = (b"No error information",)  # musl's strerror(0); glibc says "Success"
# Present in a static glibc program only when NSS code is linked in. (Not "/etc/nsswitch.conf" alone: Go's
# pure-Go resolver carries that string too, in musl and CGO_ENABLED=0 builds.)
NSS_STRINGS = (b"libnss_", b"__nss_database")
NSS_SUPPORTING_STRINGS = (b"/etc/nsswitch.conf",)

_GLIBC_BANNER = re.compile(rb"GNU C Library \(([^)\x00\n]{1,80})\) (?:stable )?release version (\d+\.\d+(?:\.\d+)?)")
_NSS_LOOKUP = re.compile(rb"__nss_([a-z]{2,16})_lookup2\x00")
_RUSTC_PATH = re.compile(rb"/rustc/([0-9a-f]{40})/")
_RUSTC_VERSION = re.compile(r"rustc version (\d+\.\d+\.\d+(?:-[\w.]+)?)")
_NT_GNU_ABI_TAG = 1
_ABI_OS = {0: "Linux", 1: "GNU", 2: "Solaris", 3: "FreeBSD"}


def read_toolchain(view: ImageView, linkage: str, interpreter: Optional[str]) -> Toolchain:
    """Toolchain evidence for one image; `linkage` and `interpreter` come from the already-read facts."""
    evidence: List[str] = []
    compilers = _comment_strings(view)
    go = find_buildinfo(view)
    if go is not None:
        evidence.append(_describe_go(go))
    rust = _rust_from_comment(compilers)
    if rust is not None:
        evidence.append(f".comment names {rust}")

    libc: Optional[str] = None
    libc_version: Optional[str] = None
    nss: Tuple[str, ...] = ()
    if linkage in SELF_CONTAINED and go is not None and go.setting("CGO_ENABLED") == "0":
        pass  # a Go program built without cgo links no C library: nothing to look for
    elif linkage in SELF_CONTAINED:
        static = _examine_static_libc(view, want_rust=rust is None and go is None)
        libc, libc_version, nss = static.libc, static.libc_version, tuple(static.nss)
        evidence.extend(static.evidence)
        if rust is None and static.rust is not None:
            rust = static.rust
    else:
        libc = libc_from_interpreter(interpreter)
        if libc is not None:
            evidence.append(f"interpreter {interpreter} ({libc})")
        # rustc names itself in .comment; only a file without section headers needs the (costly) string scan.
        if rust is None and go is None and not view.sections:
            scan = _scan_strings(view, _readonly_regions(view), (), RUST_SCAN_CAP, rust=True)
            if scan.rust_commit is not None:
                rust = f"rustc (commit {scan.rust_commit[:12]})"
                evidence.append(f"string /rustc/{scan.rust_commit}/ in {scan.rust_region}")
    return Toolchain(
        compilers=compilers,
        go=go,
        rust=rust,
        libc=libc,
        libc_version=libc_version,
        nss=nss,
        evidence=tuple(evidence),
    )


# -------------------------------------------------------------------------------------------- compilers


def _comment_strings(view: ImageView) -> Tuple[str, ...]:
    """NUL-separated producer strings of `.comment` ("GCC: (Debian 12.2.0-14) 12.2.0", "rustc version ...")."""
    section = view.section(".comment")
    if section is None or section.type == SHT_NOBITS or section.size == 0:
        return ()
    raw = view.read(section.offset, min(section.size, _COMMENT_CAP))
    seen: Dict[str, None] = {}
    for part in raw.split(b"\0"):
        text = part.decode("utf-8", errors="replace").strip()
        if text and len(text) <= 512:
            seen.setdefault(text, None)
    return tuple(seen)


def _rust_from_comment(compilers: Sequence[str]) -> Optional[str]:
    for text in compilers:
        match = _RUSTC_VERSION.search(text)
        if match:
            return f"rustc {match.group(1)}"
    return None


def _describe_go(go: GoBuildInfo) -> str:
    parts = [f"Go build info: {go.go_version}"]
    for key in ("CGO_ENABLED", "-buildmode"):
        value = go.setting(key)
        if value is not None:
            parts.append(f"{key}={value}")
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------- static libc


@dataclass
class _StaticLibc:
    libc: Optional[str] = None
    libc_version: Optional[str] = None
    nss: List[str] = field(default_factory=list)
    rust: Optional[str] = None
    evidence: List[str] = field(default_factory=list)


def _examine_static_libc(view: ImageView, want_rust: bool) -> _StaticLibc:
    result = _StaticLibc()
    abi_tag = _gnu_abi_tag(view)
    scan = _scan_strings(
        view,
        _readonly_regions(view),
        GLIBC_STRINGS + MUSL_STRINGS + NSS_STRINGS + NSS_SUPPORTING_STRINGS,
        STATIC_SCAN_CAP,
        rust=want_rust,
    )
    symbols, symbol_table = _interesting_symbols(view)

    glibc_markers = [needle for needle in GLIBC_STRINGS if needle in scan.found]
    if abi_tag is not None:
        result.evidence.append(abi_tag)
    for needle in glibc_markers:
        result.evidence.append(f"string {_show(needle)} in {scan.found[needle]}")
    # One stray string could be user data; the ABI note comes from glibc's crt1.o, so it suffices alone.
    if abi_tag is not None or len(glibc_markers) >= 2:
        result.libc = "glibc"
        if scan.glibc_banner is not None:
            result.libc_version = scan.glibc_banner[1]
            result.evidence.append(f"glibc banner ({scan.glibc_banner[0]}) release {scan.glibc_banner[1]}")
        _static_glibc_nss(result, scan, symbols, symbol_table)
    else:
        musl_symbols = [name for name in MUSL_SYMBOLS if name in symbols]
        musl_strings = [needle for needle in MUSL_STRINGS if needle in scan.found]
        if musl_symbols or musl_strings:
            result.libc = "musl"
            result.evidence.extend(f"symbol {name} defined in {symbol_table}" for name in musl_symbols)
            result.evidence.extend(f"string {_show(n)} in {scan.found[n]} (musl strerror)" for n in musl_strings)
    if scan.rust_commit is not None:
        result.rust = f"rustc (commit {scan.rust_commit[:12]})"
        result.evidence.append(f"string /rustc/{scan.rust_commit}/ in {scan.rust_region}")
    return result


def _static_glibc_nss(result: _StaticLibc, scan: _Scan, symbols: Set[str], symbol_table: str) -> None:
    if symbol_table:
        # Symbols are precise: a defined getaddrinfo means the program calls it (or a library it links does).
        for name in NSS_SYMBOLS:
            if name in symbols:
                result.nss.append(name)
                result.evidence.append(f"symbol {name} defined in {symbol_table}")
        return
    for database in scan.nss_databases:
        result.nss.append(f"NSS {database} lookup")
        result.evidence.append(f"string __nss_{database}_lookup2 in {scan.nss_region}")
    markers = [needle for needle in NSS_STRINGS if needle in scan.found]
    if not markers and not result.nss:
        return
    for needle in markers + [n for n in NSS_SUPPORTING_STRINGS if n in scan.found]:
        result.evidence.append(f"string {_show(needle)} in {scan.found[needle]}")
    if not result.nss:
        result.nss.append("NSS (" + _show(markers[0]) + ")")


def _interesting_symbols(view: ImageView) -> Tuple[Set[str], str]:
    """Which NSS/musl symbols are defined, and the table that told (empty when no symbol table survives)."""
    wanted = set(NSS_SYMBOLS) | set(MUSL_SYMBOLS)
    found: Set[str] = set()
    tables: Dict[str, None] = {}
    for count, (name, table) in enumerate(view.defined_symbols()):
        tables.setdefault(table, None)
        if name in wanted:
            found.add(name)
        if count % 8192 == 0:
            view.check_time()
    # .dynsym/DT_SYMTAB of a static-pie lists almost nothing; only a full .symtab answers "is X linked in".
    table = ".symtab" if ".symtab" in tables else ""
    return (found, table) if table else (set(), "")


def _gnu_abi_tag(view: ImageView) -> Optional[str]:
    """Describe the GNU ABI tag note (`.note.ABI-tag`, from glibc's crt1.o) when present."""
    section = view.section(".note.ABI-tag")
    candidates: List[Tuple[int, int, str]] = []
    if section is not None and section.type != SHT_NOBITS:
        candidates.append((section.offset, section.size, ".note.ABI-tag"))
    else:
        candidates.extend((seg.offset, seg.filesz, "PT_NOTE") for seg in view.segments if seg.type == PT_NOTE)
    for offset, size, where in candidates:
        for name, note_type, desc in _iter_notes(view.read(offset, min(size, _NOTE_CAP)), view.endian):
            if name == b"GNU" and note_type == _NT_GNU_ABI_TAG and len(desc) >= 16:
                order = _byte_order(view.endian)
                os_id, major, minor, sub = (int.from_bytes(desc[i : i + 4], order) for i in range(0, 16, 4))
                kernel = f"{_ABI_OS.get(os_id, f'OS {os_id}')} {major}.{minor}.{sub}"
                return f"GNU ABI tag note in {where} (glibc crt1.o; {kernel})"
    return None


def _byte_order(endian: str) -> Literal["little", "big"]:
    return "big" if endian == "big" else "little"


def _iter_notes(data: bytes, endian: str) -> Iterator[Tuple[bytes, int, bytes]]:
    order = _byte_order(endian)
    pos = 0
    while pos + 12 <= len(data):
        namesz = int.from_bytes(data[pos : pos + 4], order)
        descsz = int.from_bytes(data[pos + 4 : pos + 8], order)
        note_type = int.from_bytes(data[pos + 8 : pos + 12], order)
        name_end = pos + 12 + namesz
        desc_start = name_end + (-namesz % 4)
        desc_end = desc_start + descsz
        if desc_end > len(data):
            return
        yield data[pos + 12 : name_end].rstrip(b"\0"), note_type, data[desc_start:desc_end]
        pos = desc_end + (-descsz % 4)


# ----------------------------------------------------------------------------------------- string scan


@dataclass
class _Scan:
    found: Dict[bytes, str] = field(default_factory=dict)  # needle -> region it was first seen in
    glibc_banner: Optional[Tuple[str, str]] = None  # (distribution text, release)
    nss_databases: List[str] = field(default_factory=list)
    nss_region: str = ""
    rust_commit: Optional[str] = None
    rust_region: str = ""


def _readonly_regions(view: ImageView) -> List[Tuple[str, int, int]]:
    """(name, offset, size) of the image's read-only data: `.rodata`, else non-executable read-only PT_LOADs.

    Without any read-only PT_LOAD (old single-text-segment layouts) the executable ones are used instead.
    """
    section = view.section(".rodata")
    if section is not None and section.type != SHT_NOBITS:
        return [(".rodata", section.offset, section.size)]
    if view.sections:
        return []
    loads = [seg for seg in view.segments if seg.type == PT_LOAD and seg.filesz > 0]
    readonly = [seg for seg in loads if not seg.flags & (PF_W | PF_X)]
    chosen = readonly or [seg for seg in loads if seg.flags & PF_X]
    return [(f"read-only PT_LOAD at {seg.vaddr:#x}", seg.offset, seg.filesz) for seg in chosen]


def _scan_strings(
    view: ImageView, regions: Sequence[Tuple[str, int, int]], needles: Sequence[bytes], cap: int, rust: bool
) -> _Scan:
    """Look for `needles` (and banner/NSS/Rust patterns) in `regions`, reading at most `cap` bytes in chunks."""
    scan = _Scan()
    overlap = 128  # longer than any needle or pattern match
    remaining = cap
    databases: Dict[str, None] = {}
    for name, start, size in regions:
        end = min(start + size, view.size)
        pos = start
        while pos < end and remaining > 0:
            view.check_time()
            step = min(_CHUNK, end - pos, remaining)
            chunk = view.read(pos, min(step + overlap, end - pos))
            if not chunk:
                break
            for needle in needles:
                if needle not in scan.found and needle in chunk:
                    scan.found[needle] = name
            if scan.glibc_banner is None and b"GNU C Library" in chunk:
                match = _GLIBC_BANNER.search(chunk)
                if match:
                    scan.glibc_banner = (_text(match.group(1)), _text(match.group(2)))
            if b"_lookup2" in chunk:
                for match in _NSS_LOOKUP.finditer(chunk):
                    databases.setdefault(_text(match.group(1)), None)
                    scan.nss_region = scan.nss_region or name
            if rust and scan.rust_commit is None and b"/rustc/" in chunk:
                match = _RUSTC_PATH.search(chunk)
                if match:
                    scan.rust_commit = _text(match.group(1))
                    scan.rust_region = name
            remaining -= step
            pos += step
    scan.nss_databases = list(databases)
    return scan


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _show(needle: bytes) -> str:
    return needle.decode("ascii", errors="replace")
