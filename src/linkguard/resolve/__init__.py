"""Resolution: for every need of an artifact, the file of a target that satisfies it, found with the target's
own loader's search order (glibc.py, musl.py), and the verdict: would it start there, and if not, what the loader
prints. Pure judgement of facts against files: nothing here parses bytes (targets/ and readers/ do)."""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import TYPE_CHECKING, Callable, List, Optional, Tuple

from linkguard.model import ElfFacts, MachoFacts, PeFacts, TargetNeed, TargetVerdict
from linkguard.packages.view import library_of
from linkguard.resolve import glibc, musl, native

if TYPE_CHECKING:  # targets/ is imported where a target is opened: a run without --target never needs it
    from linkguard.targets import TargetSystem

MUSL_ARCH = {"x86_64": "x86_64", "aarch64": "aarch64", "i386": "i386", "arm": "armhf", "riscv": "riscv64"}


def judge(target: TargetSystem, facts: ElfFacts, install_path: str, package: glibc.Files) -> TargetVerdict:
    """Would the program at `install_path` start on `target`? `package` holds the files its $ORIGIN points at."""
    facts = facts.effective  # a packed program runs as its original does
    notes: List[str] = list(target.notes)
    if target.cpu_assumed:
        notes.append(f"the target holds no loader: its CPU is taken to be this machine's ({target.cpu})")
    if not target.runs(facts.machine):
        need = TargetNeed("arch", facts.machine, install_path)
        text = f"{install_path}: cannot execute: Exec format error (a {facts.machine} program on a {target.cpu} system)"
        return TargetVerdict(target.spec, False, text, (need,), notes=tuple(notes))
    interpreter = facts.interpreter
    if interpreter is None:
        return TargetVerdict(target.spec, True, notes=tuple(notes))
    flavour = "musl" if "ld-musl" in posixpath.basename(interpreter) else "glibc"
    if target.fs.object(interpreter) is None:
        need = TargetNeed("loader", interpreter, install_path)
        text = (
            f"{install_path}: cannot execute: No such file or directory (its program interpreter {interpreter} "
            f"is not in the target{_flavour_hint(target, flavour)})"
        )
        return TargetVerdict(target.spec, False, text, (need,), loader=flavour, notes=tuple(notes))
    search = glibc.Search(
        target=target.fs,
        cache=target.ld_cache() if flavour == "glibc" else None,
        default_dirs=glibc.default_dirs(facts.machine, facts.bits, target.multiarch),
        lib=_lib_token(facts, target),
        ld_library_path=target.ld_library_path,
    )
    program = library_of(facts)
    if flavour == "musl":
        sys_path = musl.system_path(target.fs, interpreter, MUSL_ARCH.get(facts.machine, facts.machine))
        missing, _ = musl.resolve(install_path, program, package, interpreter, search, sys_path)
        say = musl.message
    else:
        missing, _ = glibc.resolve(install_path, program, package, interpreter, search)
        say = glibc.message
    fatal = [m for m in missing if not m.weak]
    for weak in (m for m in missing if m.weak):
        notes.append(f"weak version need: {say(install_path, weak)} (ld.so only warns)")
    return TargetVerdict(
        target=target.spec,
        starts=not fatal,
        message=say(install_path, fatal[0]) if fatal else None,
        missing=tuple(missing),
        resolved=tuple(search.resolved),
        loader=flavour,
        notes=tuple(notes + search.notes),
    )


def _lib_token(facts: ElfFacts, target: TargetSystem) -> str:
    triplet = glibc.MULTIARCH.get((facts.machine, facts.bits))
    if target.multiarch and triplet:
        return f"lib/{triplet}"
    return "lib64" if facts.bits == 64 else "lib"


def _flavour_hint(target: TargetSystem, flavour: str) -> str:
    """`: a musl program on a glibc system`, when the target has the other C library's loader."""
    others = {"musl": "/lib64/ld-linux-x86-64.so.2", "glibc": "/lib/ld-musl-x86_64.so.1"}
    if target.fs.host_path(others[flavour]) is not None:
        other = "glibc" if flavour == "musl" else "musl"
        return f": a {flavour} program on a {other} system"
    return ""


def install_path_of(target: TargetSystem, location: str) -> Optional[str]:
    """Where an artifact on disk sits inside the target, when it lies inside the target's directory."""
    from linkguard.targets.rootfs import inside

    if not target.fs.directory:  # a named base: data, with no directory an artifact could lie in
        return None
    return inside(target.fs.directory, location)


def _other_os(spec: str, facts: ElfFacts | PeFacts | MachoFacts, path: str) -> TargetVerdict:
    """An artifact for another OS than the target's: it cannot be executed there at all."""
    kind = {ElfFacts: "ELF (Linux)", PeFacts: "Windows (PE)", MachoFacts: "Mach-O (macOS)"}[type(facts)]
    system = "Windows" if spec in native.WINDOWS else "macOS" if spec in native.MACOS else "Linux"
    need = TargetNeed("arch", kind, path)
    return TargetVerdict(spec, False, f"{path}: cannot execute: a {kind} program on a {system} system", (need,))


def verdicts(
    specs: Tuple[str, ...],
    facts: ElfFacts | PeFacts | MachoFacts,
    location: str,
    path: str,
    open_target: Callable[[str], TargetSystem],
) -> Tuple[TargetVerdict, ...]:
    """One verdict per target for the artifact at host `location` (display `path`)."""
    from linkguard.targets import IMAGE, image_member, package_files

    out = []
    for spec in specs:
        if spec in native.names():
            judged = native.judge(spec, facts, path) if not isinstance(facts, ElfFacts) else None
            out.append(judged or _other_os(spec, facts, path))
            continue
        if not isinstance(facts, ElfFacts):
            if spec != IMAGE:
                out.append(_other_os(spec, facts, path))
            continue
        if spec == IMAGE:
            member = image_member(path, location)
            if member is None:
                continue  # `image` judges artifacts found inside a saved image, against that image
            target = open_target(member[0])
            out.append(_entrypoint_note(target, judge(target, facts, member[1], target.fs), member[1], spec))
            continue
        target = open_target(spec)
        inner = install_path_of(target, location)
        if inner is not None:
            out.append(judge(target, facts, inner, target.fs))
        else:
            out.append(judge(target, facts, location if "!" not in path else path, package_files()))
    return tuple(out)


def _entrypoint_note(target: TargetSystem, verdict: TargetVerdict, inner: str, spec: str) -> TargetVerdict:
    """`image` as the target's name, and the entrypoint said so when this program is the image's entrypoint."""
    verdict = replace(verdict, target=spec)
    if target.entrypoint != inner:
        return verdict
    if verdict.starts:
        return replace(verdict, notes=(*verdict.notes, f"the image's entrypoint {inner} starts"))
    return replace(verdict, message=f"the image's entrypoint {inner} will not start: {verdict.message}")
