"""Package recognition: which package an artifact ships in, from the names around it and a few small text files.

A package is recognised by its own layout, never by what the release calls it:
- a wheel by a directory holding exactly one `<name>-<version>.dist-info/` with a `WHEEL` file (several of them are
  an installed environment, not one wheel); name and version from METADATA, else the dist-info name; `tags` are
  every tag WHEEL's `Tag:` lines expand to, else the `.whl` file name's;
- an npm package by a `package.json` (`package/` of an `npm pack` tarball, `node_modules/<name>/`,
  `node_modules/@scope/<name>/`, an unpacked package directory), with its `os`, `cpu` and `libc` fields;
- a macOS bundle by `X.app/Contents/` or `X.framework/`;
- otherwise the default package, kind "tree", rooted at the argument given (the release archive or directory).
The innermost package wins: a wheel directory inside a release directory is a wheel.

Detection reads only listings (`Listing`); metadata is read through `Texts` with a size cap, and a file that does
not parse is a note on the package, never an exception.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, List, Optional, Protocol, Tuple

from linkguard.model import PackageInfo

# email.parser (METADATA) and plistlib (Info.plist) are imported where a wheel or a bundle is read, not here:
# together they are about a tenth of the start-up of a run that has neither.

TEXT_CAP = 256 << 10  # bytes of a metadata file (WHEEL, METADATA, package.json, Info.plist) read at most
WHEEL_FILE = re.compile(r"^(?P<name>[^-]+)-(?P<ver>[^-]+)(-[^-]+)?-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl$")


class Listing(Protocol):
    """What detection sees of a tree: the names directly inside a directory (relative path, "" for the root)."""

    def listing(self, directory: str) -> Optional[FrozenSet[str]]: ...


Texts = Callable[[str, int], Optional[bytes]]  # (relative path, cap) -> the file's bytes, None when absent or larger


@dataclass(frozen=True)
class Found:
    """A package recognised in a tree: its kind and its root directory relative to the tree's root."""

    kind: str  # "wheel" | "npm" | "app" | "framework" | "tree"
    root: str  # relative to the tree root, "" for the root itself
    dist_info: Optional[str] = None  # a wheel's `<name>-<version>.dist-info` directory name


def ancestors(relative: str) -> List[str]:
    """The directories holding `relative`, innermost first, ending with the root ""."""
    out: List[str] = []
    directory = posixpath.dirname(relative)
    while directory:
        out.append(directory)
        directory = posixpath.dirname(directory)
    out.append("")
    return out


def find(relative: str, listing: Listing, known: Optional[Dict[str, Optional[Found]]] = None) -> Found:
    """The innermost package holding the file at `relative` (a path inside the tree); `known` remembers, per
    directory, the package rooted there (or None), so each directory of a tree is looked at once."""
    known = {} if known is None else known
    for directory in ancestors(relative):
        if directory not in known:
            known[directory] = _package_at(directory, listing)
        found = known[directory]
        if found is not None:
            return found
    return Found("tree", "")


def _package_at(directory: str, listing: Listing) -> Optional[Found]:
    base = posixpath.basename(directory)
    if base.endswith(".app") and len(base) > 4:
        inside = listing.listing(directory)
        if inside is not None and "Contents" in inside:
            return Found("app", directory)
    if base.endswith(".framework") and len(base) > 10:
        return Found("framework", directory)
    names = listing.listing(directory)
    if names is None:
        return None
    if "package.json" in names:
        return Found("npm", directory)
    infos = [n for n in names if n[-10:] == ".dist-info"]
    if len(infos) == 1:
        inside = listing.listing(posixpath.join(directory, infos[0]))
        if inside is not None and "WHEEL" in inside:
            return Found("wheel", directory, infos[0])
    return None


def describe(found: Found, display_root: str, texts: Texts, archive_name: str = "") -> PackageInfo:
    """The PackageInfo of a recognised package; `archive_name` is the file name of a `.whl` whose root it is."""
    if found.kind == "wheel":
        return _wheel(found, display_root, texts, archive_name)
    if found.kind == "npm":
        return _npm(found, display_root, texts)
    if found.kind in ("app", "framework"):
        return _bundle(found, display_root, texts)
    return PackageInfo(kind="tree", root=display_root)


