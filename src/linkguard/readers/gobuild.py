"""Go build info: the data `go version -m` prints, read from `.go.buildinfo` or found by scanning PT_LOADs.

Format (Go's debug/buildinfo and cmd/link): a 32-byte header at a 16-byte aligned address, starting with the
magic "\\xff Go buildinf:", then pointer size (byte 14) and flags (byte 15: bit 0 big-endian, bit 1 inline).
Inline (Go >= 1.18): uvarint-prefixed Go version and modinfo strings follow the header. Pointer format
(Go < 1.18): at 16 and 16+ptrsize, addresses of Go string headers {data, len}, resolved through PT_LOADs.
Everything here tolerates garbage: a malformed blob yields None or a partial GoBuildInfo, never an exception.
"""

from __future__ import annotations

from typing import List, Literal, Optional, Tuple

from linkguard.model import GoBuildInfo, GoModule
from linkguard.readers.image import PF_W, PT_LOAD, SHT_NOBITS, ImageView

MAGIC = b"\xff Go buildinf:"
HEADER_SIZE = 32
_ALIGN = 16
_FLAG_BIG_ENDIAN = 1
_FLAG_INLINE = 2

_FIRST_READ = 64 * 1024
_MAX_BLOB = 4 << 20  # far above any real modinfo (thousands of deps are ~ 1 MiB)
_MAX_VERSION = 1024
_SCAN_CHUNK = 1 << 20
_SCAN_CAP = 64 << 20  # bytes scanned for the magic in a section-less image

# modinfo is framed by 16-byte sentinels so the linker can find it; Go strips them when
# len >= 33 and the byte before the trailing sentinel is a newline.
_SENTINEL_LEN = 16


def find_buildinfo(view: ImageView) -> Optional[GoBuildInfo]:
    """The Go build info of `view`, or None when it is not a Go program (or the info is unreadable)."""
    section = view.section(".go.buildinfo")
    if section is not None and section.type != SHT_NOBITS and section.size >= HEADER_SIZE:
        info = parse_buildinfo(_read_blob(view, section.offset, section.size), view)
        if info is not None:
            return info
    if section is None and view.sections:
        # Go's linker always emits the section; with a section table and no such section this is not Go.
        return None
    offset = _scan_for_magic(view)
    if offset is None:
        return None
    return parse_buildinfo(_read_blob(view, offset, _MAX_BLOB), view)


def parse_buildinfo(blob: bytes, view: Optional[ImageView] = None) -> Optional[GoBuildInfo]:
    """Parse a build-info blob starting at the magic; `view` resolves the pre-1.18 pointer format."""
    if len(blob) < HEADER_SIZE or not blob.startswith(MAGIC):
        return None
    ptr_size = blob[14]
    flags = blob[15]
    version_raw: Optional[bytes]
    modinfo_raw: Optional[bytes]
    if flags & _FLAG_INLINE:
        version_raw, pos = _read_varstring(blob, HEADER_SIZE)
        modinfo_raw = None
        if version_raw is not None:
            modinfo_raw, _ = _read_varstring(blob, pos)
    else:
        if ptr_size not in (4, 8) or view is None or len(blob) < 16 + 2 * ptr_size:
            return None
        order: Literal["little", "big"] = "big" if flags & _FLAG_BIG_ENDIAN else "little"
        version_raw = _read_pointed_string(view, blob[16 : 16 + ptr_size], ptr_size, order)
        modinfo_raw = None
        if version_raw is not None:
            modinfo_raw = _read_pointed_string(view, blob[16 + ptr_size : 16 + 2 * ptr_size], ptr_size, order)
    if not version_raw or len(version_raw) > _MAX_VERSION:
        return None
    go_version = version_raw.decode("utf-8", errors="replace")
    if modinfo_raw is None:
        return GoBuildInfo(go_version=go_version)
    return parse_modinfo(go_version, modinfo_raw)


