"""Image tarballs built from the target roots, and their truth: each probe (and the entrypoint) run in the image.

Usage: python tests/data/targets/images.py record   (needs root: chroot, mount; writes image-runs.json)
       python tests/data/targets/images.py build    (writes the tarballs into $LINKGUARD_TARGET_ROOTS/images)

Each image is described by IMAGES below: a base root (roots.py), the probes on top, paths the upper layer deletes
with whiteouts, and a config (Entrypoint, Env). The tarball is written the way `docker save` writes one
(manifest.json, <id>.json config, <layer>/layer.tar): layer 1 is the root with the probes, layer 2 holds only
whiteout markers (`.wh.<name>` for a deleted path, `.wh..wh..opq` for a directory whose lower contents are
hidden). The truth is made independently of any image reader: the final filesystem is materialised directly
(the root copied, the probes added, the deleted paths removed), and every probe and the entrypoint are run in it
with chroot and the config's environment, as a container runtime would start them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import roots  # noqa: E402

RUNS = HERE / "image-runs.json"

# name -> (base root, deleted paths, opaque directories, config)
IMAGES: Dict[str, Tuple[str, Tuple[str, ...], Tuple[str, ...], Dict[str, Any]]] = {
    # libcrypt deleted by a whiteout: the ld.so.cache still names it, the loader finds nothing there.
    "bookworm-nocrypt": (
        "bookworm",
        ("/usr/lib/x86_64-linux-gnu/libcrypt.so.1", "/usr/lib/x86_64-linux-gnu/libcrypt.so.1.1.0"),
        (),
        {"Entrypoint": ["crypt-gcc"], "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"]},
    ),
    # an opaque directory hides the private library /bin/usepriv-rpath finds through its RPATH.
    "trixie-opaque": (
        "trixie",
        (),
        ("/opt/priv/lib",),
        {"Entrypoint": ["/bin/usepriv-rpath"], "Env": ["PATH=/bin"]},
    ),
    # LD_LIBRARY_PATH from the config serves the transitive need DT_RUNPATH does not.
    "trixie-ldpath": (
        "trixie",
        (),
        (),
        {"Entrypoint": ["/tr/bin/usea-runpath"], "Env": ["PATH=/bin", "LD_LIBRARY_PATH=/tr/lib"]},
    ),
    # scratch: nothing but the probes; the entrypoint is dynamic.
    "scratch-app": ("scratch", (), (), {"Entrypoint": ["hello-gcc"], "Cmd": ["--flag"], "Env": ["PATH=/bin"]}),
}


def dest() -> Path:
    return roots.default_dest() / "images"


def final_tree(name: str) -> Path:
    """The image's filesystem materialised directly: base root + probes, deleted and hidden paths removed."""
    base, deleted, opaque, _config = IMAGES[name]
    source = roots.build_root(base, roots.default_dest())
    tree = dest() / f"{name}.root"
    if tree.exists():
        shutil.rmtree(tree)
    shutil.copytree(source, tree, symlinks=True)
    roots.place_payload(tree)
    for path in deleted:
        target = tree / path.lstrip("/")
        if target.is_symlink() or target.is_file():
            target.unlink()
    for path in opaque:
        directory = tree / path.lstrip("/")
        for entry in directory.iterdir():
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    return tree


def _layer(members: List[Tuple[tarfile.TarInfo, Optional[bytes]]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def _tree_members(root: Path) -> List[Tuple[tarfile.TarInfo, Optional[bytes]]]:
    members: List[Tuple[tarfile.TarInfo, Optional[bytes]]] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for entry in sorted(dirs) + sorted(files):
            path = Path(folder) / entry
            name = str(path.relative_to(root))
            if name == ".packages" or name.startswith("proc/"):
                continue
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if path.is_symlink():
                info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
                members.append((info, None))
            elif path.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                members.append((info, None))
            else:
                data = path.read_bytes()
                info.size, info.mode = len(data), path.stat().st_mode & 0o777
                members.append((info, data))
        dirs[:] = [d for d in dirs if not (Path(folder) / d).is_symlink()]
    return members


def _marker(name: str) -> Tuple[tarfile.TarInfo, Optional[bytes]]:
    info = tarfile.TarInfo(name)
    info.mtime, info.size = 0, 0
    return info, b""


def build(name: str) -> Path:
    """The docker-save tarball of image `name`: layer 1 the root with the probes, layer 2 the whiteouts."""
    base, deleted, opaque, config = IMAGES[name]
    lower = dest() / f"{name}.lower"
    if lower.exists():
        shutil.rmtree(lower)
    shutil.copytree(roots.build_root(base, roots.default_dest()), lower, symlinks=True)
    roots.place_payload(lower)
    layers = [_layer(_tree_members(lower))]
    shutil.rmtree(lower)
    markers = [_marker(str(Path(p.lstrip("/")).parent / f".wh.{Path(p).name}")) for p in deleted]
    markers += [_marker(f"{p.lstrip('/')}/.wh..wh..opq") for p in opaque]
    layers.append(_layer(markers))
    ids = [hashlib.sha256(layer).hexdigest() for layer in layers]
    document = {
        "architecture": "amd64",
        "os": "linux",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{i}" for i in ids]},
    }
    config_bytes = json.dumps(document, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest = [
        {
            "Config": config_name,
            "RepoTags": [f"linkguard-test/{name}:latest"],
            "Layers": [f"{i}/layer.tar" for i in ids],
        }
    ]
    entries = [(config_name, config_bytes), ("manifest.json", json.dumps(manifest).encode())]
    entries += [(f"{i}/layer.tar", layer) for i, layer in zip(ids, layers)]
    out = dest() / f"{name}.tar"
    out.parent.mkdir(parents=True, exist_ok=True)
    members = []
    for member_name, data in entries:
        info = tarfile.TarInfo(member_name)
        info.size, info.mtime = len(data), 0
        members.append((info, data))
    out.write_bytes(_layer(members))
    return out


def record() -> None:
    images: Dict[str, Any] = {}
    for name, (_base, _deleted, _opaque, config) in IMAGES.items():
        tree = final_tree(name)
        env = dict(item.split("=", 1) for item in config.get("Env", []))
        runs = {program: _run(tree, program, env) for program in roots.probes()}
        asked = [*config.get("Entrypoint", []), *config.get("Cmd", [])][0]
        entry = (
            asked
            if "/" in asked
            else next(
                (f"{d}/{asked}" for d in env.get("PATH", "").split(":") if (tree / d.lstrip("/") / asked).exists()),
                None,
            )
        )
        images[name] = {
            "config": config,
            "entrypoint": entry,
            "entrypoint_run": runs.get(entry) if entry else None,
            "runs": runs,
        }
        shutil.rmtree(tree)
    RUNS.write_text(
        json.dumps(
            {
                "recorded_with": "execve after chroot into the image's materialised filesystem, "
                "/proc mounted, the config's Env",
                "images": images,
            },
            indent=2,
            sort_keys=True,
        )
        + "\n"
    )
    print(f"wrote {RUNS}")


def _run(tree: Path, program: str, env: Dict[str, str]) -> Dict[str, Any]:
    status, line = roots.run_in(tree, program, env)
    return {"status": status, "stderr": line}


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["record"]:
        record()
    elif args[:1] == ["build"]:
        for name in IMAGES:
            print(build(name))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
