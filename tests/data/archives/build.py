#!/usr/bin/env python3
"""Build the archive fixtures and their manifest from the tiny committed ELF files in bin/.

    python tests/data/archives/build.py          # archives + manifest from the committed bin/*
    python tests/data/archives/build.py --elf    # also rebuild bin/* from src/ (gcc, musl-gcc)

Archives are made with the real tools wherever they can make them (GNU tar, gzip/bzip2/xz/zstd, Info-ZIP zip,
dpkg-deb); only what those tools refuse to write (names with `..`, absolute names, duplicates, saved container
images without a daemon) is written with Python's tarfile/zipfile. The manifest's truth comes from independent
tools: `readelf` for every ELF file, and `tar -tvf` / `unzip -Z1` / `dpkg-deb -c` listings for every archive.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
BIN = HERE / "bin"
OUT = HERE  # archives sit beside this script
MTIME = "2024-01-01 00:00:00 UTC"
EPOCH = 1704067200

ELF_BUILDS = {
    "spex-dynamic": ["gcc", "-Os", "-s", "-o", "{out}", "src/spex.c"],
    "spex-static": ["musl-gcc", "-static", "-Os", "-s", "-o", "{out}", "src/spex.c"],
    "libspex.so": ["gcc", "-shared", "-fPIC", "-Os", "-s", "-o", "{out}", "src/libspex.c"],
}

TAR = ["tar", "--sort=name", f"--mtime={MTIME}", "--owner=0", "--group=0", "--numeric-owner", "--format=gnu"]


def run(cmd: List[str], cwd: Optional[Path] = None, **kw: Any) -> str:
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True, **kw).stdout


def version(cmd: List[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return "not installed"
    return (out.stdout or out.stderr).strip().splitlines()[0]


# ------------------------------------------------------------------------------------------- ELF truth


def readelf_truth(path: Path) -> Dict[str, Any]:
    """Linkage facts parsed from `readelf -hldW` (the DESIGN.md definitions applied to readelf's words)."""
    text = run(["readelf", "-hldW", str(path)])
    e_type = re.search(r"Type:\s+(\w+)", text).group(1)  # type: ignore[union-attr]
    interp = re.search(r"\[Requesting program interpreter: ([^\]]+)\]", text)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", text)
    soname = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", text)
    pie = bool(re.search(r"\(FLAGS_1\).*\bPIE\b", text))
    interpreter = interp.group(1) if interp else None
    if e_type == "EXEC":
        linkage = "dynamic" if interpreter or needed else "static"
    elif pie:
        linkage = "dynamic" if interpreter or needed else "static-pie"
    else:
        linkage = "shared-library" if soname or not interpreter else "dynamic"
    return {
        "type": e_type,
        "interpreter": interpreter,
        "needed": needed,
        "soname": soname.group(1) if soname else None,
        "flags_1_pie": pie,
        "linkage": linkage,
        "file": run(["file", "-b", str(path)]).strip(),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def build_elf() -> None:
    BIN.mkdir(exist_ok=True)
    for name, cmd in ELF_BUILDS.items():
        run([part.format(out=str(BIN / name)) for part in cmd], cwd=HERE)


# ------------------------------------------------------------------------------------------- listings


def tar_listing(path: Path) -> List[Dict[str, Any]]:
    """Members from `tar -tvf` (GNU tar decompresses by itself): type letter, size, name, link target."""
    members = []
    for line in run(["tar", "-tvf", str(path)], env={**os.environ, "LC_ALL": "C"}).splitlines():
        fields = line.split(None, 5)
        mode, size, rest = fields[0], fields[2], fields[5]
        name, target = rest, None
        if mode[0] == "l" and " -> " in rest:
            name, target = rest.split(" -> ", 1)
        elif mode[0] == "h" and " link to " in rest:
            name, target = rest.split(" link to ", 1)
        members.append({"type": mode[0], "size": int(size), "name": name, "target": target})
    return members


def zip_listing(path: Path) -> List[Dict[str, Any]]:
    """Members from `unzip -Z` (zipinfo): mode string, size, name; a trailing / marks a directory."""
    members = []
    for line in run(["unzip", "-Z", "-l", str(path)], env={**os.environ, "LC_ALL": "C"}).splitlines():
        fields = line.split(None, 9)
        if len(fields) < 10 or not re.match(r"^[-dl?][-rwxsStT?]{9}$", fields[0]):
            continue
        members.append(
            {"type": fields[0][0], "size": int(fields[3]), "name": fields[9], "encrypted": fields[4][0] in "BT"}
        )
    return members


def deb_listing(path: Path) -> List[Dict[str, Any]]:
    members = []
    for line in run(["dpkg-deb", "-c", str(path)], env={**os.environ, "LC_ALL": "C"}).splitlines():
        fields = line.split(None, 5)
        members.append({"type": fields[0][0], "size": int(fields[2]), "name": fields[5]})
    return members


# ------------------------------------------------------------------------------------------- builders


def stage(root: Path, files: Dict[str, str]) -> None:
    """Lay out `files` ({member path: "bin/<elf>" | "text:<content>" | "symlink:<target>"}) under root."""
    for member, what in files.items():
        target = root / member
        target.parent.mkdir(parents=True, exist_ok=True)
        if what.startswith("text:"):
            target.write_text(what[5:])
        elif what.startswith("symlink:"):
            target.symlink_to(what[8:])
        else:
            shutil.copyfile(HERE / what, target)
            target.chmod(0o755)
    for path in sorted(root.rglob("*"), reverse=True):
        os.utime(path, (EPOCH, EPOCH), follow_symlinks=False)


RELEASE = {
    "spex/bin/spex": "bin/spex-dynamic",
    "spex/bin/spex-static": "bin/spex-static",
    "spex/lib/libspex.so": "bin/libspex.so",
    "spex/README.md": "text:# spex\n\nA tiny test program.\n",
    "spex/bin/spex-link": "symlink:spex",
}


def make_release_tars(work: Path, records: List[Dict[str, Any]]) -> None:
    root = work / "release"
    stage(root, RELEASE)
    plain = OUT / "release.tar"
    run([*TAR, "-cf", str(plain), "spex"], cwd=root)
    records.append(archive_record(plain, "tar", RELEASE, "GNU tar, uncompressed"))
    for suffix, tool in (
        (".gz", ["gzip", "-n", "-9"]),
        (".bz2", ["bzip2", "-9"]),
        (".xz", ["xz", "-9"]),
        (".zst", ["zstd", "-q", "-19"]),
    ):
        packed = OUT / f"release.tar{suffix}"
        with open(plain, "rb") as src, open(packed, "wb") as dst:
            subprocess.run([*tool, "-c"], stdin=src, stdout=dst, check=True)
        records.append(archive_record(packed, "tar", RELEASE, f"GNU tar piped through {tool[0]}"))
    # A single compressed binary, as some release pipelines publish (spex.gz).
    single = OUT / "spex-linux-amd64.gz"
    with open(HERE / "bin/spex-dynamic", "rb") as src, open(single, "wb") as dst:
        subprocess.run(["gzip", "-n", "-9", "-c"], stdin=src, stdout=dst, check=True)
    records.append(
        {
            "file": single.name,
            "kind": "gzip-file",
            "listing_tool": "gzip -l",
            "listing": run(["gzip", "-l", str(single)]).strip().splitlines()[-1].split(),
            "elf_members": {"spex-linux-amd64": "bin/spex-dynamic"},
            "notes": "one gzip-compressed ELF file: its member is named after the file without .gz",
        }
    )


def make_zips(work: Path, records: List[Dict[str, Any]]) -> None:
    root = work / "zip"
    stage(root, RELEASE)
    archive = OUT / "release.zip"
    archive.unlink(missing_ok=True)
    # -y stores the symlink as a link; spex-static is stored (-0) so a zero-copy window is exercised too.
    run(["zip", "-q", "-X", "-y", "-r", str(archive), "spex", "-x", "spex/bin/spex-static"], cwd=root)
    run(["zip", "-q", "-X", "-0", str(archive), "spex/bin/spex-static"], cwd=root)
    records.append(archive_record(archive, "zip", RELEASE, "Info-ZIP zip (deflate; spex-static stored)"))

    wheel_files = {
        "spex/__init__.py": "text:",
        "spex/_native.so": "bin/libspex.so",
        "spex-1.0.dist-info/WHEEL": "text:Wheel-Version: 1.0\n",
    }
    wroot = work / "wheel"
    stage(wroot, wheel_files)
    wheel = OUT / "spex-1.0-py3-none-manylinux_2_17_x86_64.whl"
    wheel.unlink(missing_ok=True)
    run(["zip", "-q", "-X", "-r", str(wheel), "spex", "spex-1.0.dist-info"], cwd=wroot)
    records.append(archive_record(wheel, "zip", wheel_files, "a wheel: a zip recognised by its magic, not its name"))

    encrypted = OUT / "hostile-encrypted.zip"
    encrypted.unlink(missing_ok=True)
    run(["zip", "-q", "-X", "-P", "secret", str(encrypted), "spex/bin/spex"], cwd=root)
    rec = archive_record(encrypted, "zip", {"spex/bin/spex": "bin/spex-dynamic"}, "zip -P: legacy encryption")
    rec["expect_problems"] = {"spex/bin/spex": "encrypted"}
    records.append(rec)


def make_deb(work: Path, records: List[Dict[str, Any]]) -> None:
    root = work / "deb"
    files = {
        "usr/bin/spex": "bin/spex-dynamic",
        "usr/lib/spex/spex-static": "bin/spex-static",
        "usr/share/doc/spex/README": "text:spex\n",
    }
    stage(root, files)
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN/control").write_text(
        "Package: spex\nVersion: 1.0\nArchitecture: amd64\nMaintainer: Test <test@example.invalid>\n"
        "Description: test package\n"
    )
    (root / "DEBIAN/postinst").write_text("#!/bin/sh\nexit 0\n")
    (root / "DEBIAN/postinst").chmod(0o755)
    deb = OUT / "spex_1.0_amd64.deb"
    run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(deb)],
        env={**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)},
    )
    rec = archive_record(deb, "deb", {f"./{k}": v for k, v in files.items()}, "dpkg-deb --build (data.tar.xz)")
    rec["ar_members"] = run(["ar", "t", str(deb)]).split()
    records.append(rec)


