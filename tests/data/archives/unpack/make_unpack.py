#!/usr/bin/env python3
"""Write the archives that Python's tarfile and the real unpackers read differently, and their manifest.

    python tests/data/archives/unpack/make_unpack.py

Each archive hides a copy of ../bin/spex-dynamic (a dynamically linked ELF file; its readelf truth is in
../manifest.json) where one reader sees it and another might not: behind a damaged tar header, in a member of an
unknown type, behind a zstd skippable frame, below an image layer that holds a tarball with an opaque-whiteout
member, and so on. Headers come from tarfile's encoder and are then patched byte by byte, as a hostile or buggy
writer would leave them.

The manifest records, per file, what the real tools do with it (GNU tar, zstd, gzip, unzip, dpkg-deb), run with
LC_ALL=C: their exit status, their messages, and the sha256 of every regular file they extract. `expect` is the
verdict those outputs imply, as literal data: `checked` lists the members the tools extract that are byte for byte
../bin/spex-dynamic (so linkguard must report each with LG101), `unreadable` the paths that must be LG901 (where
GNU tar reports an error, or, marked `unsupported`, where GNU tar opens a compression no Python module decodes).
Writing lzip, lzop and .Z files needs those tools (Debian: lzip, lzop, ncompress). Nothing here runs linkguard.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import lzma
import os
import struct
import subprocess
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
DYNAMIC_SOURCE = HERE.parent / "bin" / "spex-dynamic"
DYNAMIC = DYNAMIC_SOURCE.read_bytes()
README = b"spex: a tiny program\n"
EPOCH = 1704067200
ENV = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}

# ------------------------------------------------------------------------------------------- tar bytes


def header(name: str, size: int, typeflag: bytes = tarfile.REGTYPE, mode: int = 0o755) -> bytearray:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = mode
    info.mtime = EPOCH
    info.type = typeflag
    return bytearray(info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape"))


def reseal(block: bytearray) -> bytes:
    """The header with its checksum recomputed (after a field was patched)."""
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 512)


def member(name: str, data: bytes) -> bytes:
    return bytes(header(name, len(data))) + padded(data)


END = b"\0" * 1024


def tar_of(members: Sequence[Tuple[str, bytes]]) -> bytes:
    return b"".join(member(n, d) for n, d in members) + END


# ------------------------------------------------------------------------------------------- the fixtures


def bad_checksum() -> bytes:
    """The second header's checksum field is wrong: GNU tar skips to the next header, tarfile stops."""
    damaged = header("spex/NOTES", 8)
    damaged[148:156] = b"0000001\0"
    notes = bytes(damaged) + padded(b"damaged\n")
    return member("spex/README", README) + notes + member("spex/bin/spex", DYNAMIC) + END


def bad_devmajor() -> bytes:
    """A regular member whose devmajor field is not octal (checksum right): GNU tar ignores it, tarfile refuses."""
    odd = header("spex/bin/spex", len(DYNAMIC))
    odd[329:337] = b"zz\0\0\0\0\0\0"
    return member("spex/README", README) + reseal(odd) + padded(DYNAMIC) + member("spex/bin/spex2", DYNAMIC) + END


def unknown_type() -> bytes:
    """A member of typeflag 'Z' (no tar defines it): GNU tar extracts it as a regular file."""
    odd = header("spex/bin/spex", len(DYNAMIC), typeflag=b"Z")
    return member("spex/README", README) + bytes(odd) + padded(DYNAMIC) + END


def pax_sparse_without_map() -> bytes:
    """A pax header with GNU.sparse.size (equal to the stored size) and no sparse map: GNU tar writes the bytes."""
    info = tarfile.TarInfo("spex/bin/spex")
    info.size = len(DYNAMIC)
    info.mode = 0o755
    info.mtime = EPOCH
    info.pax_headers = {"GNU.sparse.size": str(len(DYNAMIC))}
    pax = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    return member("spex/README", README) + pax + padded(DYNAMIC) + END