def parse_modinfo(go_version: str, modinfo: bytes) -> GoBuildInfo:
    """Parse the modinfo text (`path`, `mod`, `dep`, `=>`, `build` lines); unknown or bad lines are skipped."""
    if len(modinfo) >= 2 * _SENTINEL_LEN + 1 and modinfo[-_SENTINEL_LEN - 1] == 0x0A:
        modinfo = modinfo[_SENTINEL_LEN:-_SENTINEL_LEN]
    text = modinfo.decode("utf-8", errors="replace")
    path = ""
    main: Optional[_ModuleRecord] = None
    deps: List[_ModuleRecord] = []
    settings: List[Tuple[str, str]] = []
    last: Optional[_ModuleRecord] = None
    for line in text.split("\n"):
        kind, _, rest = line.partition("\t")
        if kind == "path":
            path = rest
        elif kind == "mod":
            main = last = _module_record(rest)
        elif kind == "dep":
            last = _module_record(rest)
            deps.append(last)
        elif kind == "=>":
            if last is not None:
                last.replacement = _module_record(rest)
            last = None
        elif kind == "build":
            setting = _parse_setting(rest)
            if setting is not None:
                settings.append(setting)
    return GoBuildInfo(
        go_version=go_version,
        path=path,
        main=main.freeze() if main is not None else None,
        deps=tuple(dep.freeze() for dep in deps),
        settings=tuple(settings),
    )


class _ModuleRecord:
    """A module while its replacement line may still follow."""

    def __init__(self, path: str, version: str, sum_: str) -> None:
        self.path = path
        self.version = version
        self.sum = sum_
        self.replacement: Optional[_ModuleRecord] = None

    def freeze(self) -> GoModule:
        replacement = self.replacement.freeze() if self.replacement is not None else None
        return GoModule(path=self.path, version=self.version, sum=self.sum, replacement=replacement)


def _module_record(columns: str) -> _ModuleRecord:
    fields = columns.split("\t")
    fields += [""] * (3 - len(fields))
    return _ModuleRecord(fields[0], fields[1], fields[2])


def _parse_setting(text: str) -> Optional[Tuple[str, str]]:
    """`KEY=VALUE` where KEY and VALUE may be Go-quoted (strconv.Quote) when they hold spaces, quotes, `=`..."""
    if not text:
        return None
    if text[0] in '"`':
        raw_key = go_quoted_prefix(text)
        if raw_key is None or len(text) == len(raw_key) or text[len(raw_key)] != "=":
            return None
        key = go_unquote(raw_key)
        raw_value = text[len(raw_key) + 1 :]
    else:
        key, sep, raw_value = text.partition("=")
        if not sep:
            return None
    if not key:
        return None
    value: Optional[str] = raw_value
    if raw_value[:1] in ('"', "`"):
        value = go_unquote(raw_value)
    if value is None:
        value = raw_value  # keep what is there rather than lose the setting
    return key, value


# ------------------------------------------------------------------------------------- Go string quoting

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
}
_HEX = "0123456789abcdefABCDEF"


def go_quoted_prefix(text: str) -> Optional[str]:
    """The Go-quoted string at the start of `text` (like strconv.QuotedPrefix), or None when malformed."""
    if not text:
        return None
    if text[0] == "`":
        end = text.find("`", 1)
        return text[: end + 1] if end > 0 else None
    if text[0] != '"':
        return None
    i = 1
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == '"':
            candidate = text[: i + 1]
            return candidate if go_unquote(candidate) is not None else None
        if char == "\n":
            return None
        i += 1
    return None


