"""Mach-O facts per slice (thin or universal): CPU, file type, dylib load commands, rpaths, minimum OS, signature.

Why a reader of our own rather than macholib: the facts live in the mach header and the load commands, a few
KiB at the start of each slice; macholib parses whole files into mutable objects and leaves malformed commands
as partially filled structures we would have to audit. Here every load command is bounds-checked against
sizeofcmds and the slice, every read is charged to the Budget, and anything the facts depend on that cannot
be read raises `Corrupt` (LG901).

Layouts from Apple's <mach-o/loader.h> and <mach-o/fat.h> (cctools/xnu EXTERNAL_HEADERS), the code signature
SuperBlob/CodeDirectory from xnu's osfmk/kern/cs_blobs.h (CS_ADHOC 0x2, CS_LINKER_SIGNED 0x20000). UPX-packed
Mach-O executables are seen through following upx/upx src/p_mach.cpp (PackMachBase<T>::unpack and
canUnpack): the word after the 32-byte PackHeader is the overlay offset of a p_info (12 bytes), then one
b_info (12 bytes) whose block decompresses to the original mach header and load commands.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace
from typing import IO, Callable, Dict, List, Optional, Tuple

from linkguard.limits import MAX_BUILDS_PER_SLICE, MAX_LISTED_PER_FILE, MAX_LISTED_PER_SLICE, MAX_RPATHS_PER_SLICE
from linkguard.model import DYNAMIC, OS_ONLY, MachoBuild, MachoDylib, MachoFacts, MachoSlice, Packing, Toolchain
from linkguard.readers import platforms
from linkguard.readers.budget import Budget
from linkguard.readers.corrupt import Corrupt
from linkguard.readers.native import StructReader, find_all, printable_name, unpack
from linkguard.readers.upx.layout import FORMATS, ID_RE, id_version, short_pack_header
from linkguard.versions import numeric_prefix

MH_MAGIC, MH_MAGIC_64 = 0xFEEDFACE, 0xFEEDFACF
FAT_MAGIC, FAT_MAGIC_64 = 0xCAFEBABE, 0xCAFEBABF
MAX_FAT_ARCH = 64
MAX_COMMANDS = 4096
MAX_SIZEOFCMDS = 16 << 20
MAX_PACKED_HEADERS = 1 << 20  # the original's mach header + load commands inside a UPX block
UPX_TAIL = 16 << 10

CPU_TYPES: Dict[int, str] = {
    7: "i386",
    0x01000007: "x86_64",
    12: "arm",
    0x0100000C: "arm64",
    0x0200000C: "arm64_32",
    18: "ppc",
    0x01000012: "ppc64",
}
FILE_TYPES: Dict[int, str] = {
    1: "OBJECT",
    2: "EXECUTE",
    3: "FVMLIB",
    4: "CORE",
    5: "PRELOAD",
    6: "DYLIB",
    7: "DYLINKER",
    8: "BUNDLE",
    9: "DYLIB_STUB",
    10: "DSYM",
    11: "KEXT_BUNDLE",
    12: "FILESET",
}
PLATFORMS: Dict[int, str] = {
    1: "macos",
    2: "ios",
    3: "tvos",
    4: "watchos",
    5: "bridgeos",
    6: "maccatalyst",
    7: "iossimulator",
    8: "tvossimulator",
    9: "watchossimulator",
    10: "driverkit",
    11: "visionos",
    12: "visionossimulator",
}
LC_SEGMENT, LC_SEGMENT_64, LC_UNIXTHREAD = 0x1, 0x19, 0x5
LC_LOAD_DYLIB, LC_ID_DYLIB = 0xC, 0xD
LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, LC_LAZY_LOAD_DYLIB, LC_LOAD_UPWARD_DYLIB = (
    0x80000018,
    0x8000001F,
    0x20,
    0x80000023,
)
LC_RPATH, LC_CODE_SIGNATURE, LC_MAIN = 0x8000001C, 0x1D, 0x80000028
LC_BUILD_VERSION = 0x32
# Where the exported symbols are (readers/exports.py): the export trie (LC_DYLD_EXPORTS_TRIE with chained
# fixups, else export_off/export_size of LC_DYLD_INFO(_ONLY)), else LC_SYMTAB's external symbols.
LC_SYMTAB, LC_DYLD_INFO, LC_DYLD_INFO_ONLY, LC_DYLD_EXPORTS_TRIE = 0x2, 0x22, 0x80000022, 0x80000033
VERSION_MIN = {0x24: "macos", 0x25: "ios", 0x2F: "tvos", 0x30: "watchos"}
DYLIB_KINDS = {
    LC_LOAD_DYLIB: "load",
    LC_LOAD_WEAK_DYLIB: "weak",
    LC_REEXPORT_DYLIB: "reexport",
    LC_LAZY_LOAD_DYLIB: "lazy",
    LC_LOAD_UPWARD_DYLIB: "upward",
}
CSMAGIC_EMBEDDED_SIGNATURE, CSMAGIC_CODEDIRECTORY = 0xFADE0CC0, 0xFADE0C02
CS_ADHOC, CS_LINKER_SIGNED = 0x2, 0x20000
# UPX's Mach-O format bytes and the names `upx -l` prints (one table for every format: upx/layout.py).
UPX_MACHO_FORMATS = {code: name for code, name in FORMATS.items() if name.startswith(("macho/", "dylib/"))}


@dataclass(frozen=True)
class _Header:
    order: str  # "<" | ">"
    bits: int
    cputype: int
    cpusubtype: int
    filetype: int
    ncmds: int
    sizeofcmds: int
    size: int  # of the header itself


def _parse_header(data: bytes, what: str) -> _Header:
    if len(data) < 28:
        raise Corrupt(f"truncated: {what}: mach header", "truncated")
    for order in ("<", ">"):
        (magic,) = unpack(order + "I", data)
        if magic in (MH_MAGIC, MH_MAGIC_64):
            bits = 64 if magic == MH_MAGIC_64 else 32
            cputype, cpusubtype, filetype, ncmds, sizeofcmds = unpack(order + "iIIII", data, 4)
            return _Header(order, bits, cputype & 0xFFFFFFFF, cpusubtype, filetype, ncmds, sizeofcmds,
                           32 if bits == 64 else 28)  # fmt: skip
    raise Corrupt(f"corrupt Mach-O ({what}): no mach header magic")


def _cpu_name(cputype: int, cpusubtype: int) -> str:
    name = CPU_TYPES.get(cputype, f"cpu-{cputype:#x}")
    if name == "arm64" and cpusubtype & 0xFF == 2:
        return "arm64e"
    return name


def _version(value: int) -> str:
    """Mach-O packed version xxxx.yy.zz -> "14.0" or "10.13.4"."""
    major, minor, patch = value >> 16, (value >> 8) & 0xFF, value & 0xFF
    return f"{major}.{minor}.{patch}" if patch else f"{major}.{minor}"


@dataclass
class _Commands:
    dylibs: List[MachoDylib]
    rpaths: List[str]
    id_dylib: Optional[str] = None
    builds: List[MachoBuild] = field(default_factory=list)  # every LC_BUILD_VERSION / LC_VERSION_MIN_*, in order
    listed: int = MAX_LISTED_PER_SLICE  # dylibs this slice may list (its share of the file's, limits.py)
    dylibs_omitted: int = 0
    foreign_omitted: int = 0
    rpaths_omitted: int = 0
    any_foreign: bool = False  # over every dylib command, listed or not
    top_macos: Optional[MachoBuild] = None  # the highest macOS build version, kept even past the cap
    code_signature: Optional[Tuple[int, int]] = None
    segments: Optional[List[Tuple[str, int, int]]] = None  # (segname, fileoff, filesize)
    go_section: Optional[Tuple[int, int]] = None  # (offset, size) of __go_buildinfo
    unixthread: bool = False
    main: bool = False
    exports_trie: Optional[Tuple[int, int]] = None  # (offset, size) in the slice
    symtab: Optional[Tuple[int, int, int, int]] = None  # (symoff, nsyms, stroff, strsize)


def _parse_commands(header: _Header, cmds: bytes, what: str, listed: int = MAX_LISTED_PER_SLICE) -> _Commands:
    """Walk the load commands in `cmds` (exactly sizeofcmds bytes), bounds-checking each one. Every command is
    checked; at most `listed` dylibs (and as many again not part of macOS) and MAX_RPATHS_PER_SLICE rpaths are kept,
    the rest counted, so the facts of one slice stay a size a report can carry."""
    if header.ncmds > MAX_COMMANDS:
        raise Corrupt(f"corrupt Mach-O ({what}): {header.ncmds} load commands (at most {MAX_COMMANDS})")
    order = header.order
    out = _Commands(dylibs=[], rpaths=[], segments=[], listed=listed)
    platform_kept = foreign_kept = 0
    pos = 0
    for index in range(header.ncmds):
        if pos + 8 > len(cmds):
            raise Corrupt(f"corrupt Mach-O ({what}): load command {index} at {pos:#x} is past sizeofcmds")
        cmd, cmdsize = unpack(order + "II", cmds, pos)
        if cmdsize < 8 or pos + cmdsize > len(cmds):
            raise Corrupt(f"corrupt Mach-O ({what}): load command {index} ({cmd:#x}) has cmdsize {cmdsize}")
        body = cmds[pos : pos + cmdsize]
        if cmd in DYLIB_KINDS or cmd == LC_ID_DYLIB:
            name = _lc_str(body, order, what, index)
            if cmd == LC_ID_DYLIB:
                out.id_dylib = name
            else:
                kind = DYLIB_KINDS[cmd]
                platform = platforms.macos_platform_dylib(name)
                out.any_foreign = out.any_foreign or not platform
                if (platform_kept if platform else foreign_kept) >= listed:
                    out.dylibs_omitted += 1
                    out.foreign_omitted += 0 if platform else 1
                else:
                    platform_kept, foreign_kept = platform_kept + platform, foreign_kept + (not platform)
                    note = None if platform else platforms.macos_location_note(name)
                    where = platforms.macos_install_path(name)
                    out.dylibs.append(MachoDylib(name, kind, platform, note, where if where != name else None))
        elif cmd == LC_RPATH:
            rpath = _lc_str(body, order, what, index)
            if len(out.rpaths) < MAX_RPATHS_PER_SLICE:
                out.rpaths.append(rpath)
            else:
                out.rpaths_omitted += 1
        elif cmd == LC_BUILD_VERSION:  # a zippered slice has two: macos and maccatalyst; keep every one
            platform, minos, sdk = unpack(order + "III", body, 8)
            name = PLATFORMS.get(platform, f"platform-{platform}")
            _add_build(out, MachoBuild(name, _version(minos), _version(sdk)))
        elif cmd in VERSION_MIN:
            version, sdk = unpack(order + "II", body, 8)
            _add_build(out, MachoBuild(VERSION_MIN[cmd], _version(version), _version(sdk)))
        elif cmd == LC_CODE_SIGNATURE:
            out.code_signature = unpack(order + "II", body, 8)
        elif cmd in (LC_SEGMENT, LC_SEGMENT_64):
            _segment(body, cmd == LC_SEGMENT_64, order, out)
        elif cmd == LC_UNIXTHREAD:
            out.unixthread = True
        elif cmd == LC_MAIN:
            out.main = True
        elif cmd == LC_DYLD_EXPORTS_TRIE:
            out.exports_trie = unpack(order + "II", body, 8)
        elif cmd in (LC_DYLD_INFO, LC_DYLD_INFO_ONLY) and out.exports_trie is None:
            trie = unpack(order + "II", body, 40)  # export_off, export_size after rebase/bind/weak/lazy pairs
            out.exports_trie = trie if trie[1] else None
        elif cmd == LC_SYMTAB:
            out.symtab = unpack(order + "IIII", body, 8)
        pos += cmdsize
    return out


def _add_build(out: _Commands, build: MachoBuild) -> None:
    """Keep a build version unless it repeats one kept or the slice already has MAX_BUILDS_PER_SLICE - 1; the
    highest macOS floor is kept apart, so it is judged however many build versions precede it."""
    if build.platform == "macos" and (
        out.top_macos is None or numeric_prefix(build.minos) > numeric_prefix(out.top_macos.minos)
    ):
        out.top_macos = build
    if build not in out.builds and len(out.builds) < MAX_BUILDS_PER_SLICE - 1:
        out.builds.append(build)


def _all_builds(commands: _Commands) -> List[MachoBuild]:
    top = commands.top_macos
    return commands.builds + ([top] if top is not None and top not in commands.builds else [])


def _lc_str(body: bytes, order: str, what: str, index: int) -> str:
    (offset,) = unpack(order + "I", body, 8)
    if offset < 12 or offset >= len(body):
        raise Corrupt(f"corrupt Mach-O ({what}): load command {index} names a string outside itself")
    raw = body[offset:]
    end = raw.find(b"\0")
    if end < 0:
        raise Corrupt(f"corrupt Mach-O ({what}): load command {index}'s string is not terminated")
    return printable_name(raw[:end], f"{what}: load command {index} path", offset)


def _segment(body: bytes, is64: bool, order: str, out: _Commands) -> None:
    if is64:
        segname, _, _, fileoff, filesize = unpack(order + "16sQQQQ", body, 8)
        nsects = unpack(order + "I", body, 64)[0]
        first, sect_size = 72, 80
    else:
        segname, _, _, fileoff, filesize = unpack(order + "16sIIII", body, 8)
        nsects = unpack(order + "I", body, 48)[0]
        first, sect_size = 56, 68
    name = segname.rstrip(b"\0").decode("latin-1")
    assert out.segments is not None
    out.segments.append((name, fileoff, filesize))
    for i in range(min(nsects, (len(body) - first) // sect_size)):
        at = first + i * sect_size
        sectname = body[at : at + 16].rstrip(b"\0")
        if sectname == b"__go_buildinfo":
            if is64:
                size, offset = unpack(order + "QI", body, at + 40)
            else:
                size, offset = unpack(order + "II", body, at + 36)
            out.go_section = (offset, size)


def _signature(window: StructReader, location: Optional[Tuple[int, int]]) -> str:
    """Kind of the embedded code signature: only the SuperBlob index and the CodeDirectory header are read."""
    if location is None:
        return "none"
    offset, size = location
    head = window.read(offset, min(size, 12))
    if len(head) < 12 or int.from_bytes(head[:4], "big") != CSMAGIC_EMBEDDED_SIGNATURE:
        return "present"
    count = min(int.from_bytes(head[8:12], "big"), 64)
    index = window.read(offset + 12, min(8 * count, max(0, size - 12)))
    for at in range(0, len(index) - 7, 8):
        slot, blob_offset = struct.unpack_from(">II", index, at)
        if slot != 0:
            continue
        directory = window.read(offset + blob_offset, 16) if blob_offset + 16 <= size else b""
        if len(directory) < 16:
            return "present"
        magic, _, _, flags = struct.unpack_from(">IIII", directory)
        if magic != CSMAGIC_CODEDIRECTORY:
            return "present"
        if flags & CS_LINKER_SIGNED:
            return "linker-signed"
        if flags & CS_ADHOC:
            return "adhoc"
        return "signed"
    return "present"


def _go(window: StructReader, commands: _Commands) -> Optional[Toolchain]:
    if commands.go_section is None:
        return None
    from linkguard.readers.gobuild import parse_buildinfo

    offset, size = commands.go_section
    info = parse_buildinfo(window.read(offset, min(size, 4 << 20)))
    if info is None:
        return None
    return Toolchain(go=info, evidence=(f"Go build info: {info.go_version}" + (f", {info.path}" if info.path else ""),))


# ------------------------------------------------------------------------------------------------- UPX


def _pack_header(block: bytes) -> Optional[Tuple[int, int, int, int, bool]]:
    return short_pack_header(block, UPX_MACHO_FORMATS)


def _find_upx(window: StructReader, commands: _Commands) -> Optional[Tuple[int, Tuple[int, int, int, int, bool]]]:
    """(offset, header) of a checksum-valid UPX PackHeader in the slice's tail or before __LINKEDIT."""
    areas: List[Tuple[int, bytes]] = []
    start = max(0, window.size - UPX_TAIL)
    areas.append((start, window.read(start, window.size - start)))
    for name, fileoff, _ in commands.segments or ():
        if name == "__LINKEDIT" and fileoff < start:
            begin = max(0, fileoff - UPX_TAIL)
            areas.append((begin, window.read(begin, fileoff - begin)))
    for base, data in areas:
        for hit in reversed(find_all(data, b"UPX!", 64)):
            header = _pack_header(data[hit : hit + 32])
            if header is not None:
                return base + hit, header
    shaped = commands.unixthread and not commands.main and not commands.dylibs
    if not shaped:
        return None
    for base, data in areas:  # the "UPX!" magic may have been wiped: look for a checksum-valid header
        for pos in range(len(data) - 36, -1, -1):
            if data[pos + 4] in (13, 14) and data[pos + 5] in UPX_MACHO_FORMATS:
                header = _pack_header(data[pos : pos + 32])
                if header is not None:
                    return base + pos, header
    return None


