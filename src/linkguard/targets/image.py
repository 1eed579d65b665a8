"""A container image saved as a tarball (docker save, OCI layout), seen as the root filesystem it runs in.

The layers are applied in order with their whiteouts (inputs/images.py's rules: `.wh.name` deletes, `.wh..wh..opq`
hides what lower layers put in a directory) into one table of paths, read in place: nothing is extracted to disk.
A file is read from its layer only when a loader would open it, and each once. The image's configuration gives
the entrypoint (`Entrypoint` + `Cmd`, a bare name looked up through the config's `PATH`) and the environment
the loader sees (`LD_LIBRARY_PATH`).
"""

from __future__ import annotations

import io
import json
import posixpath
import tarfile
from typing import IO, Any, Dict, List, Optional, Set, Tuple

from linkguard.inputs.images import Layer, normalize, plan_image, visible, wants_document
from linkguard.limits import Limits
from linkguard.model import LibraryFacts
from linkguard.targets.rootfs import walk

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # what runtimes set without one


class ImageError(ValueError):
    """The file is not an image tarball linkguard can read as a target."""


class ImageFs:
    """The final filesystem of one image in a tarball."""

    def __init__(self, tarball: str, limits: Optional[Limits] = None) -> None:
        self.name = tarball
        self.directory = ""  # nothing on the build machine lies inside it
        self._tarball = tarball
        self._limits = limits or Limits()
        self._files: Dict[str, Tuple[str, str]] = {}  # path -> (layer member, member name inside the layer)
        self._links: Dict[str, str] = {}
        self._dirs: Set[str] = {"/"}
        self._facts: Dict[str, Optional[LibraryFacts]] = {}
        self.config: Dict[str, Any] = {}
        self.notes: List[str] = []
        try:
            self._load()
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise ImageError(f"{tarball}: cannot read it as an image tarball ({exc})") from exc

    # ----------------------------------------------------------------------------------------------- building

    def _load(self) -> None:
        with tarfile.open(self._tarball, "r:*") as outer:
            members = {normalize(m.name): m for m in outer.getmembers() if m.isfile()}
            documents = {
                name: _read(outer, member) for name, member in members.items() if wants_document(name, member.size)
            }
            plan = plan_image(documents)
            if plan is None or not plan.images:
                raise ImageError(f"{self._tarball}: not an image tarball (no manifest.json or OCI index.json)")
            if len(plan.images) > 1:
                self.notes.append(f"the tarball holds {len(plan.images)} images: the first is the target")
            self.config = _config(outer, members, documents)
            layers: List[Layer] = []
            for layer_name in plan.images[0]:
                member = members.get(layer_name)
                if member is None:
                    raise ImageError(f"{self._tarball}: layer {layer_name} is listed but not in the tarball")
                layer = Layer(found=True)
                with _open_layer(outer, member) as inner:
                    for entry in inner:
                        path = normalize(entry.name)
                        if path and layer.record(path, entry.isdir()):
                            layer.add(path, (layer_name, entry))
                layers.append(layer)
        for layer_name, entry in visible(layers):
            path = "/" + normalize(entry.name)
            self._add_dirs(path)
            if entry.issym():
                self._links[path] = entry.linkname
            elif entry.islnk():
                self._links[path] = "/" + normalize(entry.linkname)  # a hard link: the same file
            elif entry.isdir():
                self._dirs.add(path)
            elif entry.isfile():
                self._files[path] = (layer_name, entry.name)

    def _add_dirs(self, path: str) -> None:
        parts = path.split("/")[1:-1]
        for i in range(1, len(parts) + 1):
            self._dirs.add("/" + "/".join(parts[:i]))

    # ----------------------------------------------------------------------------------------------- the view

    def _kind(self, path: str) -> Optional[str]:
        if path in self._links:
            return "link"
        if path in self._files:
            return "file"
        return "dir" if path in self._dirs else None

    def _readlink(self, path: str) -> Optional[str]:
        return self._links.get(path)

    def resolve(self, path: str) -> Optional[str]:
        return walk(path, self._kind, self._readlink)

    def host_path(self, path: str) -> Optional[str]:
        found = self.resolve(path)
        return found if found in self._files else None

    def is_dir(self, path: str) -> bool:
        return self.resolve(path) in self._dirs

    def read_small(self, path: str) -> Optional[bytes]:
        found = self.host_path(path)
        return None if found is None else self._read_file(found, 1 << 20)

    def object(self, path: str) -> Optional[LibraryFacts]:
        found = self.host_path(path)
        if found is None:
            return None
        if found not in self._facts:
            from linkguard.readers import library_from_bytes

            data = self._read_file(found, self._limits.read_bytes)
            self._facts[found] = None if data is None else library_from_bytes(data, self._limits)
        return self._facts[found]

    def _read_file(self, path: str, limit: int) -> Optional[bytes]:
        layer_name, member_name = self._files[path]
        try:
            with tarfile.open(self._tarball, "r:*") as outer:
                member = outer.getmember(_member_name(outer, layer_name))
                with _open_layer(outer, member) as inner:
                    for entry in inner:
                        if entry.name == member_name and entry.isfile():
                            if entry.size > limit:
                                return None
                            handle = inner.extractfile(entry)
                            return None if handle is None else handle.read(limit)
        except (OSError, tarfile.TarError, EOFError, KeyError):
            return None
        return None

    # ----------------------------------------------------------------------------------------------- config

    def environment(self) -> Dict[str, str]:
        env: Dict[str, str] = {}
        for item in self.config.get("Env") or ():
            if isinstance(item, str) and "=" in item:
                key, _, value = item.partition("=")
                env[key] = value
        return env

    def entrypoint(self) -> Tuple[Optional[str], Optional[str]]:
        """(the program the image starts, as a path inside it, or None; what it was asked for, for messages)."""
        argv = [*(self.config.get("Entrypoint") or ()), *(self.config.get("Cmd") or ())]
        if not argv or not isinstance(argv[0], str):
            return None, None
        program = argv[0]
        if "/" in program:
            workdir = self.config.get("WorkingDir") or "/"
            return posixpath.normpath(posixpath.join(workdir, program)), program
        for directory in self.environment().get("PATH", DEFAULT_PATH).split(":"):
            candidate = posixpath.join(directory or ".", program)
            if self.host_path(candidate) is not None:
                return candidate, program
        return None, program