def go_unquote(raw: str) -> Optional[str]:
    """Undo strconv.Quote (double-quoted, escapes produce bytes or runes) or a raw backquoted string."""
    if len(raw) < 2:
        return None
    if raw[0] == "`" and raw[-1] == "`":
        body = raw[1:-1]
        return None if "`" in body else body.replace("\r", "")
    if raw[0] != '"' or raw[-1] != '"':
        return None
    body = raw[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char == '"' or char == "\n":
            return None
        if char != "\\":
            out += char.encode("utf-8", errors="replace")
            i += 1
            continue
        if i + 1 >= len(body):
            return None
        code = body[i + 1]
        if code in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[code].encode()
            i += 2
        elif code == "x":
            digits = body[i + 2 : i + 4]
            if len(digits) != 2 or any(d not in _HEX for d in digits):
                return None
            out.append(int(digits, 16))
            i += 4
        elif code in "uU":
            width = 4 if code == "u" else 8
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width or any(d not in _HEX for d in digits):
                return None
            point = int(digits, 16)
            if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
                return None
            out += chr(point).encode("utf-8")
            i += 2 + width
        elif code in "01234567":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or any(d not in "01234567" for d in digits) or int(digits, 8) > 255:
                return None
            out.append(int(digits, 8))
            i += 4
        else:
            return None
    return out.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------------------------- bytes


def _read_uvarint(blob: bytes, pos: int) -> Tuple[Optional[int], int]:
    value = 0
    for index in range(10):
        if pos + index >= len(blob):
            return None, pos
        byte = blob[pos + index]
        value |= (byte & 0x7F) << (7 * index)
        if byte < 0x80:
            return value, pos + index + 1
    return None, pos


def _read_varstring(blob: bytes, pos: int) -> Tuple[Optional[bytes], int]:
    length, start = _read_uvarint(blob, pos)
    if length is None or start + length > len(blob):
        return None, pos
    return blob[start : start + length], start + length


def _read_pointed_string(
    view: ImageView, pointer: bytes, ptr_size: int, order: Literal["little", "big"]
) -> Optional[bytes]:
    """Follow a pointer to a Go string header {data, len} and read the string (pre-1.18 format)."""
    header_addr = int.from_bytes(pointer, order)
    header = view.read_vaddr(header_addr, 2 * ptr_size)
    if header is None or len(header) != 2 * ptr_size:
        return None
    data_addr = int.from_bytes(header[:ptr_size], order)
    length = int.from_bytes(header[ptr_size:], order)
    if length > _MAX_BLOB:
        return None
    if length == 0:
        return b""
    data = view.read_vaddr(data_addr, length)
    if data is None or len(data) != length:
        return None
    return data


def _blob_extent(blob: bytes) -> int:
    """How many bytes the build info at the start of `blob` spans (header only for the pointer format)."""
    if len(blob) < HEADER_SIZE or not blob[15] & _FLAG_INLINE:
        return HEADER_SIZE
    end = HEADER_SIZE
    for _ in range(2):
        length, start = _read_uvarint(blob, end)
        if length is None:
            return end
        end = start + length
    return end


def _read_blob(view: ImageView, offset: int, limit: int) -> bytes:
    limit = max(0, min(limit, _MAX_BLOB, view.size - offset))
    blob = view.read(offset, min(_FIRST_READ, limit))
    needed = _blob_extent(blob)
    if len(blob) < needed <= limit:
        blob = view.read(offset, needed)
    return blob


def _scan_for_magic(view: ImageView) -> Optional[int]:
    """File offset of the magic at a 16-aligned address: writable PT_LOADs first (where Go puts it), then others."""
    loads = [seg for seg in view.segments if seg.type == PT_LOAD and seg.filesz > 0]
    ordered = [seg for seg in loads if seg.flags & PF_W] + [seg for seg in loads if not seg.flags & PF_W]
    remaining = _SCAN_CAP
    overlap = len(MAGIC) - 1
    for seg in ordered:
        end = min(seg.offset + seg.filesz, view.size)
        pos = seg.offset
        while pos < end and remaining > 0:
            view.check_time()
            step = min(_SCAN_CHUNK, end - pos, remaining)
            chunk = view.read(pos, min(step + overlap, end - pos))
            if not chunk:
                break
            hit = chunk.find(MAGIC)
            while 0 <= hit < step:
                if (seg.vaddr + pos - seg.offset + hit) % _ALIGN == 0:
                    return pos + hit
                hit = chunk.find(MAGIC, hit + 1)
            remaining -= step
            pos += step
    return None
