"""Targets: the systems an artifact must run on, as files its loader would find (DESIGN.md, "Target").

A target is a directory holding a root filesystem (`/`, a chroot, an extracted image) or a named base
(`debian-12`: data generated from the release's packages, targets/bases.py). `open_target`
opens one once per process; every library read in it is kept, so a tree of artifacts costs one read per library.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from linkguard.limits import Limits
from linkguard.targets import bases
from linkguard.targets.bases import BaseFs
from linkguard.targets.image import ImageFs
from linkguard.targets.rootfs import HostDir, RootFs

# Loaders a root filesystem may hold, and the CPU family that runs them (the first found decides).
LOADERS: Tuple[Tuple[str, str], ...] = (
    ("/lib64/ld-linux-x86-64.so.2", "x86_64"),
    ("/lib/ld-musl-x86_64.so.1", "x86_64"),
    ("/lib/ld-linux-aarch64.so.1", "aarch64"),
    ("/lib/ld-musl-aarch64.so.1", "aarch64"),
    ("/lib/ld-linux-armhf.so.3", "arm"),
    ("/lib/ld-linux.so.2", "i386"),
    ("/lib64/ld64.so.2", "ppc64"),
    ("/lib/ld64.so.1", "s390"),
    ("/lib/ld-linux-riscv64-lp64d.so.1", "riscv"),
)
# Which machines' programs a CPU family executes (the kernel's compat personalities as commonly configured).
RUNS_ON: Dict[str, Tuple[str, ...]] = {"x86_64": ("x86_64", "i386"), "aarch64": ("aarch64",)}
HOST_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64", "i686": "i386"}


class TargetError(ValueError):
    """A --target that names nothing linkguard can read: a usage error (exit 2)."""


@dataclass
class TargetSystem:
    spec: str  # as the user gave it
    fs: RootFs | BaseFs | ImageFs
    cpu: str
    cpu_assumed: bool  # no loader in the root: the CPU is this machine's
    multiarch: bool
    ld_library_path: Tuple[str, ...] = ()
    _cache: object = None
    _cache_read: bool = False
    notes: List[str] = field(default_factory=list)
    entrypoint: Optional[str] = None  # an image's: the program it starts (inside the image)

    def runs(self, machine: str) -> bool:
        return machine in RUNS_ON.get(self.cpu, (self.cpu,))

    def ld_cache(self) -> Optional[object]:
        """The target's /etc/ld.so.cache (an ldcache.LdCache), or None when it has none ld.so could use."""
        if not self._cache_read:
            self._cache_read = True
            from linkguard.targets import ldcache

            entries = getattr(self.fs, "cache_entries", None)
            if entries is not None:
                self._cache = ldcache.LdCache(list(entries))
                return self._cache
            data = self.fs.read_small("/etc/ld.so.cache")
            if data is not None:
                try:
                    self._cache = ldcache.LdCache(ldcache.parse(data))
                except (ldcache.CacheError, ValueError) as exc:
                    self.notes.append(f"/etc/ld.so.cache is unusable ({exc}): only the default directories searched")
        return self._cache


_OPENED: Dict[str, TargetSystem] = {}
_PACKAGE = HostDir()


def open_target(spec: str, limits: Optional[Limits] = None) -> TargetSystem:
    """The target `spec` names (opened once per process)."""
    if spec in _OPENED:
        return _OPENED[spec]
    if os.path.isfile(spec):
        _OPENED[spec] = _image(spec, limits)
        return _OPENED[spec]
    if not os.path.isdir(spec):
        data = bases.load(spec) if "/" not in spec and not spec.startswith(".") else None
        if data is None:
            raise TargetError(
                f"--target {spec!r}: neither a directory (a root filesystem: an extracted image, a chroot, or /), "
                f"an image tarball, `image`, nor a named base ({', '.join(bases.names())}, windows-7 ... windows-11, "
                "macos-11 ... macos-15)"
            )
        named = TargetSystem(
            spec=spec, fs=bases.BaseFs(data), cpu=str(data["cpu"]), cpu_assumed=False, multiarch=bool(data["multiarch"])
        )
        _OPENED[spec] = named
        return named
    _OPENED[spec] = _system(spec, RootFs(spec, spec, limits))
    return _OPENED[spec]


def _system(spec: str, fs: RootFs | ImageFs, **more: Any) -> TargetSystem:
    """A root filesystem or an image as a target: its CPU from the loaders it holds (this machine's when none), its
    layout (Debian's multiarch directories or not)."""
    cpu = next((machine for loader, machine in LOADERS if fs.host_path(loader) is not None), None)
    triplets = ("x86_64-linux-gnu", "aarch64-linux-gnu", "i386-linux-gnu", "arm-linux-gnueabihf")
    return TargetSystem(
        spec=spec,
        fs=fs,
        cpu=cpu or HOST_MACHINES.get(platform.machine(), platform.machine()),
        cpu_assumed=cpu is None,
        multiarch=any(fs.is_dir(f"/usr/lib/{t}") or fs.is_dir(f"/lib/{t}") for t in triplets),
        **more,
    )


def _image(tarball: str, limits: Optional[Limits]) -> TargetSystem:
    from linkguard.targets.image import ImageError

    try:
        fs = ImageFs(tarball, limits)
    except ImageError as exc:
        raise TargetError(f"--target {tarball!r}: {exc}") from exc
    ld_path = fs.environment().get("LD_LIBRARY_PATH", "")
    target = _system(tarball, fs, ld_library_path=tuple(d for d in ld_path.split(":") if d), notes=list(fs.notes))
    target.entrypoint = fs.entrypoint()[0]
    return target


IMAGE = "image"  # --target image: the image tarball the artifact itself was found in


def image_member(path: str, location: str) -> Optional[Tuple[str, str]]:
    """(image tarball, path inside the image) for an artifact found in a saved image's layer, else None."""
    parts = path.split("!")
    if len(parts) != 3 or not os.path.isfile(location):
        return None
    return location, "/" + parts[2].lstrip("/")


def package_files() -> HostDir:
    """The build machine's files, where an artifact checked from outside the target has its $ORIGIN."""
    return _PACKAGE
