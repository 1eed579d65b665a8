#!/usr/bin/env python3
"""Build the real-package corpus of issue 18: wheels and npm packages as their packagers published them, slimmed,
plus packages derived from them here. Run from anywhere; it rewrites wheels/, npm/ and derived/ beside it.

    python tests/data/packages/fetch.py build      # fetch (pinned versions, pinned sha256), slim, derive
    python tests/data/packages/fetch.py fetch DIR  # only download the originals into DIR and check their sha256

Fetching uses the registries' ordinary clients, as a packager's user would get the files:
  pip download --no-deps --only-binary=:all: --platform P --python-version V NAME==VERSION
  npm pack NAME@VERSION
and every download must match the sha256 pinned below (a re-published file is a different truth).

Slimming (what is committed is not the whole package, and says so): a wheel keeps its `*.dist-info/` files
(WHEEL, RECORD, METADATA, ...), every executable (ELF, PE, Mach-O, recognised by magic, wherever it lies, so
`<pkg>.libs/` and `.dylibs/` stay) and every `__init__.py` (delvewheel's `os.add_dll_directory` patch lives there);
everything else (pure-Python modules, type stubs, tests, licences) is dropped. RECORD keeps the published rows
of the members kept and loses those of the dropped ones. Members keep their order, names and timestamps. An npm
tarball keeps `package/package.json` and every executable (`*.node`, `prebuilds/`), re-gzipped with no timestamp.

Derived packages (each made from a real one or from committed source, described in DERIVED below):
  - a wheel re-tagged to an older platform policy than its binary meets (file name and WHEEL `Tag:` rewritten);
  - a wheel whose bundled `.libs/` library is deleted (pyzmq without pyzmq.libs/libsodium-*);
  - a `linux_x86_64` wheel built here: `pip wheel` of src/tinyext (setuptools, gcc and Debian's python3-dev);
  - an `abi3`-tagged Windows wheel whose `.pyd` imports `python312.dll` (a cp312 wheel re-tagged);
  - an npm `@scope/pkg-win32-x64` whose binary is arm64 (the real win32-arm64 watcher.node, package.json `cpu: x64`);
  - a `macosx_10_9` wheel whose dylib has minos 11.0 (a real macosx_11_0_arm64 wheel re-tagged): no violation,
    since arm64 macOS starts at 11.0 (delocate, pip); and its x86_64 counterpart, a `macosx_10_9_universal2`
    wheel whose x86_64 slice has minos 10.12 (bcrypt's macosx_10_12_universal2 wheel re-tagged).
After a build, tests/data/packages/record.py re-records the tools' truth into manifest.json.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from packfacts import EXECUTABLE_MAGIC  # noqa: E402  (the one definition of "an executable", shared with record.py)

WHEELS = HERE / "wheels"
NPM = HERE / "npm"
DERIVED = HERE / "derived"


@dataclass(frozen=True)
class Wheel:
    """One wheel as `pip download` fetches it for a platform and Python version."""

    name: str
    version: str
    platform: str  # pip's --platform
    python: str  # pip's --python-version
    file: str
    sha256: str


@dataclass(frozen=True)
class NpmPackage:
    """One npm package as `npm pack` fetches it."""

    name: str
    version: str
    file: str
    sha256: str


WHEEL_SOURCES = (
    # Linux: manylinux1 (legacy alias), manylinux2014 (x86_64, aarch64, i686), manylinux_2_28, manylinux_2_34,
    # musllinux; `<pkg>.libs/` from auditwheel repair (pyzmq's libzmq + libsodium; cffi's libffi is static).
    Wheel(
        "markupsafe",
        "2.0.1",
        "manylinux1_x86_64",
        "3.9",
        "MarkupSafe-2.0.1-cp39-cp39-manylinux_2_5_x86_64.manylinux1_x86_64.manylinux_2_12_x86_64.manylinux2010_x86_64.whl",
        "1f2ade76b9903f39aa442b4aadd2177decb66525062db244b35d71d0ee8599b6",
    ),
    Wheel(
        "markupsafe",
        "2.1.5",
        "manylinux_2_17_aarch64",
        "3.12",
        "MarkupSafe-2.1.5-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "ac07bad82163452a6884fe8fa0963fb98c2346ba78d779ec06bd7a6262132aee",
    ),
    Wheel(
        "markupsafe",
        "2.1.5",
        "manylinux_2_17_i686",
        "3.12",
        "MarkupSafe-2.1.5-cp312-cp312-manylinux_2_5_i686.manylinux1_i686.manylinux_2_17_i686.manylinux2014_i686.whl",
        "ea3d8a3d18833cf4304cd2fc9cbb1efe188ca9b5efef2bdac7adc20594a0e46b",
    ),
    Wheel(
        "bcrypt",
        "4.3.0",
        "manylinux_2_34_x86_64",
        "3.12",
        "bcrypt-4.3.0-cp39-abi3-manylinux_2_34_x86_64.whl",
        "531457e5c839d8caea9b589a1bcfe3756b0547d7814e9ce3d437f17da75c32b0",
    ),
    Wheel(
        "bcrypt",
        "4.3.0",
        "manylinux_2_28_aarch64",
        "3.12",
        "bcrypt-4.3.0-cp39-abi3-manylinux_2_28_aarch64.whl",
        "afe327968aaf13fc143a56a3360cb27d4ad0345e34da12c7290f1b00b8fe9a8b",
    ),
    Wheel(
        "bcrypt",
        "4.3.0",
        "musllinux_1_2_x86_64",
        "3.12",
        "bcrypt-4.3.0-cp39-abi3-musllinux_1_2_x86_64.whl",
        "79e70b8342a33b52b55d93b3a59223a844962bef479f6a0ea318ebbcadf71505",
    ),
    Wheel(
        "cffi",
        "1.17.1",
        "manylinux_2_17_x86_64",
        "3.12",
        "cffi-1.17.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "b62ce867176a75d03a665bad002af8e6d54644fad99a3c70905c543130e39d93",
    ),
    Wheel(
        "cffi",
        "1.17.1",
        "musllinux_1_1_x86_64",
        "3.12",
        "cffi-1.17.1-cp312-cp312-musllinux_1_1_x86_64.whl",
        "4ceb10419a9adf4460ea14cfd6bc43d08701f0835e979bf821052f1805850fe8",
    ),
    # Built by maturin against upstream musl (Rust's musl target): its module needs `libc.so`, the name the
    # musllinux policy lists and musl's loader resolves to itself; `auditwheel show` calls it linux_x86_64.
    Wheel(
        "orjson",
        "3.10.12",
        "musllinux_1_2_x86_64",
        "3.12",
        "orjson-3.10.12-cp312-cp312-musllinux_1_2_x86_64.whl",
        "16135ccca03445f37921fa4b585cff9a58aa8d81ebcb27622e69bfadd220b32c",
    ),
    Wheel(
        "pyzmq",
        "26.2.0",
        "manylinux_2_17_x86_64",
        "3.12",
        "pyzmq-26.2.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "ea7f69de383cb47522c9c208aec6dd17697db7875a4674c4af3f8cfdac0bdeae",
    ),
    # Windows: cp312 win_amd64/win32, win_arm64, abi3 (bcrypt), delvewheel-repaired (shapely: shapely.libs/ with
    # geos and msvcp140-<hash>.dll, and the _delvewheel_patch in shapely/__init__.py).
    Wheel(
        "markupsafe",
        "2.1.5",
        "win_amd64",
        "3.12",
        "MarkupSafe-2.1.5-cp312-cp312-win_amd64.whl",
        "823b65d8706e32ad2df51ed89496147a42a2a6e01c13cfb6ffb8b1e92bc910bb",
    ),
    Wheel(
        "markupsafe",
        "2.1.5",
        "win32",
        "3.12",
        "MarkupSafe-2.1.5-cp312-cp312-win32.whl",
        "8590b4ae07a35970728874632fed7bd57b26b0102df2d2b233b6d9d82f6c62ad",
    ),
    Wheel(
        "markupsafe",
        "3.0.3",
        "win_arm64",
        "3.12",
        "markupsafe-3.0.3-cp312-cp312-win_arm64.whl",
        "35add3b638a5d900e807944a078b51922212fb3dedb01633a8defc4b01a3c85f",
    ),
    Wheel(
        "bcrypt",
        "4.3.0",
        "win_amd64",
        "3.12",
        "bcrypt-4.3.0-cp39-abi3-win_amd64.whl",
        "e53e074b120f2877a35cc6c736b8eb161377caae8925c17688bd46ba56daaa5b",
    ),
    Wheel(
        "bcrypt",
        "4.3.0",
        "win32",
        "3.12",
        "bcrypt-4.3.0-cp39-abi3-win32.whl",
        "b4d4e57f0a63fd0b358eb765063ff661328f69a04494427265950c71b992a39a",
    ),
    Wheel(
        "cffi",
        "1.17.1",
        "win_amd64",
        "3.12",
        "cffi-1.17.1-cp312-cp312-win_amd64.whl",
        "51392eae71afec0d0c8fb1a53b204dbb3bcabcb3c9b807eedf3e1e6ccf2de903",
    ),
    Wheel(
        "shapely",
        "2.0.6",
        "win_amd64",
        "3.12",
        "shapely-2.0.6-cp312-cp312-win_amd64.whl",
        "665990c84aece05efb68a21b3523a6b2057e84a1afbef426ad287f0796ef8a48",
    ),
    # macOS: x86_64, arm64, universal2 (cp312 and abi3), delocate'd (pyzmq: zmq/.dylibs/libzmq + libsodium).
    Wheel(
        "markupsafe",
        "2.1.5",
        "macosx_10_9_x86_64",
        "3.12",
        "MarkupSafe-2.1.5-cp312-cp312-macosx_10_9_x86_64.whl",
        "3c6b973f22eb18a789b1460b4b91bf04ae3f0c4234a0a6aa6b0a92f6f7b951d4",
    ),
    Wheel(
        "markupsafe",
        "2.1.5",
        "macosx_10_9_universal2",
        "3.12",
        "MarkupSafe-2.1.5-cp312-cp312-macosx_10_9_universal2.whl",
        "8dec4936e9c3100156f8a2dc89c4b88d5c435175ff03413b443469c7c8c5f4d1",
    ),
    Wheel(
        "markupsafe",
        "3.0.3",
        "macosx_11_0_arm64",
        "3.12",
        "markupsafe-3.0.3-cp312-cp312-macosx_11_0_arm64.whl",
        "1872df69a4de6aead3491198eaf13810b565bdbeec3ae2dc8780f14458ec73ce",
    ),
    Wheel(
        "bcrypt",
        "4.3.0",
        "macosx_10_12_universal2",
        "3.12",
        "bcrypt-4.3.0-cp39-abi3-macosx_10_12_universal2.whl",
        "0d3efb1157edebfd9128e4e46e2ac1a64e0c1fe46fb023158a407c7892b0f8c3",
    ),
    Wheel(
        "pyzmq",
        "26.2.0",
        "macosx_10_15_universal2",
        "3.12",
        "pyzmq-26.2.0-cp312-cp312-macosx_10_15_universal2.whl",
        "ded0fc7d90fe93ae0b18059930086c51e640cdd3baebdc783a695c77f123dcd9",
    ),
)

NPM_SOURCES = (
    # os/cpu/libc in package.json, one binary each.
    NpmPackage(
        "@parcel/watcher-linux-x64-glibc",
        "2.5.1",
        "parcel-watcher-linux-x64-glibc-2.5.1.tgz",
        "d9d9ad7d01e3b176e6f603f9b924513a16184ec8b0de28782f8e659c113d50a0",
    ),
    NpmPackage(
        "@parcel/watcher-linux-x64-musl",
        "2.5.1",
        "parcel-watcher-linux-x64-musl-2.5.1.tgz",
        "f7f6edef1e6b20b89c473d864c37c84bc41fb8cc742d3d7f5835bd5f6de89035",
    ),
    NpmPackage(
        "@parcel/watcher-win32-x64",
        "2.5.1",
        "parcel-watcher-win32-x64-2.5.1.tgz",
        "305664fd95491a73e518806bb97cdeb30dd6216dac2ecea6be612770567bdb67",
    ),
    NpmPackage(
        "@parcel/watcher-win32-arm64",
        "2.5.1",
        "parcel-watcher-win32-arm64-2.5.1.tgz",
        "831a00f028983ebda05fb3bbee9c684989ee1e89837107a8f1ee8ebc09311696",
    ),
    NpmPackage(
        "@parcel/watcher-darwin-arm64",
        "2.5.1",
        "parcel-watcher-darwin-arm64-2.5.1.tgz",
        "84b085b23acbc036904b2ae5457448dcac00d9c5b91904a58d214f00b73ded58",
    ),
    # node-gyp-build `prebuilds/<platform>-<arch>/` folders (glibc and musl side by side in utf-8-validate).
    NpmPackage(
        "bufferutil",
        "4.0.9",
        "bufferutil-4.0.9.tgz",
        "49ca055cd977fcdbef8e393cb2c51691b76ed233a3c0079227e09fbb406bf0b9",
    ),
    NpmPackage(
        "utf-8-validate",
        "6.0.5",
        "utf-8-validate-6.0.5.tgz",
        "b4ecec238a143ef6ec5bf291c8d04c6e168b6f52cda1994f08cd8013594a0419",
    ),
    # napi-rs on upstream musl: the addon needs `libc.so` (musl's own name for itself), not libc.musl-<arch>.so.1.
    NpmPackage(
        "@node-rs/xxhash-linux-arm64-musl",
        "1.7.6",
        "node-rs-xxhash-linux-arm64-musl-1.7.6.tgz",
        "caffaf634437516e6a07af03921405a7a8fd3dde81ae2624babfb46eb38105de",
    ),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(args: List[str], cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, cwd=cwd, env=env, check=True)


def fetch(into: Path) -> None:
    """Download every original into `into` and check it against its pinned sha256."""
    into.mkdir(parents=True, exist_ok=True)
    for wheel in WHEEL_SOURCES:
        if not (into / wheel.file).exists():
            run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--platform",
                    wheel.platform,
                    "--python-version",
                    wheel.python,
                    "-d",
                    str(into),
                    f"{wheel.name}=={wheel.version}",
                ]
            )
    for package in NPM_SOURCES:
        if not (into / package.file).exists():
            run(["npm", "pack", "--silent", f"{package.name}@{package.version}"], cwd=into)
    for source in (*WHEEL_SOURCES, *NPM_SOURCES):
        actual = sha256(into / source.file)
        if actual != source.sha256:
            raise SystemExit(f"{source.file}: sha256 {actual}, pinned {source.sha256}")


def is_executable(data: bytes) -> bool:
    return data.startswith(EXECUTABLE_MAGIC)


def keep_wheel_member(name: str, data: bytes) -> bool:
    """Slimming rule for wheels (see the module docstring)."""
    top = name.split("/", 1)[0]
    return top.endswith(".dist-info") or name.endswith("/__init__.py") or is_executable(data)


def record_line(name: str, data: bytes) -> str:
    """A RECORD row as the wheel spec writes it: path, urlsafe-base64 sha256 without padding, size."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def rewrite_wheel(
    source: Path,
    target: Path,
    keep: Callable[[str, bytes], bool],
    edit: Optional[Callable[[str, bytes], Optional[bytes]]] = None,
) -> None:
    """Copy the members of `source` that `keep` accepts into `target`, in order, with their names and timestamps;
    `edit` may replace a member's bytes or drop it (None). RECORD then lists exactly the members kept (tools such as
    auditwheel open every file RECORD names), with the published row for each unchanged member and a new row for
    each edited one."""
    kept: Dict[str, bytes] = {}
    infos: Dict[str, zipfile.ZipInfo] = {}
    record_name = ""
    with zipfile.ZipFile(source) as old:
        for info in old.infolist():
            if info.is_dir():
                continue
            if info.filename.endswith(".dist-info/RECORD"):
                record_name = info.filename
            data = old.read(info)
            if not keep(info.filename, data):
                continue
            if edit is not None:
                edited = edit(info.filename, data)
                if edited is None:
                    continue
                data = edited
            kept[info.filename] = data
            infos[info.filename] = info
    original_rows = {}
    with zipfile.ZipFile(source) as old:
        for row in old.read(record_name).decode().splitlines():
            if row.strip():
                original_rows[row.rsplit(",", 2)[0]] = row
    rows = []
    for name, data in kept.items():
        if name == record_name:
            rows.append(f"{name},,")
        elif original_rows.get(name) == record_line(name, data):
            rows.append(original_rows[name])
        else:
            rows.append(record_line(name, data))
    kept[record_name] = ("\n".join(rows) + "\n").encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in kept.items():
            info = infos[name]
            member = zipfile.ZipInfo(name, date_time=info.date_time)
            member.external_attr = info.external_attr
            member.compress_type = zipfile.ZIP_DEFLATED
            new.writestr(member, data)