def make_nested(work: Path, records: List[Dict[str, Any]]) -> None:
    root = work / "nested"
    root.mkdir()
    shutil.copyfile(OUT / "release.zip", root / "release.zip")
    shutil.copyfile(OUT / "release.tar.xz", root / "release.tar.xz")
    outer = OUT / "nested.tar.gz"
    run([*TAR, "-czf", str(outer), "release.zip", "release.tar.xz"], cwd=root, env={**os.environ, "GZIP": "-n"})
    rec = archive_record(outer, "tar", {}, "a tar.gz holding release.zip and release.tar.xz (depth 2)")
    rec["nested"] = {"release.zip": "release.zip", "release.tar.xz": "release.tar.xz"}
    records.append(rec)

    # Four levels: deep.tar > l2.tar > l3.tar > l4.tar > spex; the default archive-depth (3) stops before l4.
    current = work / "deep"
    current.mkdir()
    shutil.copyfile(HERE / "bin/spex-dynamic", current / "spex")
    inner = "spex"
    for level in (4, 3, 2):
        name = f"l{level}.tar"
        run([*TAR, "-cf", name, inner], cwd=current)
        inner = name
    deep = OUT / "deep.tar"
    run([*TAR, "-cf", str(deep), inner], cwd=current)
    rec = archive_record(deep, "tar", {}, "four nested tar levels: deep.tar!l2.tar!l3.tar!l4.tar!spex")
    rec["chain"] = ["l2.tar", "l3.tar", "l4.tar", "spex"]
    records.append(rec)