def _upx(window: StructReader, header: _Header, commands: _Commands) -> Optional[Tuple[Packing, Optional[MachoSlice]]]:
    found = _find_upx(window, commands)
    if found is None:
        return None
    offset, (version, fmt, method, level, magic_ok) = found
    from linkguard.readers.unpack import METHODS, UnpackError, decompress, method_family

    evidence = ["UPX PackHeader with a valid checksum"]
    if not magic_ok:
        evidence.append('the "UPX!" magic of the PackHeader was overwritten')
    original: Optional[MachoSlice] = None
    error: Optional[str] = None
    raw = window.read(offset + 32, 4)
    overlay = int.from_bytes(raw, "big" if fmt >= 128 else "little") if len(raw) == 4 else 0
    records = window.read(overlay, 24) if 0 < overlay < window.size else b""
    if len(records) < 24:
        error = f"the overlay offset {overlay:#x} after the PackHeader points outside the file"
    else:
        order = ">" if fmt >= 128 else "<"
        sz_unc, sz_cpr, b_method = unpack(order + "IIB", records, 12)
        if not 0 < sz_cpr <= sz_unc <= MAX_PACKED_HEADERS or b_method not in METHODS:
            error = (
                f"the first packed block (b_info sz_unc {sz_unc}, sz_cpr {sz_cpr}, method {b_method}) is implausible"
            )
        else:
            src = window.exact(overlay + 24, sz_cpr, "packed Mach-O headers")
            window.budget.charge_inflate(sz_unc)
            try:
                plain = src if sz_cpr == sz_unc else decompress(src, b_method, sz_unc, window.budget.check_time)
            except UnpackError as exc:
                plain = b""
                error = f"the packed headers do not decompress: {exc}"
            if plain:
                original, error = _original(plain, header)
    idents = ID_RE.findall(window.read(max(0, offset - 8192), min(offset, 8192)))  # the loader's $Id string
    version_text = id_version(idents[-1].decode("ascii")) if idents else {13: "3.9x", 14: "4.x"}.get(version)
    packing = Packing(
        packer="upx",
        version=version_text,
        format=UPX_MACHO_FORMATS.get(fmt),
        method=method_family(method),
        level=level,
        checksum_ok=True,
        tampered=not magic_ok,
        confidence="certain",
        evidence=tuple(evidence),
        see_through_error=error,
    )
    return packing, original


