"""Build the target root filesystems the resolution tests judge against, from Debian's own packages.

Usage:
    python tests/data/targets/roots.py build [DEST]
        (DEST default: $LINKGUARD_TARGET_ROOTS or /tmp/linkguard-targets)
    python tests/data/targets/roots.py record         # run every probe in every root with chroot, write runs.json

A root is what `apt-get download` + `dpkg-deb -x` of a few runtime packages of one Debian release give, laid out
as a merged-/usr system (`/lib -> usr/lib`, as debootstrap lays out bookworm and later) with `/etc/ld.so.cache`
written by the build machine's `ldconfig -r` for the roots with libc-bin (its /etc/ld.so.conf). Nothing is
installed on the host: each release gets a private apt state (its own sources list, lists and cache). The
package list per root is the ROOTS table below; the versions fetched are written to DEST/<root>/.packages, and
`record` copies them into runs.json, so the truth says which glibc it came from.

`record` places the probes (payload/, built by build_probes.sh) inside each root and runs each with `chroot`,
`/proc` mounted (glibc reads /proc/self/exe for $ORIGIN), and records the exit status and the first line of
stderr: that line is the target's own loader speaking. This is the truth the acceptance tests compare
linkguard's verdicts with; it needs root (chroot, mount).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
PAYLOAD = HERE / "payload"
RUNS = HERE / "runs.json"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
ARCH = "amd64"

# root name -> (Debian suite, packages). The glibc roots differ in release (glibc 2.31, 2.36, 2.41) and in what
# is installed: "bookworm-slim" has no libstdc++ and no libcrypt, as a slim base image may lack them, and no
# libc-bin, so no ld.so.cache: its loader searches the default directories only.
ROOTS: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "bullseye": ("bullseye", ("libc6", "libc-bin", "libgcc-s1", "libstdc++6", "libcrypt1", "zlib1g")),
    "bookworm": ("bookworm", ("libc6", "libc-bin", "libgcc-s1", "libstdc++6", "libcrypt1", "zlib1g")),
    "trixie": ("trixie", ("libc6", "libc-bin", "libgcc-s1", "libstdc++6", "libcrypt1", "zlib1g")),
    "bookworm-slim": ("bookworm", ("libc6", "libgcc-s1")),  # no libc-bin: no /etc/ld.so.cache either
    "musl": ("bookworm", ("musl",)),  # musl's loader and libc only, as a musl base provides them
    "scratch": ("", ()),  # an empty image: no loader at all
}
MERGED_USR = ("bin", "sbin", "lib", "lib64", "lib32", "libx32")


def default_dest() -> Path:
    return Path(os.environ.get("LINKGUARD_TARGET_ROOTS", "/tmp/linkguard-targets"))


def mirror() -> str:
    """The Debian mirror this machine's apt uses (only the suite is changed)."""
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for line in path.read_text().splitlines():
            if line.startswith("URIs:") and "security" not in line:
                return line.split()[1]
    listed = Path("/etc/apt/sources.list")
    if listed.exists():
        for line in listed.read_text().splitlines():
            found = re.match(r"\s*deb\s+(?:\[[^]]*\]\s+)?(\S+://\S+)\s", line)
            if found and "security" not in found.group(1):
                return found.group(1)
    raise SystemExit("roots.py: no Debian mirror in this machine's apt configuration")