def _tarinfo(name: str, data: bytes, **kw: Any) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = EPOCH
    info.mode = 0o755
    for key, value in kw.items():
        setattr(info, key, value)
    return info


def write_tar(path: Path, members: List[tarfile.TarInfo], data: Dict[str, bytes], compress: str = "") -> None:
    mode = "w:gz" if compress == "gz" else "w"
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for info in members:
            payload = data.get(info.name)
            archive.addfile(info, io.BytesIO(payload) if payload is not None else None)
    blob = raw.getvalue()
    if mode == "w:gz":
        blob = gzip.compress(blob, mtime=0)
    path.write_bytes(blob)


def make_hostile(work: Path, records: List[Dict[str, Any]]) -> None:
    dynamic = (HERE / "bin/spex-dynamic").read_bytes()
    static = (HERE / "bin/spex-static").read_bytes()

    # Names that would escape an extraction directory; GNU tar strips them when creating, so tarfile writes them.
    path = OUT / "hostile-traversal.tar"
    names = {"../escape/spex": dynamic, "/abs/spex": dynamic, "ok/spex": static}
    write_tar(path, [_tarinfo(n, d) for n, d in names.items()], names)
    rec = archive_record(
        path,
        "tar",
        {"../escape/spex": "bin/spex-dynamic", "/abs/spex": "bin/spex-dynamic", "ok/spex": "bin/spex-static"},
        "member names with .. and an absolute path",
    )
    rec["expect_problems"] = {"../escape/spex": "parent-directory", "/abs/spex": "absolute path"}
    records.append(rec)

    # The same name twice: extraction keeps the second (dynamic) copy, which must not hide behind the first.
    path = OUT / "hostile-duplicate.tar"
    write_tar(path, [_tarinfo("bin/spex", static), _tarinfo("bin/spex", dynamic)], {"bin/spex": static})
    # tarfile looks payloads up by name: write the second copy's bytes by hand.
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as archive:
        archive.addfile(_tarinfo("bin/spex", static), io.BytesIO(static))
        archive.addfile(_tarinfo("bin/spex", dynamic), io.BytesIO(dynamic))
    path.write_bytes(raw.getvalue())
    rec = archive_record(path, "tar", {}, "bin/spex twice: static first, dynamic second")
    rec["duplicates"] = {"bin/spex": ["bin/spex-static", "bin/spex-dynamic"]}
    rec["expect_problems"] = {"bin/spex": "duplicate"}
    records.append(rec)

    # Zip with traversal and duplicate names (zipfile warns on duplicates but writes them).
    path = OUT / "hostile-names.zip"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, payload in (("../escape/spex", dynamic), ("bin/spex", static), ("bin/spex", dynamic)):
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o100755 << 16
                archive.writestr(info, payload)
    rec = archive_record(path, "zip", {}, "zip with ../ and a duplicate name")
    rec["expect_problems"] = {"../escape/spex": "parent-directory", "bin/spex": "duplicate"}
    records.append(rec)

    # Decompression bombs: 32 MiB of zeros compress about 1000:1.
    zeros = b"\0" * (32 << 20)
    path = OUT / "hostile-bomb.tar.gz"
    write_tar(
        path, [_tarinfo("zeros.bin", zeros), _tarinfo("spex", dynamic)], {"zeros.bin": zeros, "spex": dynamic}, "gz"
    )
    rec = archive_record(path, "tar", {}, "gzip bomb: 32 MiB of zeros first")
    rec["expect_archive_problem"] = "archive-ratio limit"
    records.append(rec)
    path = OUT / "hostile-bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            zipfile.ZipInfo("zeros.bin", date_time=(2024, 1, 1, 0, 0, 0)), zeros, compress_type=zipfile.ZIP_DEFLATED
        )
    rec = archive_record(path, "zip", {}, "zip bomb: one 32 MiB member of zeros")
    rec["expect_archive_problem"] = "archive-ratio limit"
    records.append(rec)

    # Many members (5000 empty files): over a limit the test sets to 1000.
    path = OUT / "hostile-many.tar.gz"
    write_tar(path, [_tarinfo(f"f/{i:05d}", b"") for i in range(5000)], {}, "gz")
    rec = archive_record(path, "tar", {}, "5000 empty members (tests set archive-members = 1000)")
    rec["member_count"] = len(rec.pop("listing"))  # counted from `tar -tvf`; 5000 lines are not worth keeping
    records.append(rec)

    # Truncated and corrupt streams.
    whole = (OUT / "release.tar.gz").read_bytes()
    path = OUT / "hostile-truncated.tar.gz"
    path.write_bytes(whole[: len(whole) // 2])
    records.append(
        {
            "file": path.name,
            "kind": "tar",
            "notes": "release.tar.gz cut in half",
            "gzip_test": _gzip_test(path),
            "expect_archive_problem": "truncated",
        }
    )
    path = OUT / "hostile-corrupt.tar.gz"
    broken = bytearray(whole)
    for i in range(200, 260):
        broken[i] ^= 0x5A
    path.write_bytes(bytes(broken))
    records.append(
        {
            "file": path.name,
            "kind": "tar",
            "notes": "release.tar.gz with 60 bytes of deflate data flipped",
            "gzip_test": _gzip_test(path),
            "expect_archive_problem": "corrupt",
        }
    )
    plain = (OUT / "release.tar").read_bytes()
    path = OUT / "hostile-truncated.tar"
    path.write_bytes(plain[:5000])
    records.append(
        {
            "file": path.name,
            "kind": "tar",
            "notes": "release.tar cut at 5000 bytes (inside a member)",
            "expect_archive_problem": "truncated",
        }
    )
    zipped = (OUT / "release.zip").read_bytes()
    path = OUT / "hostile-truncated.zip"
    path.write_bytes(zipped[: len(zipped) - 40])
    records.append(
        {
            "file": path.name,
            "kind": "zip",
            "notes": "release.zip without its last 40 bytes (end record)",
            "expect_archive_problem": "corrupt zip",
        }
    )


def _gzip_test(path: Path) -> str:
    out = subprocess.run(["gzip", "-t", str(path)], capture_output=True, text=True, check=False)
    return (out.stderr or out.stdout).strip() or f"exit {out.returncode}"


def make_images(work: Path, records: List[Dict[str, Any]]) -> None:
    """A `docker save` tarball and an OCI layout, each with whiteouts, written as the formats specify."""
    dynamic = (HERE / "bin/spex-dynamic").read_bytes()
    static = (HERE / "bin/spex-static").read_bytes()
    base = [
        ("usr/", None),
        ("usr/bin/", None),
        ("usr/bin/spex", dynamic),
        ("usr/bin/gone", dynamic),
        ("opt/", None),
        ("opt/app/", None),
        ("opt/app/old", dynamic),
        ("etc/", None),
        ("etc/motd", b"hello\n"),
    ]
    top = [
        ("usr/", None),
        ("usr/bin/", None),
        ("usr/bin/spex", static),
        ("usr/bin/.wh.gone", b""),
        ("opt/", None),
        ("opt/app/", None),
        ("opt/app/.wh..wh..opq", b""),
        ("opt/app/new", static),
        ("bin", "usr/bin"),
    ]

    def layer(entries: List[Any]) -> bytes:
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for name, payload in entries:
                if payload is None:
                    info = tarfile.TarInfo(name.rstrip("/"))
                    info.type = tarfile.DIRTYPE
                    info.mode = 0o755
                    info.mtime = EPOCH
                    archive.addfile(info)
                elif isinstance(payload, str):
                    info = tarfile.TarInfo(name)
                    info.type = tarfile.SYMTYPE
                    info.linkname = payload
                    info.mtime = EPOCH
                    archive.addfile(info)
                else:
                    archive.addfile(_tarinfo(name, payload), io.BytesIO(payload))
        return raw.getvalue()

    layers = [layer(base), layer(top)]
    expected_visible = {"usr/bin/spex": "bin/spex-static", "opt/app/new": "bin/spex-static"}
    hidden = [
        "usr/bin/gone (deleted by .wh.gone)",
        "opt/app/old (hidden by the opaque marker)",
        "usr/bin/spex of the base layer (replaced)",
    ]

    # docker save (legacy layout): <id>/layer.tar, <config>.json, manifest.json, repositories.
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(x).hexdigest() for x in layers]},
        }
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    ids = [hashlib.sha256(b"layer%d" % i + x).hexdigest() for i, x in enumerate(layers)]
    manifest = json.dumps(
        [{"Config": config_name, "RepoTags": ["spex:1.0"], "Layers": [f"{i}/layer.tar" for i in ids]}]
    ).encode()
    files: Dict[str, bytes] = {config_name: config, "manifest.json": manifest}
    for i, blob in zip(ids, layers):
        files[f"{i}/layer.tar"] = blob
        files[f"{i}/VERSION"] = b"1.0"
    path = OUT / "image-docker.tar"
    write_tar(path, [_tarinfo(n, d) for n, d in sorted(files.items())], files)
    rec = archive_record(path, "docker-image", {}, "docker save layout, two layers with whiteouts")
    rec.update(
        {
            "layers": [f"{i}/layer.tar" for i in ids],
            "expected_visible": expected_visible,
            "hidden": hidden,
            "layer_listings": [_listing_of_bytes(x) for x in layers],
        }
    )
    records.append(rec)

    # OCI image layout with gzip-compressed layers.
    blobs: Dict[str, bytes] = {}

    def put(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        blobs[f"blobs/sha256/{digest}"] = data
        return f"sha256:{digest}"

    gz_layers = [gzip.compress(x, mtime=0) for x in layers]
    layer_descs = [
        {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(x), "size": len(x)}
        for x in gz_layers
    ]
    config_digest = put(config)
    image_manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": len(config),
            },
            "layers": layer_descs,
        }
    ).encode()
    manifest_digest = put(image_manifest)
    index = json.dumps(
        {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": manifest_digest,
                    "size": len(image_manifest),
                }
            ],
        }
    ).encode()
    files = {**blobs, "index.json": index, "oci-layout": b'{"imageLayoutVersion": "1.0.0"}'}
    path = OUT / "image-oci.tar"
    write_tar(path, [_tarinfo(n, d) for n, d in sorted(files.items())], files)
    rec = archive_record(path, "oci-image", {}, "OCI image layout, two gzip layers with whiteouts")
    rec.update(
        {
            "layers": ["blobs/sha256/" + d["digest"].split(":")[1] for d in layer_descs],  # type: ignore[union-attr]
            "expected_visible": expected_visible,
            "hidden": hidden,
        }
    )
    records.append(rec)