def _original(plain: bytes, packed: _Header) -> Tuple[Optional[MachoSlice], Optional[str]]:
    try:
        header = _parse_header(plain, "original behind UPX")
        if (header.cputype, header.filetype) != (packed.cputype, packed.filetype):
            return None, "the unpacked mach header does not match the packed one (cputype/filetype)"
        cmds = plain[header.size : header.size + header.sizeofcmds]
        if len(cmds) < header.sizeofcmds:
            return None, "the unpacked load commands are shorter than sizeofcmds"
        commands = _parse_commands(header, cmds, "original behind UPX")
    except Corrupt as exc:
        return None, str(exc)
    piece = _slice(header, commands, "none", None, 0, 0)
    entries = _host_entries(lambda at, length: plain[at : at + length], header, commands)
    return (replace(piece, host_entries=entries) if entries else piece), None


def _slice(
    header: _Header, commands: _Commands, signature: str, toolchain: Optional[Toolchain], offset: int, size: int
) -> MachoSlice:
    linkage = DYNAMIC if commands.any_foreign else OS_ONLY
    builds = _all_builds(commands)
    primary = _primary_build(builds)
    return MachoSlice(
        machine=_cpu_name(header.cputype, header.cpusubtype),
        bits=header.bits,
        endian="little" if header.order == "<" else "big",
        type=FILE_TYPES.get(header.filetype, f"filetype-{header.filetype}"),
        linkage=linkage,
        dylibs=tuple(commands.dylibs),
        rpaths=tuple(commands.rpaths),
        id_dylib=commands.id_dylib,
        minos=primary.minos if primary else None,
        sdk=primary.sdk if primary else None,
        platform=primary.platform if primary else None,
        builds=tuple(builds),
        dylibs_omitted=commands.dylibs_omitted,
        foreign_omitted=commands.foreign_omitted,
        rpaths_omitted=commands.rpaths_omitted,
        signature=signature,
        toolchain=toolchain,
        offset=offset,
        size=size,
    )


