"""What an archive walk yields, and the checks on member names and links that every container shares."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import IO, Callable, Iterator, List, Optional, Tuple, Union

from linkguard.inputs.files import Problem
from linkguard.model import Artifact, Inspection, Skipped

# The skip reason of a file or member that is no executable linkguard reads (nor an archive): the one name for it,
# used by the walk and by scan (which counts such members instead of listing them).
NOT_INSPECTED = "not an executable (ELF, PE or Mach-O)"
HEAD = 512  # enough to recognise every format here (the ustar magic sits at offset 257)
EMPTY_NAME = "(empty name)"  # how a member without a name is shown after the `!`


@dataclass(frozen=True)
class MemberArtifact:
    """A member inside an archive; `location` is the archive file on disk (annotations point there)."""

    path: str
    location: str
    size: int
    opener: Callable[[], IO[bytes]] = field(repr=False, compare=False)

    def open(self) -> IO[bytes]:
        return self.opener()


@dataclass(frozen=True)
class MemberResult:
    """What inspection found for one member."""

    path: str
    location: str
    inspection: Inspection


@dataclass(frozen=True)
class Settled:
    """Members of one archive that their first bytes show are neither executables nor archives, as one entry: a jar
    has tens of thousands, which scan counts rather than lists, so they travel as names instead of a Skipped each."""

    display: str  # the archive's display path
    names: Tuple[str, ...]  # the members' names as member_path() takes them, in the archive's order

    def paths(self) -> List[str]:
        return [member_path(self.display, name) for name in self.names]

    def skipped(self) -> Iterator[Skipped]:
        """One Skipped (NOT_INSPECTED) per member, as the walk yields any member that is no executable."""
        return (Skipped(path, NOT_INSPECTED) for path in self.paths())


Entry = Union[MemberResult, Skipped, Problem, Settled]
Read = Callable[[Artifact], Optional[Inspection]]  # inspection of one member; None when not an inspected format


def member_path(display: str, name: str) -> str:
    """The display path of a member: the archive's path, `!`, and the member name fit for one line of output."""
    return f"{display}!{safe_name(name) if name else EMPTY_NAME}"


def safe_name(name: str) -> str:
    """A member name fit for one line of output: control characters and stray bytes escaped."""
    if name.isprintable():
        return name
    out = []
    for ch in name:
        if ch.isprintable():
            out.append(ch)
        elif "\udc80" <= ch <= "\udcff":  # an undecodable byte kept by surrogateescape
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def unsafe_reason(name: str) -> Optional[str]:
    """Why extracting a member of this name could write outside the target directory, if it could."""
    if not name.strip("/"):
        return "empty name"
    if name[0] in "/\\" or (len(name) > 1 and name[1] == ":" and name[0].isalpha()):
        return "absolute path"
    if ".." in name and ".." in name.replace("\\", "/").split("/"):  # the first test spares most names the split
        return "parent-directory (..) component"
    return None


def link_escape(name: str, target: str) -> Optional[str]:
    """Why a symbolic link member named `name` pointing at `target` leads outside the archive's tree, if it does.

    Python's tarfile `data` filter refuses the same links when extracting.
    """
    if not target:
        return None
    if target.startswith("/") or target.startswith("\\"):
        return "absolute target"
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name.strip("/")), target.replace("\\", "/")))
    if resolved == ".." or resolved.startswith("../"):
        return "climbs out with .."
    return None


def link_reason(target: str, escape: Optional[str]) -> str:
    """Why a symbolic link member is skipped; a target outside the archive's tree is named as such.

    Such links are common and harmless in trees of installed files (`bin/vi -> /etc/alternatives/vi`), so they
    are reported as skipped, not as findings; an extractor that follows them is the hazard, and they are never
    followed here.
    """
    where = f" ({escape}: it leads outside the archive's tree)" if escape else ""
    return f"symbolic link to {safe_name(target)}{where}; links inside archives are not followed"
