"""Build each harness's seed corpus from the committed fixtures (tests/data/**) into fuzz/corpus/<harness>/.

Seeds are generated, never committed: the fixtures stay the one copy. Run from anywhere:
`python fuzz/make_seeds.py` (add `--max-len N` to match the -max_len of the campaign; larger files are left out).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import os
import re
import sys
from typing import Callable, Dict, Iterator, List

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "tests", "data")
sys.path.insert(0, os.path.join(ROOT, "src"))
sys.path.insert(0, HERE)

import targets  # noqa: E402

from linkguard.magic import sniff, sniff_archive  # noqa: E402
from linkguard.seekable import StreamSource, Window  # noqa: E402

GO_MAGIC = b"\xff Go buildinf:"


def fixture_files() -> Iterator[str]:
    for directory, _dirs, files in os.walk(DATA):
        for name in sorted(files):
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield path


def read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def elf_files(max_len: int) -> Iterator[bytes]:
    for path in fixture_files():
        if os.path.getsize(path) <= max_len:
            data = read(path)
            if data[:4] == b"\x7fELF" or "malformed" in path:
                yield data


def native_files(kind: str) -> Callable[[int], Iterator[bytes]]:
    """PE or Mach-O seeds: every fixture whose magic says so, and that format's malformed corpus."""

    def seeds(max_len: int) -> Iterator[bytes]:
        for path in fixture_files():
            if os.path.getsize(path) <= max_len:
                data = read(path)
                if sniff(data[:4096]) == kind or f"malformed/{kind}" in path:
                    yield data

    return seeds


def upx_files(max_len: int) -> Iterator[bytes]:
    for data in elf_files(max_len):
        if b"UPX!" in data or b"UPX" in data:
            yield data


def decoder_blocks(max_len: int) -> Iterator[bytes]:
    """Every compressed block of the UPX fixtures, with the parameters its b_info record gives."""
    from linkguard.readers import upx
    from linkguard.readers.budget import Budget

    for path in fixture_files():
        if "/upx" not in path or os.path.getsize(path) > (8 << 20):
            continue
        data = read(path)
        if data[:4] != b"\x7fELF":
            continue
        f = Window(StreamSource(io.BytesIO(data), len(data)))
        packed = upx._parse_ehdr(f.read(0, 64))
        if packed is None:
            continue
        tail_start = max(0, f.size - upx.TAIL_SEARCH)
        packheader = upx._find_packheader(f.read(tail_start, f.size - tail_start), tail_start)[0]
        phdrs = []
        if packed.phentsize == upx._phentsize(packed.bits) and 0 < packed.phnum <= 256:
            phdrs = upx._parse_phdrs(packed, f.read(packed.phoff, packed.phnum * packed.phentsize))
        budget = Budget()
        header = upx._locate_header(f, packed, packheader, budget, [], None)
        if header is None:
            continue
        chain = upx._walk(f, header, packed.endian, budget, None, phdrs)
        for block in [header.block, *chain.blocks]:
            if block.literal or block.sz_cpr >= block.sz_unc or block.sz_cpr > max_len:
                continue
            src = f.read(block.file_pos, block.sz_cpr)
            yield targets.decoder_input(block.method, block.filter, block.cto8, block.sz_unc, src)


def gobuild_blobs(max_len: int) -> Iterator[bytes]:
    """The build-info blob of every Go fixture: from the magic to the end of its two strings (or max_len)."""
    for path in fixture_files():
        data = read(path)
        at = data.find(GO_MAGIC)
        while at >= 0:
            if at % 16 == 0:
                yield data[at : at + max_len]
                break
            at = data.find(GO_MAGIC, at + 1)


def toolchain_images(max_len: int) -> Iterator[bytes]:
    for i, data in enumerate(elf_files(max_len - 1)):
        if data[:4] == b"\x7fELF":
            yield bytes([i % len(targets.TOOLCHAIN_CASES)]) + data


def archives_of(kinds: tuple[str, ...]) -> Callable[[int], Iterator[bytes]]:
    def seeds(max_len: int) -> Iterator[bytes]:
        for path in fixture_files():
            if os.path.getsize(path) <= max_len:
                data = read(path)
                if sniff_archive(data[:512]) in kinds:
                    yield data

    return seeds


def config_documents(max_len: int) -> Iterator[bytes]:
    """TOML the project documents or tests: ```toml blocks in the docs and TOML strings in the config tests."""
    import tomllib

    texts: List[str] = []
    for doc in [os.path.join(ROOT, "README.md"), *sorted(_docs())]:
        texts += re.findall(r"```toml\n(.*?)```", read(doc).decode("utf-8"), re.S)
    for test in ("test_config.py", "test_cli.py"):
        source = read(os.path.join(ROOT, "tests", "unit", test)).decode("utf-8")
        texts += [s for s in re.findall(r'"""(.*?)"""', source, re.S) if "=" in s]
        for literal in re.findall(r"""(?:'[^'\n]*\\n[^'\n]*'|"[^"\n]*\\n[^"\n]*")""", source):
            try:
                texts.append(ast.literal_eval(literal))
            except (ValueError, SyntaxError):
                continue
    texts.append(read(os.path.join(ROOT, "pyproject.toml")).decode("utf-8"))
    texts.append(_every_key())
    for text in texts:
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        raw = text.encode("utf-8")
        if len(raw) <= max_len:
            yield raw


def _every_key() -> str:
    """One document that sets every key the config parser knows, so mutations start from all of them."""
    return (
        '[tool.linkguard]\nfail-on = "warning"\nmax-glibc = "2.17"\nexclude = ["*.debug"]\njobs = 2\n'
        'only-branches = "main"\n[tool.linkguard.max-versions]\nGLIBCXX = "3.4.21"\n'
        '[tool.linkguard.severity]\nLG301 = "off"\nglibc-too-new = "warning"\n'
        "[tool.linkguard.limits]\nseconds = 5\nread-bytes = 1048576\narchive-depth = 2\narchive-ratio = 50.5\n"
        '[[tool.linkguard.allow]]\npaths = ["plugins/*.so", "**/x"]\nreason = "plugin ABI"\ndynamic = true\n'
        'libraries = ["libc.so.6"]\nmax-glibc = "2.28"\npacked = false\nignore = ["LG301"]\n'
        '[tool.linkguard.allow.max-versions]\nGLIBCXX = "3.4"\n'
    )


def _docs() -> Iterator[str]:
    docs = os.path.join(ROOT, "docs")
    for name in os.listdir(docs):
        if name.endswith(".md"):
            yield os.path.join(docs, name)


SEEDS: Dict[str, Callable[[int], Iterator[bytes]]] = {
    "elf": elf_files,
    "pe": native_files("pe"),
    "macho": native_files("macho"),
    "upx": upx_files,
    "decoders": decoder_blocks,
    "gobuild": gobuild_blobs,
    "toolchain": toolchain_images,
    **{name: archives_of(kinds) for name, kinds in targets.ARCHIVE_KINDS.items()},
    "config": config_documents,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-len", type=int, default=128 * 1024)
    parser.add_argument("--out", default=os.path.join(HERE, "corpus"))
    parser.add_argument("harness", nargs="*", default=sorted(SEEDS))
    args = parser.parse_args()
    for name in args.harness:
        out = os.path.join(args.out, name)
        os.makedirs(out, exist_ok=True)
        count = 0
        for data in SEEDS[name](args.max_len):
            digest = hashlib.sha1(data).hexdigest()
            with open(os.path.join(out, f"seed-{digest}"), "wb") as handle:
                handle.write(data)
            count += 1
        print(f"{name}: {count} seeds -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