def download(suite: str, packages: Sequence[str], work: Path) -> List[Path]:
    """`apt-get download` of `packages` from `suite` with a private apt state under `work`."""
    (work / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (work / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    debs = work / "debs"
    debs.mkdir(exist_ok=True)
    sources = work / "sources.list"
    sources.write_text(f"deb [signed-by={KEYRING}] {mirror()} {suite} main\n")
    options = [
        f"-oDir::Etc::SourceList={sources}",
        "-oDir::Etc::SourceParts=/dev/null",
        f"-oDir::State::Lists={work / 'lists'}",
        f"-oDir::Cache={work / 'cache'}",
        "-oDir::State::status=/dev/null",
        "-oAPT::Sandbox::User=root",
        "-oDebug::NoLocking=1",
        f"-oAPT::Architecture={ARCH}",
    ]
    if not any((work / "lists").glob("*Packages*")):
        subprocess.run(["apt-get", "-q", *options, "update"], check=True, capture_output=True)
    for old in debs.glob("*.deb"):
        old.unlink()
    subprocess.run(["apt-get", "-q", *options, "download", *packages], check=True, cwd=debs, capture_output=True)
    return sorted(debs.glob("*.deb"))


def merge_usr(root: Path) -> None:
    """Lay the root out as merged-/usr: what a package put in /lib (etc.) moves under /usr, /lib becomes a link."""
    for name in MERGED_USR:
        top, usr = root / name, root / "usr" / name
        if top.is_symlink():
            continue
        if top.is_dir():
            _move_into(top, usr)
        if usr.exists():
            top.symlink_to(f"usr/{name}")


def _move_into(source: Path, target: Path) -> None:
    """Move every entry of `source` into `target`, merging directories that both have; `source` is removed."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in list(source.iterdir()):
        there = target / entry.name
        if entry.is_dir() and not entry.is_symlink() and there.is_dir() and not there.is_symlink():
            _move_into(entry, there)
        elif not (there.exists() or there.is_symlink()):
            entry.rename(there)
        else:
            raise SystemExit(f"roots.py: {entry} and {there} both exist")
    source.rmdir()


def build_root(name: str, dest: Path) -> Path:
    suite, packages = ROOTS[name]
    root = dest / name
    stamp = root / ".packages"
    if stamp.exists():
        return root
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    versions: List[str] = []
    if packages:
        for deb in download(suite, packages, dest / "apt" / suite):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
            versions.append(deb.name)
        merge_usr(root)
        if (root / "etc" / "ld.so.conf").exists():
            subprocess.run(["ldconfig", "-r", str(root)], check=True, capture_output=True)
    (root / "proc").mkdir(exist_ok=True)
    stamp.write_text("".join(f"{v}\n" for v in versions))
    return root


def build(dest: Path) -> None:
    for name in ROOTS:
        print(build_root(name, dest))


def place_payload(root: Path) -> None:
    """Copy the probes into the root (links kept), where the runs and linkguard both find them."""
    for entry in PAYLOAD.iterdir():
        target = root / entry.name
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
        if entry.is_dir():
            shutil.copytree(entry, target, symlinks=True)
        else:
            shutil.copy2(entry, target)


def probes() -> List[str]:
    """Every executable probe in the payload, as its path inside a root."""
    found = []
    for path in sorted(PAYLOAD.rglob("*")):
        if path.is_file() and not path.is_symlink() and os.access(path, os.X_OK) and ".so" not in path.name:
            found.append("/" + str(path.relative_to(PAYLOAD)))
    return found


def run_in(root: Path, program: str, env: Optional[Dict[str, str]] = None) -> Tuple[int, str]:
    """Exit status and first stderr line of `program` run inside `root` (chroot(2), /proc mounted).

    The program is started with execve itself, not through coreutils' `chroot` command, whose execvp retries a
    file the kernel refuses (ENOEXEC) through /bin/sh: a failed exec is recorded as `execve: <strerror>`.
    """
    proc_dir = root / "proc"
    proc_dir.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "proc", "proc", str(proc_dir)], check=True)
    try:
        done = subprocess.run(
            [program],
            capture_output=True,
            text=True,
            timeout=30,
            env={"LANG": "C", "PATH": "/usr/bin:/bin", **(env or {})},
            cwd="/",
            preexec_fn=lambda: os.chroot(root),
        )
    except OSError as exc:
        return 127, f"execve: {os.strerror(exc.errno or 0)}"
    finally:
        subprocess.run(["umount", str(proc_dir)], check=True)
    lines = done.stderr.strip().splitlines()
    return done.returncode, lines[0] if lines else ""


def record(dest: Path) -> None:
    roots: Dict[str, object] = {}
    for name in ROOTS:
        root = build_root(name, dest)
        place_payload(root)
        runs = {}
        for program in probes():
            status, first = run_in(root, program)
            runs[program] = {"status": status, "stderr": first}
        roots[name] = {
            "suite": ROOTS[name][0],
            "packages": (root / ".packages").read_text().split(),
            "runs": runs,
        }
    document = {
        "recorded_with": "execve(PROGRAM) after chroot(ROOT), /proc mounted, LANG=C: exit status and first stderr line",
        "host_kernel": os.uname().release,
        "roots": roots,
    }
    RUNS.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(f"wrote {RUNS}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("build", "record"):
        print(__doc__, file=sys.stderr)
        return 2
    dest = Path(args[1]) if len(args) > 1 else default_dest()
    dest.mkdir(parents=True, exist_ok=True)
    if args[0] == "build":
        build(dest)
    else:
        record(dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