def _join(root: str, relative: str) -> str:
    return posixpath.join(root, relative) if root else relative


def _text(texts: Texts, path: str, notes: List[str]) -> Optional[str]:
    data = texts(path, TEXT_CAP)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        notes.append(f"{path}: not UTF-8; ignored")
        return None


def _wheel(found: Found, display_root: str, texts: Texts, archive_name: str) -> PackageInfo:
    notes: List[str] = []
    info = _join(found.root, found.dist_info or "")
    stem = (found.dist_info or "")[: -len(".dist-info")]
    name, _, version = stem.partition("-")
    metadata = _text(texts, f"{info}/METADATA", notes)
    if metadata is not None:
        from email.parser import HeaderParser

        headers = HeaderParser().parsestr(metadata, headersonly=True)
        name = headers.get("Name") or name
        version = headers.get("Version") or version
    declared: List[str] = []  # WHEEL's Tag: lines
    wheel = _text(texts, f"{info}/WHEEL", notes)
    if wheel is None:
        notes.append(f"{info}/WHEEL: missing, unreadable or over {TEXT_CAP} bytes")
    else:
        for line in wheel.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip() == "Tag":
                expanded = expand_tag(value.strip())
                if expanded:
                    declared.extend(expanded)
                else:
                    notes.append(f"{info}/WHEEL: tag {value.strip()!r} is not python-abi-platform; ignored")
    tags = _wheel_tags(declared, archive_name, info, notes)
    return PackageInfo(
        kind="wheel",
        root=display_root,
        name=name or None,
        version=version or None,
        tags=tuple(dict.fromkeys(tags)),
        notes=tuple(notes),
    )


def _wheel_tags(declared: List[str], archive_name: str, info: str, notes: List[str]) -> List[str]:
    """The tags a wheel promises: a `.whl` file's are those of its file name, which pip (`Wheel(filename)`) and
    `auditwheel show` read; WHEEL's Tag: lines only where there is no file name (an unpacked wheel directory). A
    wheel renamed after it was built (ray 2.58.0's manylinux2014 file says `Tag: cp311-cp311-linux_x86_64` inside)
    installs by its name, so the name is judged and the disagreement is a note."""
    match = WHEEL_FILE.match(posixpath.basename(archive_name).rpartition("!")[2])
    if match is None:
        return declared
    named = expand_tag(f"{match['py']}-{match['abi']}-{match['plat']}")
    if set(declared) == set(named):
        return declared  # the same promise (WHEEL's order kept)
    if not declared:
        notes.append("tags taken from the wheel's file name (WHEEL has no Tag: line)")
    else:
        notes.append(
            f"{info}/WHEEL's Tag: lines ({', '.join(dict.fromkeys(declared))}) differ from the file name's "
            f"({', '.join(named)}); pip installs by the file name, so its tags are the ones judged"
        )
    return named


def expand_tag(tag: str) -> List[str]:
    """`cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64` -> every `python-abi-platform` it stands for
    (PEP 425's compressed tag sets: each part may list several values separated by dots)."""
    parts = tag.split("-")
    if len(parts) != 3 or not all(parts):
        return []
    return [f"{p}-{a}-{o}" for p in parts[0].split(".") for a in parts[1].split(".") for o in parts[2].split(".")]