def write_tgz(members: List[tarfile.TarInfo], contents: Dict[str, bytes], target: Path) -> None:
    """A gzip-compressed tar of `members` (each with its bytes from `contents`), with no gzip timestamp."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for member in members:
            data = contents[member.name]
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    with target.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(buffer.getvalue())


def read_tgz(source: Path) -> tuple[List[tarfile.TarInfo], Dict[str, bytes]]:
    members: List[tarfile.TarInfo] = []
    contents: Dict[str, bytes] = {}
    with tarfile.open(source, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            members.append(member)
            contents[member.name] = handle.read()
    return members, contents


def slim_npm(source: Path, target: Path) -> None:
    """Keep package.json and every executable of an npm tarball (see the module docstring)."""
    members, contents = read_tgz(source)
    kept = [m for m in members if m.name == "package/package.json" or is_executable(contents[m.name])]
    write_tgz(kept, contents, target)


# ------------------------------------------------------------------ derived packages


def retag_wheel(source: Path, target: Path, old_tag: str, new_tag: str) -> None:
    """Rewrite WHEEL's `Tag:` lines from `old_tag` to `new_tag` (file name given by the caller): the binaries stay
    byte for byte what the real package published."""

    def edit(name: str, data: bytes) -> bytes:
        if name.endswith(".dist-info/WHEEL"):
            lines = [line for line in data.decode().splitlines() if not line.startswith("Tag:")]
            lines.append(f"Tag: {new_tag}")
            return ("\n".join(lines) + "\n").encode()
        return data

    text = zipfile.ZipFile(source).read(next(n for n in zipfile.ZipFile(source).namelist() if n.endswith("/WHEEL")))
    if old_tag not in text.decode():
        raise SystemExit(f"{source.name}: WHEEL has no Tag {old_tag}")
    rewrite_wheel(source, target, lambda _name, _data: True, edit)


def derive() -> None:
    DERIVED.mkdir(exist_ok=True)
    # bcrypt's manylinux_2_34 binary needs GLIBC_2.34 symbols: re-tagged manylinux2014 it promises glibc 2.17.
    retag_wheel(
        WHEELS / "bcrypt-4.3.0-cp39-abi3-manylinux_2_34_x86_64.whl",
        DERIVED / "bcrypt-4.3.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "cp39-abi3-manylinux_2_34_x86_64",
        "cp39-abi3-manylinux_2_17_x86_64\nTag: cp39-abi3-manylinux2014_x86_64",
    )
    # bcrypt's manylinux_2_28 aarch64 binary, re-tagged to the older manylinux2014 policy.
    retag_wheel(
        WHEELS / "bcrypt-4.3.0-cp39-abi3-manylinux_2_28_aarch64.whl",
        DERIVED / "bcrypt-4.3.0-cp39-abi3-manylinux2014_aarch64.whl",
        "cp39-abi3-manylinux_2_28_aarch64",
        "cp39-abi3-manylinux2014_aarch64",
    )
    # pyzmq with its bundled libsodium deleted from pyzmq.libs/ (libzmq's RUNPATH still points there).
    rewrite_wheel(
        WHEELS / "pyzmq-26.2.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        DERIVED / "pyzmq-26.2.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        lambda name, _data: not name.startswith("pyzmq.libs/libsodium-"),
    )
    # A cp312 .pyd (imports python312.dll) in a wheel tagged abi3: abi3audit's violation.
    retag_wheel(
        WHEELS / "MarkupSafe-2.1.5-cp312-cp312-win_amd64.whl",
        DERIVED / "MarkupSafe-2.1.5-cp312-abi3-win_amd64.whl",
        "cp312-cp312-win_amd64",
        "cp312-abi3-win_amd64",
    )
    # A real macosx_11_0_arm64 dylib (minos 11.0) in a wheel tagged macosx_10_9_arm64.
    retag_wheel(
        WHEELS / "markupsafe-3.0.3-cp312-cp312-macosx_11_0_arm64.whl",
        DERIVED / "markupsafe-3.0.3-cp312-cp312-macosx_10_9_arm64.whl",
        "cp312-cp312-macosx_11_0_arm64",
        "cp312-cp312-macosx_10_9_arm64",
    )
    # The x86_64 counterpart (no arm64 Mac predates macOS 11, so the one above is no violation): bcrypt's
    # universal2 binary, x86_64 slice minos 10.12 and arm64 slice minos 11.0, in a wheel tagged macosx_10_9.
    retag_wheel(
        WHEELS / "bcrypt-4.3.0-cp39-abi3-macosx_10_12_universal2.whl",
        DERIVED / "bcrypt-4.3.0-cp39-abi3-macosx_10_9_universal2.whl",
        "cp39-abi3-macosx_10_12_universal2",
        "cp39-abi3-macosx_10_9_universal2",
    )
    # The real win32-arm64 watcher.node in a package that declares cpu x64.
    members, contents = read_tgz(NPM / "parcel-watcher-win32-arm64-2.5.1.tgz")
    manifest = json.loads(contents["package/package.json"])
    manifest["name"] = "@linkguard-fixture/watcher-win32-x64"
    manifest["cpu"] = ["x64"]
    contents["package/package.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    write_tgz(members, contents, DERIVED / "linkguard-fixture-watcher-win32-x64-2.5.1.tgz")
    build_tinyext()


def build_tinyext() -> None:
    """`pip wheel` of src/tinyext with Debian's python3 (python3-dev headers, gcc): a `linux_x86_64` wheel."""
    python = "/usr/bin/python3"
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "tinyext"
        shutil.copytree(HERE / "src" / "tinyext", work)
        env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
        run([python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", scratch, str(work)], env=env)
        (built,) = Path(scratch).glob("tinyext-*.whl")
        shutil.copy(built, DERIVED / built.name)


def build() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        originals = Path(scratch)
        fetch(originals)
        for folder in (WHEELS, NPM, DERIVED):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
        for wheel in WHEEL_SOURCES:
            rewrite_wheel(originals / wheel.file, WHEELS / wheel.file, keep_wheel_member)
        for package in NPM_SOURCES:
            slim_npm(originals / package.file, NPM / package.file)
        derive()


def main(argv: List[str]) -> int:
    if argv[:1] == ["fetch"] and len(argv) == 2:
        fetch(Path(argv[1]))
    elif argv == ["build"]:
        build()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