def skippable(payload: bytes) -> bytes:
    """`payload` as zstd, behind a skippable frame (magic 0x184D2A50, RFC 8878 3.1.2) of 16 bytes."""
    import zstandard

    frame = struct.pack("<II", 0x184D2A50, 16) + b"made-by-linkgrd\n"
    return frame + zstandard.ZstdCompressor(level=19).compress(payload)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def zip_of(name: str, data: bytes) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        entry = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
        entry.external_attr = 0o100755 << 16
        entry.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(entry, data)
    return raw.getvalue()


def image_nested_opaque() -> bytes:
    """A `docker save` tarball: the base layer has opt/app/spex; the top layer adds opt/bundle.tar, a regular
    tarball whose own members are `.wh..wh..opq` and bin/tool. Only layer entries are whiteouts."""
    bundle = tar_of([(".wh..wh..opq", b""), ("bin/tool", DYNAMIC)])
    base = tar_of([("opt/app/spex", DYNAMIC)])
    top = tar_of([("opt/bundle.tar", bundle)])
    layers = [base, top]
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(x).hexdigest() for x in layers]},
        },
        sort_keys=True,
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    ids = [hashlib.sha256(x).hexdigest() for x in layers]
    manifest = json.dumps(
        [{"Config": config_name, "RepoTags": ["spex:nested"], "Layers": [f"{i}/layer.tar" for i in ids]}]
    ).encode()
    files: List[Tuple[str, bytes]] = [(config_name, config), ("manifest.json", manifest)]
    for i, blob in zip(ids, layers):
        files += [(f"{i}/VERSION", b"1.0"), (f"{i}/layer.tar", blob)]
    return tar_of(sorted(files))


def piped(tool_args: Sequence[str], data: bytes) -> bytes:
    """`data` compressed by an external tool reading standard input (no file name or time stamp recorded)."""
    return subprocess.run(list(tool_args), input=data, capture_output=True, check=True, env=ENV).stdout


def lzop_of(data: bytes) -> bytes:
    """`data` as lzop writes a file named spex.tar with a fixed time stamp (lzop records both): reproducible."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "spex.tar"
        source.write_bytes(data)
        os.utime(source, (EPOCH, EPOCH))
        return subprocess.run(["lzop", "-9", "-c", "spex.tar"], cwd=work, capture_output=True, check=True).stdout


def oci_nested_opaque() -> bytes:
    """The same two layers as image_nested_opaque, as an OCI image layout with gzip-compressed layer blobs."""
    bundle = tar_of([(".wh..wh..opq", b""), ("bin/tool", DYNAMIC)])
    layers = [gz(tar_of([("opt/app/spex", DYNAMIC)])), gz(tar_of([("opt/bundle.tar", bundle)]))]
    blobs: Dict[str, bytes] = {}

    def put(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        blobs[f"blobs/sha256/{digest}"] = data
        return f"sha256:{digest}"

    config = json.dumps({"architecture": "amd64", "os": "linux"}, sort_keys=True).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": put(config),
                "size": len(config),
            },
            "layers": [
                {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(x), "size": len(x)}
                for x in layers
            ],
        },
        sort_keys=True,
    ).encode()
    index = json.dumps(
        {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": put(manifest),
                    "size": len(manifest),
                }
            ],
        },
        sort_keys=True,
    ).encode()
    files = [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), ("index.json", index), *sorted(blobs.items())]
    return tar_of(files)


def image_layers(path: Path) -> List[str]:
    """The layer member names of a saved image, bottom first: docker's manifest.json, else the OCI index."""
    names = output(["tar", "-tf", str(path)]).decode().split()
    if "manifest.json" in names:
        return list(json.loads(output(["tar", "-xOf", str(path), "manifest.json"]))[0]["Layers"])
    index = json.loads(output(["tar", "-xOf", str(path), "index.json"]))
    digest = index["manifests"][0]["digest"].replace(":", "/")
    manifest = json.loads(output(["tar", "-xOf", str(path), f"blobs/{digest}"]))
    return [f"blobs/{layer['digest'].replace(':', '/')}" for layer in manifest["layers"]]