def _strings(value: object) -> Optional[Tuple[str, ...]]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _npm(found: Found, display_root: str, texts: Texts) -> PackageInfo:
    notes: List[str] = []
    path = _join(found.root, "package.json")
    text = _text(texts, path, notes)
    if text is None:
        notes.append(f"{path}: unreadable or over {TEXT_CAP} bytes; os/cpu/libc unknown")
        return PackageInfo(kind="npm", root=display_root, notes=tuple(notes))
    try:
        manifest = json.loads(text)
    except ValueError as exc:
        notes.append(f"{path}: not JSON ({exc}); os/cpu/libc unknown")
        return PackageInfo(kind="npm", root=display_root, notes=tuple(notes))
    if not isinstance(manifest, dict):
        notes.append(f"{path}: not a JSON object; os/cpu/libc unknown")
        return PackageInfo(kind="npm", root=display_root, notes=tuple(notes))
    fields = {}
    for key in ("os", "cpu", "libc"):
        value = manifest.get(key)
        strings = _strings(value) if value is not None else ()
        if strings is None:
            notes.append(f"{path}: {key!r} is neither a string nor a list of strings; ignored")
            strings = ()
        fields[key] = strings
    name = manifest.get("name")
    version = manifest.get("version")
    # What npm installs beside the package in node_modules: a library of one of them, reached through a search
    # path that climbs out of this package, is that package's (resolve/package.py).
    dependencies: List[str] = []
    for key in ("dependencies", "optionalDependencies"):
        table = manifest.get(key)
        if isinstance(table, dict):
            dependencies.extend(k for k in table if isinstance(k, str))
    return PackageInfo(
        kind="npm",
        root=display_root,
        name=name if isinstance(name, str) else None,
        version=version if isinstance(version, str) else None,
        os=fields["os"],
        cpu=fields["cpu"],
        libc=fields["libc"],
        notes=tuple(notes),
        dependencies=tuple(dict.fromkeys(dependencies)),
    )


FRAMEWORK_PLISTS = ("Resources/Info.plist", "Versions/Current/Resources/Info.plist", "Versions/A/Resources/Info.plist")


def _bundle(found: Found, display_root: str, texts: Texts) -> PackageInfo:
    notes: List[str] = []
    base = posixpath.basename(found.root)
    name = base.rsplit(".", 1)[0]
    version = None
    if found.kind == "app":
        places: Tuple[str, ...] = ("Contents/Info.plist",)
    else:
        # `Resources` is a symlink to `Versions/Current/Resources` and `Current` one to `A` (Xcode's layout); an
        # archive's symlink members are not followed, so the version directory itself is read after them
        places = FRAMEWORK_PLISTS
    plist_path, data = "", None
    for place in places:
        plist_path = _join(found.root, place)
        data = texts(plist_path, TEXT_CAP)
        if data is not None:
            break
    if data is not None:
        plist = bundle_plist(data)
        if plist is None:
            notes.append(f"{plist_path}: not a property list; ignored")
        else:
            shown = plist.get("CFBundleShortVersionString") or plist.get("CFBundleVersion")
            version = shown if isinstance(shown, str) else None
    return PackageInfo(kind=found.kind, root=display_root, name=name, version=version, notes=tuple(notes))


def bundle_plist(data: bytes) -> Optional[Dict[str, object]]:
    """An Info.plist (XML or binary) as a dict, None when it is not one."""
    import plistlib
    from xml.parsers.expat import ExpatError

    # what plistlib raises on hostile bytes: its own error, expat's (XML), and the struct/index errors of its binary
    # parser: bad input, not a bug
    errors = (plistlib.InvalidFileException, ExpatError, ValueError, TypeError, KeyError, IndexError, OverflowError)
    try:
        value = plistlib.loads(data)
    except (*errors, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def bundle_executable(root: str, texts: Texts, listing: Listing) -> Optional[str]:
    """The path (relative to the tree) of an `.app`'s main program: Info.plist's CFBundleExecutable, else the
    only file in Contents/MacOS."""
    data = texts(_join(root, "Contents/Info.plist"), TEXT_CAP)
    plist = bundle_plist(data) if data is not None else None
    executable = plist.get("CFBundleExecutable") if plist else None
    if isinstance(executable, str) and "/" not in executable:
        return _join(root, f"Contents/MacOS/{executable}")
    names = listing.listing(_join(root, "Contents/MacOS"))
    if names is not None and len(names) == 1:
        return _join(root, f"Contents/MacOS/{next(iter(names))}")
    return None