def _host_entries(read_at: Callable[[int, int], bytes], header: _Header, commands: _Commands) -> Tuple[str, ...]:
    """Exported host entry points of one slice (readers/exports.py): the export trie, else LC_SYMTAB."""
    from linkguard.readers import exports

    if commands.exports_trie is not None:
        offset, size = commands.exports_trie
        return exports.macho_trie_entries(read_at(offset, min(size, exports.MAX_STRING_TABLE)))
    if commands.symtab is not None:
        return exports.macho_symtab_entries(read_at, header.order, header.bits, commands.symtab)
    return ()


def _host_imports(read_at: Callable[[int, int], bytes], header: _Header, commands: _Commands) -> Tuple[str, ...]:
    """Undefined LC_SYMTAB symbols of one slice that only a host defines (readers/exports.py)."""
    from linkguard.readers import exports

    if commands.symtab is None:
        return ()
    return exports.macho_symtab_imports(read_at, header.order, header.bits, commands.symtab)


def _primary_build(builds: List[MachoBuild]) -> Optional[MachoBuild]:
    """The build the summary fields show: the first macOS one (what dyld on macOS checks), else the first."""
    return next((b for b in builds if b.platform == "macos"), builds[0] if builds else None)


# ----------------------------------------------------------------------------------------------- facts


