"""Generate the named bases (src/linkguard/data/bases/debian-*.json) from Debian's own packages.

Usage: python tests/data/targets/bases.py [NAME ...]   (default: every base in BASES)

A named base is what a bare installation of that release provides: here Debian's minimal base (every package of
Priority "required", plus apt, and everything those depend on, the first alternative of each dependency: what
`debootstrap --variant=minbase` and the official debian images start from). The script fetches those packages with
a private apt state (roots.py's), unpacks them into a scratch root laid out as merged-/usr, and records for every
ELF shared object in the loader's directories what `readelf` says of it (machine, class, SONAME, NEEDED, RPATH,
RUNPATH, version definitions), every symbolic link there, and the entries `ldconfig -p` lists for the cache
that `ldconfig -r` writes for that root. The facts come from readelf and ldconfig, never from linkguard; each
object names the package (and version) it came from.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Set

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import roots  # noqa: E402  (the private apt state and the merged-/usr layout)

OUT = HERE.parents[2] / "src" / "linkguard" / "data" / "bases"
BASES = {"debian-11": "bullseye", "debian-12": "bookworm", "debian-13": "trixie"}
LIB_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib", "/usr/lib64")


def stanzas(text: str) -> Dict[str, Dict[str, str]]:
    """The Packages index as {package: {field: value}} (the newest version of each wins: apt lists one here)."""
    out: Dict[str, Dict[str, str]] = {}
    for block in text.split("\n\n"):
        fields: Dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if "Package" in fields:
            out.setdefault(fields["Package"], fields)
    return out


def closure(index: Dict[str, Dict[str, str]]) -> List[str]:
    """Priority: required, plus apt, and their Depends/Pre-Depends closure (first alternative that exists)."""
    provides: Dict[str, str] = {}
    for name, fields in index.items():
        for item in fields.get("Provides", "").split(","):
            provided = item.strip().split(" ")[0]
            if provided:
                provides.setdefault(provided, name)
    wanted = [n for n, f in index.items() if f.get("Priority") == "required"] + ["apt"]
    seen: Set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in seen:
            continue
        seen.add(name)
        for key in ("Pre-Depends", "Depends"):
            for group in index.get(name, {}).get(key, "").split(","):
                for alternative in group.split("|"):
                    dep = re.sub(r"\(.*?\)|:any|\[.*?\]", "", alternative).strip()
                    dep = dep if dep in index else provides.get(dep, "")
                    if dep:
                        wanted.append(dep)
                        break
    return sorted(seen)


def readelf(path: Path) -> Optional[Dict[str, Any]]:
    """readelf's account of one shared object, or None when it is not ELF."""
    done = subprocess.run(["readelf", "-h", "-d", "-V", "-W", str(path)], capture_output=True, text=True)
    if done.returncode != 0 or "ELF Header:" not in done.stdout:
        return None
    text = done.stdout
    machine = re.search(r"Machine:\s+(.*)", text)
    klass = re.search(r"Class:\s+ELF(\d+)", text)
    dyn = lambda tag: re.findall(rf"\({tag}\)\s+[^\[]*\[([^\]]*)\]", text)  # noqa: E731
    defs_section = text.split("Version definition section", 1)
    defs: List[str] = []
    if len(defs_section) == 2:
        body = defs_section[1].split("Version needs section", 1)[0].split("Version symbols section", 1)[0]
        defs = re.findall(r"Name: (\S+)", body)
    return {
        "machine": {"Advanced Micro Devices X86-64": "x86_64", "Intel 80386": "i386"}.get(
            machine.group(1).strip() if machine else "", machine.group(1).strip() if machine else ""
        ),
        "bits": int(klass.group(1)) if klass else 0,
        "soname": (dyn("SONAME") or [None])[0],
        "needed": dyn("NEEDED"),
        "rpath": dyn("RPATH"),
        "runpath": dyn("RUNPATH"),
        "version_defs": defs,
    }


def generate(name: str, suite: str, work: Path) -> Dict[str, Any]:
    apt_dir = work / "apt" / suite
    roots.download(suite, ["base-files"], apt_dir)  # refreshes the private lists
    options = [
        f"-oDir::Etc::SourceList={apt_dir / 'sources.list'}",
        "-oDir::Etc::SourceParts=/dev/null",
        f"-oDir::State::Lists={apt_dir / 'lists'}",
        f"-oDir::Cache={apt_dir / 'cache'}",
        "-oDir::State::status=/dev/null",
    ]
    dump = subprocess.run(["apt-cache", *options, "dumpavail"], capture_output=True, text=True, check=True).stdout
    index = stanzas(dump)
    packages = closure(index)
    debs = roots.download(suite, packages, apt_dir)
    root = work / f"root-{name}"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    owner: Dict[str, str] = {}
    for deb in debs:
        listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
        package = deb.name.split("_")[0]
        version = index.get(package, {}).get("Version", "")
        for line in listing.splitlines():
            member = line.split(None, 5)[-1].split(" -> ")[0].lstrip(".")
            owner[member] = f"{package}={version}"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    roots.merge_usr(root)
    subprocess.run(["ldconfig", "-r", str(root)], check=True, capture_output=True)
    cache_text = subprocess.run(
        ["ldconfig", "-p", "-C", str(root / "etc" / "ld.so.cache")], capture_output=True, text=True, check=True
    ).stdout
    cache = [
        {"soname": m.group(1), "abi": m.group(2), "path": m.group(3)}
        for m in re.finditer(r"^\t(\S+) \(([^)]*)\) => (\S+)$", cache_text, re.M)
    ]
    links: Dict[str, str] = {}
    objects: Dict[str, Any] = {}
    for top in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
        if (root / top).is_symlink():
            links["/" + top] = os.readlink(root / top)
    for directory in LIB_DIRS:
        base = root / directory.lstrip("/")
        if not base.is_dir():
            continue
        for entry in sorted(base.iterdir()):
            path = "/" + str(entry.relative_to(root))
            if entry.is_symlink():
                links[path] = os.readlink(entry)
            elif entry.is_file() and (".so" in entry.name or entry.name.startswith("ld-")):
                facts = readelf(entry)
                if facts is not None:
                    usr_less = path[len("/usr") :] if path.startswith("/usr/lib") else path
                    facts["package"] = owner.get(path) or owner.get(usr_less) or ""
                    objects[path] = facts
    return {
        "name": name,
        "description": f"Debian {suite}: the minimal base (Priority required, apt, and their dependencies)",
        "source": {
            "suite": suite,
            "packages": sorted(
                f"{d.name.split('_')[0]}={index.get(d.name.split('_')[0], {}).get('Version', '')}" for d in debs
            ),
            "generated_by": "tests/data/targets/bases.py (readelf -h -d -V, ldconfig -r, ldconfig -p)",
        },
        "cpu": "x86_64",
        "loaders": ["/lib64/ld-linux-x86-64.so.2"],
        "multiarch": True,
        "links": links,
        "objects": objects,
        "ld_so_cache": cache,
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    names = list(sys.argv[1:] if argv is None else argv) or list(BASES)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="linkguard-bases-") as scratch:
        for name in names:
            data = generate(name, BASES[name], Path(scratch))
            (OUT / f"{name}.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
            print(f"{name}: {len(data['objects'])} objects, {len(data['source']['packages'])} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