def _read(outer: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = outer.extractfile(member)
    return b"" if handle is None else handle.read()


def _member_name(outer: tarfile.TarFile, normalized: str) -> str:
    for member in outer.getmembers():
        if normalize(member.name) == normalized:
            return member.name
    raise KeyError(normalized)


def _open_layer(outer: tarfile.TarFile, member: tarfile.TarInfo) -> tarfile.TarFile:
    handle = outer.extractfile(member)
    if handle is None:
        raise ImageError(f"layer {member.name} cannot be read")
    head = handle.read(4)
    handle.seek(0)
    if head == b"\x28\xb5\x2f\xfd":  # zstd
        try:
            import zstandard
        except ImportError as exc:
            raise ImageError(f"layer {member.name} is zstd-compressed: install linkguard[zstd]") from exc
        stream: IO[bytes] = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(handle))
        return tarfile.open(fileobj=stream, mode="r|")
    return tarfile.open(fileobj=handle, mode="r|*")


def _config(outer: tarfile.TarFile, members: Dict[str, tarfile.TarInfo], documents: Dict[str, bytes]) -> Dict[str, Any]:
    """The image configuration's `config` object (Entrypoint, Cmd, Env, WorkingDir), from either layout."""
    name: Optional[str] = None
    try:
        manifest = json.loads(documents.get("manifest.json", b"null"))
        if isinstance(manifest, list) and manifest and isinstance(manifest[0], dict):
            name = normalize(str(manifest[0].get("Config", "")))
        if not name and "index.json" in documents:
            index = json.loads(documents["index.json"])
            digest = index["manifests"][0]["digest"].replace(":", "/")
            oci_manifest = json.loads(documents[f"blobs/{digest}"])
            name = "blobs/" + oci_manifest["config"]["digest"].replace(":", "/")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return {}
    member = members.get(name or "")
    if member is None:
        return {}
    try:
        document = json.loads(_read(outer, member))
    except ValueError:
        return {}
    config = document.get("config") if isinstance(document, dict) else None
    return config if isinstance(config, dict) else {}