def read_slice(window: StructReader, what: str, listed: int = MAX_LISTED_PER_SLICE) -> MachoSlice:
    header = _parse_header(window.exact(0, 32 if window.size >= 32 else 28, f"{what}: mach header"), what)
    if header.sizeofcmds > MAX_SIZEOFCMDS:
        raise Corrupt(f"corrupt Mach-O ({what}): sizeofcmds {header.sizeofcmds} is implausibly large")
    cmds = window.exact(header.size, header.sizeofcmds, f"{what}: load commands")
    commands = _parse_commands(header, cmds, what, listed)
    signature = _signature(window, commands.code_signature)
    toolchain = _go(window, commands)
    piece = _slice(header, commands, signature, toolchain, window.base, window.size)
    entries = _host_entries(lambda at, length: window.read(at, length), header, commands)
    if entries:
        piece = replace(piece, host_entries=entries)
    elif header.filetype in (6, 8):  # MH_DYLIB, MH_BUNDLE: a plugin that exports no entry: what it leaves to its host
        imports = _host_imports(lambda at, length: window.read(at, length), header, commands)
        piece = replace(piece, host_imports=imports) if imports else piece
    # A packed executable keeps only segments + LC_UNIXTHREAD (p_mach.cpp canUnpack); a packed dylib keeps its
    # load commands (dyld must load its dependencies before UPX's init runs), so dylibs are always searched.
    packed_shape = (commands.unixthread and not commands.dylibs and header.filetype in (2, 8)) or header.filetype == 6
    upx = _upx(window, header, commands) if packed_shape else None
    if upx is not None:
        packing, original = upx
        piece = replace(piece, packing=packing, original=original)
    return piece