def _listing_of_bytes(blob: bytes) -> List[Dict[str, Any]]:
    with tempfile.NamedTemporaryFile(suffix=".tar") as handle:
        handle.write(blob)
        handle.flush()
        return tar_listing(Path(handle.name))


def archive_record(path: Path, kind: str, elf_members: Dict[str, str], notes: str) -> Dict[str, Any]:
    """The archive's independent listing plus which members are which committed ELF file."""
    if kind == "zip":
        listing, tool = zip_listing(path), "unzip -Z -l"
    elif kind == "deb":
        listing, tool = deb_listing(path), "dpkg-deb -c"
    else:
        listing, tool = tar_listing(path), "tar -tvf"
    elf = {k: v for k, v in elf_members.items() if not v.startswith(("text:", "symlink:"))}
    return {
        "file": path.name,
        "kind": kind,
        "listing_tool": tool,
        "listing": listing,
        "elf_members": elf,
        "notes": notes,
    }


def main() -> int:
    if "--elf" in sys.argv or not all((BIN / n).is_file() for n in ELF_BUILDS):
        build_elf()
    records: List[Dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_release_tars(work, records)
        make_zips(work, records)
        make_deb(work, records)
        make_nested(work, records)
        make_hostile(work, records)
        make_images(work, records)
    manifest = {
        "generated_by": "tests/data/archives/build.py",
        "tools": {
            "readelf": version(["readelf", "--version"]),
            "tar": version(["tar", "--version"]),
            "unzip": version(["unzip", "-v"]),
            "dpkg-deb": version(["dpkg-deb", "--version"]),
            "zstd": version(["zstd", "--version"]),
            "gcc": version(["gcc", "--version"]),
            "musl-gcc": version(["musl-gcc", "--version"]),
        },
        "elf": {
            f"bin/{name}": {"build": " ".join(cmd).replace("{out}", f"bin/{name}"), "truth": readelf_truth(BIN / name)}
            for name, cmd in ELF_BUILDS.items()
        },
        "archives": records,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
