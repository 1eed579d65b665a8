"""Container images saved as tarballs: which tar members are layers, in which order, and what survives whiteouts.

Two layouts are understood. `docker save` writes `manifest.json`: a list of images, each with `Layers` (tar member
names, bottom layer first). OCI image layouts have `oci-layout` and `index.json`, whose manifests (possibly through
nested indexes) list `layers` by digest, stored at `blobs/<algorithm>/<hex>`. Docker 25+ writes both; they name the
same layers and are deduplicated.

Layers are applied bottom-up as overlay filesystems do: `dir/.wh.name` deletes `dir/name` (and everything under it)
from the layers below, `dir/.wh..wh..opq` hides everything the layers below put in `dir`, and an upper entry
replaces a lower one at the same path. Only what the final filesystem holds is reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Set, Tuple

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
METADATA = ("manifest.json", "index.json", "oci-layout", "repositories")
MAX_DOC = 4 << 20  # a manifest or index larger than this is not read
MAX_INDEX_DEPTH = 4


@dataclass(frozen=True)
class ImagePlan:
    """The images a tarball holds: for each, its layer member names, bottom first."""

    images: Tuple[Tuple[str, ...], ...]
    problems: Tuple[str, ...] = ()

    @property
    def layers(self) -> Set[str]:
        return {layer for image in self.images for layer in image}


def looks_like_image_member(name: str) -> bool:
    """Whether a tarball whose first member is `name` may be a saved image (worth a listing pass)."""
    top = name.strip("/").split("/", 1)[0]
    if top in METADATA or top == "blobs":
        return True
    stem = top[:-5] if top.endswith(".json") else top
    return len(stem) == 64 and all(c in "0123456789abcdef" for c in stem)


def wants_document(name: str, size: int) -> bool:
    """Members read during the listing pass: image metadata and small blobs (OCI manifests and indexes)."""
    return size <= MAX_DOC and (name in METADATA or name.startswith("blobs/"))


def plan_image(documents: Mapping[str, bytes]) -> Optional[ImagePlan]:
    """The image plan from the metadata documents of a tarball, or None when it is not a saved image."""
    images: List[Tuple[str, ...]] = []
    problems: List[str] = []
    manifest = _json(documents.get("manifest.json"))
    if isinstance(manifest, list):
        for i, entry in enumerate(manifest):
            layers = entry.get("Layers") if isinstance(entry, dict) else None
            if not isinstance(layers, list) or not all(isinstance(x, str) for x in layers):
                problems.append(f"manifest.json entry {i} has no list of Layers")
                continue
            images.append(tuple(normalize(x) for x in layers))
    if "oci-layout" in documents and "index.json" in documents:
        _oci_images(_json(documents["index.json"]), documents, images, problems, 0)
    if manifest is None and not ("oci-layout" in documents and "index.json" in documents):
        return None
    unique: List[Tuple[str, ...]] = []
    for image in images:
        if image not in unique:
            unique.append(image)
    return ImagePlan(images=tuple(unique), problems=tuple(problems))


def _oci_images(
    index: Any, documents: Mapping[str, bytes], images: List[Tuple[str, ...]], problems: List[str], depth: int
) -> None:
    if depth > MAX_INDEX_DEPTH:
        problems.append("OCI indexes nested too deeply; not followed")
        return
    manifests = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(manifests, list):
        problems.append("OCI index has no list of manifests")
        return
    for descriptor in manifests:
        blob = _blob_name(descriptor)
        if blob is None:
            problems.append("OCI index entry without a usable digest")
            continue
        document = _json(documents.get(blob))
        if not isinstance(document, dict):
            problems.append(f"OCI manifest {blob} is missing or not JSON")
            continue
        if isinstance(document.get("manifests"), list):
            _oci_images(document, documents, images, problems, depth + 1)
            continue
        layers = document.get("layers")
        if not isinstance(layers, list):
            problems.append(f"OCI manifest {blob} has no list of layers")
            continue
        names = [_blob_name(layer) for layer in layers]
        if any(n is None for n in names):
            problems.append(f"OCI manifest {blob} has a layer without a usable digest")
        images.append(tuple(n for n in names if n is not None))


def _blob_name(descriptor: Any) -> Optional[str]:
    digest = descriptor.get("digest") if isinstance(descriptor, dict) else None
    if not isinstance(digest, str) or ":" not in digest:
        return None
    algorithm, _, hexdigest = digest.partition(":")
    if not algorithm.isalnum() or not hexdigest.isalnum():
        return None
    return f"blobs/{algorithm}/{hexdigest}"


def _json(raw: Optional[bytes]) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def normalize(name: str) -> str:
    """A member name as a path inside the archive: no leading "./" or "/", no trailing "/"."""
    while name.startswith("./"):
        name = name[2:]
    return name.strip("/")


@dataclass
class Layer:
    """What one layer holds: its entries (by path inside the layer) and its whiteouts."""

    entries: List[Tuple[str, Any]] = field(default_factory=list)
    paths: Dict[str, bool] = field(default_factory=dict)  # path -> is a directory
    deleted: Set[str] = field(default_factory=set)
    opaque: Set[str] = field(default_factory=set)
    found: bool = False  # the tarball holds this layer

    def record(self, path: str, is_dir: bool) -> bool:
        """Note one tar entry; False when it is a whiteout marker (not a file of the image)."""
        directory, _, base = path.rpartition("/")
        if base == OPAQUE:
            self.opaque.add(directory)
            return False
        if base.startswith(WHITEOUT):
            self.deleted.add(f"{directory}/{base[len(WHITEOUT) :]}" if directory else base[len(WHITEOUT) :])
            return False
        self.paths[path] = is_dir
        return True

    def add(self, path: str, entry: Any) -> None:
        self.entries.append((path, entry))


def visible(layers: Iterable[Layer]) -> Iterator[Any]:
    """Entries of the final filesystem, bottom layer first, each layer in tar order."""
    stack = list(layers)
    deleted: Set[str] = set()
    opaque: Set[str] = set()
    present: Set[str] = set()
    files: Set[str] = set()
    kept: List[List[Any]] = []
    for layer in reversed(stack):
        kept.append(
            [e for path, e in layer.entries if path not in present and not _covered(path, deleted, opaque, files)]
        )
        deleted |= layer.deleted
        opaque |= layer.opaque
        present |= set(layer.paths)
        files |= {p for p, is_dir in layer.paths.items() if not is_dir}
    for entries in reversed(kept):
        yield from entries


def _covered(path: str, deleted: Set[str], opaque: Set[str], files: Set[str]) -> bool:
    """Whether upper layers delete `path`, hide its directory's lower contents, or put a file above it."""
    if path in deleted:
        return True
    if "" in opaque:
        return True
    parts = path.split("/")
    for i in range(1, len(parts)):
        ancestor = "/".join(parts[:i])
        if ancestor in deleted or ancestor in opaque or ancestor in files:
            return True
    return False