def read_facts(stream: IO[bytes], size: int, budget: Budget) -> MachoFacts:
    """Facts of the Mach-O file in `stream`: every slice of a fat file, or the one of a thin file."""
    window = StructReader(stream, 0, size, budget)
    head = window.exact(0, 8, "Mach-O magic")
    magic = int.from_bytes(head[:4], "big")
    if magic not in (FAT_MAGIC, FAT_MAGIC_64):
        return MachoFacts(slices=(read_slice(window, "thin file"),))
    count = int.from_bytes(head[4:8], "big")
    if not 0 < count <= MAX_FAT_ARCH:
        raise Corrupt(f"corrupt Mach-O: universal header lists {count} architectures (1..{MAX_FAT_ARCH})")
    is64 = magic == FAT_MAGIC_64
    entry = 32 if is64 else 20
    table = window.exact(8, entry * count, "universal architecture table")
    slices: List[MachoSlice] = []
    warnings: List[str] = []
    listed = max(16, min(MAX_LISTED_PER_SLICE, MAX_LISTED_PER_FILE // count))  # each slice's share of the report
    for i in range(count):
        if is64:
            cputype, cpusubtype, offset, length = unpack(">IIQQ", table, entry * i)
        else:
            cputype, cpusubtype, offset, length = unpack(">IIII", table, entry * i)
        if offset < 8 + entry * count or offset + length > size or length < 28:
            raise Corrupt(
                f"corrupt Mach-O: universal slice {i} ({_cpu_name(cputype, cpusubtype)}) at {offset:#x}+{length:#x} "
                f"lies outside the file ({size} bytes)",
                "truncated" if offset + length > size else "corrupt",
            )
        piece = read_slice(StructReader(stream, offset, length, budget), f"slice {i}", listed)
        if _cpu_name(cputype, cpusubtype).rstrip("e") != piece.machine.rstrip("e"):
            warnings.append(
                f"slice {i}: universal header says {_cpu_name(cputype, cpusubtype)}, header {piece.machine}"
            )
        slices.append(piece)
    return MachoFacts(slices=tuple(slices), fat=True, warnings=tuple(warnings))