def lzma_deb() -> bytes:
    """A Debian package whose data member is data.tar.lzma (LZMA "alone" format), which dpkg-deb reads."""
    control = gz(tar_of([("./control", b"Package: spex\nVersion: 1.0\nArchitecture: amd64\n")]))
    data = lzma.compress(tar_of([("./usr/bin/spex", DYNAMIC)]), format=lzma.FORMAT_ALONE)
    out = [b"!<arch>\n"]
    for name, body in (("debian-binary", b"2.0\n"), ("control.tar.gz", control), ("data.tar.lzma", data)):
        out.append(b"%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name.encode(), 0, 0, 0, b"100644", len(body)))
        out.append(body + (b"\n" if len(body) & 1 else b""))
    return b"".join(out)


# ------------------------------------------------------------------------------------------- tool truth


def tool(args: Sequence[str], stdin: Optional[bytes] = None, cwd: Optional[str] = None) -> Dict[str, Any]:
    """One tool run: the command as recorded, its exit status and its messages (stdout and stderr lines)."""
    done = subprocess.run(list(args), input=stdin, capture_output=True, env=ENV, cwd=cwd, timeout=60, check=False)
    return {
        "command": " ".join(args),
        "exit": done.returncode,
        "stdout": done.stdout.decode("utf-8", "replace").splitlines(),
        "stderr": done.stderr.decode("utf-8", "replace").splitlines(),
    }


def output(args: Sequence[str], stdin: Optional[bytes] = None) -> bytes:
    return subprocess.run(list(args), input=stdin, capture_output=True, env=ENV, timeout=60, check=False).stdout


def gnu_extract(tarball: bytes, path: Optional[Path] = None) -> Dict[str, Any]:
    """`tar -xf -` (or `tar -xf PATH`, which lets GNU tar pick the decompressor) into an empty directory: its exit
    status, messages, and sha256 of every regular file written."""
    with tempfile.TemporaryDirectory() as out:
        if path is None:
            run = tool(["tar", "-xf", "-"], stdin=tarball, cwd=out)
        else:
            run = tool(["tar", "-xf", str(path)], cwd=out)
            run["command"] = f"tar -xf {path.name}"
        files = {}
        for root, _, names in os.walk(out):
            for name in names:
                full = os.path.join(root, name)
                if os.path.isfile(full) and not os.path.islink(full):
                    files[os.path.relpath(full, out)] = hashlib.sha256(Path(full).read_bytes()).hexdigest()
    run["extracted"] = dict(sorted(files.items()))
    return run


def tar_truth(tarball: bytes) -> List[Dict[str, Any]]:
    return [tool(["tar", "-tvf", "-"], stdin=tarball), gnu_extract(tarball)]


def truth_of(name: str, data: bytes, path: Path) -> List[Dict[str, Any]]:
    """What the real unpackers say about the file at `path` (named `name`)."""
    if name.endswith(".tar") and not name.startswith("image-"):
        return [tool(["tar", "-tvf", name], cwd=str(HERE)), gnu_extract(data)]
    if name.endswith((".tar.lz", ".tar.lzo", ".tar.Z")):
        return [tool(["tar", "-tvf", name], cwd=str(HERE)), gnu_extract(data, path)]
    if name.endswith(".tar.zst"):
        return [tool(["zstd", "-l", name], cwd=str(HERE)), *tar_truth(output(["zstd", "-dc", str(path)]))]
    if name.endswith(".zst"):
        decoded = output(["zstd", "-dc", str(path)])
        run = tool(["zstd", "-l", name], cwd=str(HERE))
        run["decompressed_sha256"] = hashlib.sha256(decoded).hexdigest()
        return [run]
    if name.endswith(".tar.gz.gz"):
        once = output(["gzip", "-dc", str(path)])
        return [tool(["gzip", "-t", name], cwd=str(HERE)), *tar_truth(output(["gzip", "-dc"], stdin=once))]
    if name.endswith(".zip.gz"):
        with tempfile.TemporaryDirectory() as work:
            inner = Path(work) / "inner.zip"
            inner.write_bytes(output(["gzip", "-dc", str(path)]))
            listing = tool(["unzip", "-Z1", str(inner)])
            listing["command"] = "gzip -dc | unzip -Z1"
            content = output(["unzip", "-p", str(inner), "spex/bin/spex"])
            listing["extracted"] = {"spex/bin/spex": hashlib.sha256(content).hexdigest()}
        return [tool(["gzip", "-t", name], cwd=str(HERE)), listing]
    if name.endswith(".deb"):
        with tempfile.TemporaryDirectory() as out:
            extract = tool(["dpkg-deb", "-x", str(path), out])
            spex = Path(out) / "usr/bin/spex"
            extract["command"] = "dpkg-deb -x"
            extract["extracted"] = {"usr/bin/spex": hashlib.sha256(spex.read_bytes()).hexdigest()}
        return [tool(["dpkg-deb", "-c", name], cwd=str(HERE)), tool(["ar", "t", name], cwd=str(HERE)), extract]
    if name.startswith("image-"):
        runs = [tool(["tar", "-tvf", name], cwd=str(HERE))]
        for layer in image_layers(path):
            blob = output(["tar", "-xOf", str(path), layer])
            pipe = ""
            if blob[:2] == b"\x1f\x8b":
                blob = output(["gzip", "-dc"], stdin=blob)
                pipe = " | gzip -dc"
            listing, extract = tar_truth(blob)
            listing["command"] = f"tar -xOf {name} {layer}{pipe} | tar -tvf -"
            extract["command"] = f"tar -xOf {name} {layer}{pipe} | tar -xf -"
            runs += [listing, extract]
            if b"opt/bundle.tar" in blob:
                bundle = output(["tar", "-xOf", "-", "opt/bundle.tar"], stdin=blob)
                run = gnu_extract(bundle)
                run["command"] = f"tar -xOf {name} {layer}{pipe} | tar -xOf - opt/bundle.tar | tar -xf -"
                runs.append(run)
        return runs
    raise ValueError(name)


# ------------------------------------------------------------------------------------------- manifest

# file -> (writer, what it exercises, expect): `expect` is read off the tool outputs recorded beside it.
Expect = Dict[str, Any]
FIXTURES: Dict[str, Tuple[Callable[[], bytes], str, Expect]] = {
    "tar-bad-checksum.tar": (
        bad_checksum,
        "second header's checksum is wrong; GNU tar: 'Skipping to next header', exit 2, extracts spex/bin/spex",
        {"checked": ["spex/bin/spex"], "unreadable": [""]},
    ),
    "tar-bad-devmajor.tar": (
        bad_devmajor,
        "second header's devmajor is 'zz' (checksum right); GNU tar lists and extracts both copies, exit 0",
        {"checked": ["spex/bin/spex", "spex/bin/spex2"], "unreadable": []},
    ),
    "tar-unknown-type.tar": (
        unknown_type,
        "member of typeflag 'Z'; GNU tar: 'Unknown file type 'Z', extracted as normal file'",
        {"checked": ["spex/bin/spex"], "unreadable": []},
    ),
    "tar-pax-sparse-no-map.tar": (
        pax_sparse_without_map,
        "pax GNU.sparse.size without a sparse map; GNU tar writes the stored bytes",
        {"checked": ["spex/bin/spex"], "unreadable": []},
    ),
    "skippable.tar.zst": (
        lambda: skippable(tar_of([("spex/README", README), ("spex/bin/spex", DYNAMIC)])),
        "zstd stream starting with a skippable frame, holding a tar; zstd -l counts 1 skip",
        {"checked": ["spex/bin/spex"], "unreadable": []},
    ),
    "spex-skippable.zst": (
        lambda: skippable(DYNAMIC),
        "zstd stream starting with a skippable frame, holding one ELF file",
        {"checked": ["spex-skippable"], "unreadable": []},
    ),
    "double.tar.gz.gz": (
        lambda: gz(gz(tar_of([("spex/bin/spex", DYNAMIC)]))),
        "a gzip-compressed .tar.gz: gunzip gives a .tar.gz",
        {"checked": ["double.tar.gz!spex/bin/spex"], "unreadable": []},
    ),
    "spex.zip.gz": (
        lambda: gz(zip_of("spex/bin/spex", DYNAMIC)),
        "a gzip-compressed zip: gunzip gives a zip unzip lists",
        {"checked": ["spex.zip!spex/bin/spex"], "unreadable": []},
    ),
    "spex_1.0_amd64-lzma.deb": (
        lzma_deb,
        "Debian package whose data member is data.tar.lzma; dpkg-deb -c lists and -x extracts usr/bin/spex",
        {"checked": ["data.tar.lzma!usr/bin/spex"], "unreadable": []},
    ),
    "spex.tar.lz": (
        lambda: piped(["lzip", "-9", "-c"], tar_of([("spex/bin/spex", DYNAMIC)])),
        "lzip-compressed tar: GNU tar opens it through lzip; no Python module decodes lzip",
        {"checked": [], "unreadable": [""], "unsupported": True},
    ),
    "spex.tar.lzo": (
        lambda: lzop_of(tar_of([("spex/bin/spex", DYNAMIC)])),
        "lzop-compressed tar: GNU tar opens it through lzop; no Python module decodes lzop",
        {"checked": [], "unreadable": [""], "unsupported": True},
    ),
    "spex.tar.Z": (
        lambda: piped(["compress", "-c"], tar_of([("spex/bin/spex", DYNAMIC)])),
        "Unix compress (.Z) tar: GNU tar opens it (gzip -d reads .Z too); no Python module decodes LZW",
        {"checked": [], "unreadable": [""], "unsupported": True},
    ),
    "image-nested-opaque.tar": (
        image_nested_opaque,
        "docker save image: base layer opt/app/spex; top layer opt/bundle.tar, a tarball whose own members are "
        ".wh..wh..opq and bin/tool; no whiteout entry in any layer",
        {
            "checked": [
                "{base}!opt/app/spex",
                "{top}!opt/bundle.tar!bin/tool",
            ],
            "unreadable": [],
        },
    ),
    "image-oci-nested-opaque.tar": (
        oci_nested_opaque,
        "OCI image layout, the same two layers gzip-compressed: base opt/app/spex; top opt/bundle.tar holding "
        ".wh..wh..opq and bin/tool; no whiteout entry in any layer",
        {"checked": ["{base}!opt/app/spex", "{top}!opt/bundle.tar!bin/tool"], "unreadable": []},
    ),
}


def main() -> None:
    records = []
    for name, (write, what, expect) in FIXTURES.items():
        data = write()
        path = HERE / name
        path.write_bytes(data)
        record: Dict[str, Any] = {
            "file": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "what": what,
            "tools": truth_of(name, data, path),
            "expect": expect,
        }
        if name.startswith("image-"):
            layers = image_layers(path)
            record["layers"] = {"base": layers[0], "top": layers[1]}
        records.append(record)
    manifest = {
        "generated_by": "tests/data/archives/unpack/make_unpack.py",
        "hidden_member": {
            "source": "tests/data/archives/bin/spex-dynamic",
            "sha256": hashlib.sha256(DYNAMIC).hexdigest(),
        },
        "tools": {
            "tar": output(["tar", "--version"]).decode().splitlines()[0],
            "zstd": output(["zstd", "--version"]).decode().strip(),
            "gzip": output(["gzip", "--version"]).decode().splitlines()[0],
            "unzip": output(["unzip", "-v"]).decode().splitlines()[0],
            "dpkg-deb": output(["dpkg-deb", "--version"]).decode().splitlines()[0],
            "lzip": output(["lzip", "--version"]).decode().splitlines()[0],
            "lzop": output(["lzop", "--version"]).decode().splitlines()[0],
            "compress": output(["compress", "-V"]).decode().splitlines()[0],
        },
        "archives": records,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
