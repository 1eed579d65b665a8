"""The versioned JSON report (v1): the contract in DESIGN.md, published as schemas/report-v1.schema.json."""

from __future__ import annotations

import json
import tempfile
import textwrap
from typing import IO, Any, Callable, Dict, List, Optional, Tuple, Union

from linkguard.describe import printable
from linkguard.model import (
    ArtifactReport,
    Facts,
    Finding,
    GoBuildInfo,
    MachoFacts,
    MachoSlice,
    Packing,
    PeFacts,
    Placement,
    Report,
    Skipped,
    TargetVerdict,
    Toolchain,
    Totals,
)
from linkguard.report import Rendered, RenderOptions, RunInfo
from linkguard.report.escape import neutralize_json

SCHEMA_VERSION = 1


def facts_dict(facts: Facts) -> Dict[str, Any]:
    if isinstance(facts, PeFacts):
        return pe_dict(facts)
    if isinstance(facts, MachoFacts):
        return macho_dict(facts)
    return {
        "format": "elf",
        "machine": facts.machine,
        "bits": facts.bits,
        "endian": facts.endian,
        "type": facts.type,
        "linkage": facts.linkage,
        "interpreter": facts.interpreter,
        "needed": list(facts.needed),
        "soname": facts.soname,
        "rpath": list(facts.rpath),
        "runpath": list(facts.runpath),
        "pie": facts.pie,
        "max_versions": dict(facts.max_versions),
        "version_needs": [
            {"library": n.library, "version": n.version, "symbols": list(n.symbols), "weak": n.weak}
            for n in facts.version_needs
        ],
        "section_headers": facts.has_section_headers,
        "toolchain": toolchain_dict(facts.toolchain),
        "packing": packing_dict(facts.packing),
        "warnings": list(facts.warnings),
        **_host_entries(facts.host_entries),
    }


def _host_entries(entries: Tuple[str, ...]) -> Dict[str, Any]:
    """`host_entries` only when there are some (the exported PyInit_*, napi_register_module_v1, ... that name the
    program loading this plugin): additive to the v1 contract, absent for the programs and libraries it had."""
    return {"host_entries": list(entries)} if entries else {}


def _native_common(facts: Union[PeFacts, MachoFacts]) -> Dict[str, Any]:
    """The v1 contract keys, filled for PE and Mach-O (no interpreter, no symbol versions)."""
    return {
        "format": facts.format,
        "machine": facts.machine,
        "bits": facts.bits,
        "endian": facts.endian,
        "type": facts.type,
        "linkage": facts.linkage,
        "interpreter": None,
        "needed": list(facts.needed),
        "soname": facts.soname,
        "rpath": list(facts.rpath),
        "runpath": [],
        "max_versions": {},
        "toolchain": toolchain_dict(facts.toolchain),
        "packing": packing_dict(facts.packing),
        "warnings": list(facts.warnings),
        **_host_entries(facts.host_entries),
    }


def pe_dict(facts: PeFacts) -> Dict[str, Any]:
    entry = _native_common(facts)
    entry["pe"] = {
        "pe_format": facts.pe_format,
        "subsystem": facts.subsystem,
        "subsystem_version": facts.subsystem_version,
        "os_version": facts.os_version,
        "imports": [
            {
                "dll": i.dll,
                "functions": list(i.functions),
                "kind": i.kind,
                "platform": i.platform,
                "provider": i.provider,
            }
            for i in facts.imports
        ],
        "floors": [{"version": f.version, "reason": f.reason, "source": f.source} for f in facts.floors],
        "bound_imports": list(facts.bound_imports),
        "signed": facts.signed,
    }
    if facts.clr is not None:  # a .NET assembly
        clr = facts.clr
        entry["pe"]["clr"] = {"runtime": clr.runtime, "version": clr.version, "flags": list(clr.flags)}
    return entry


def macho_dict(facts: MachoFacts) -> Dict[str, Any]:
    entry = _native_common(facts)
    entry["macho"] = {"fat": facts.fat, "slices": [slice_dict(s) for s in facts.slices]}
    return entry


def slice_dict(piece: MachoSlice) -> Dict[str, Any]:
    return {
        "machine": piece.machine,
        "bits": piece.bits,
        "endian": piece.endian,
        "type": piece.type,
        "linkage": piece.linkage,
        "dylibs": [
            {"path": d.path, "kind": d.kind, "platform": d.platform, "note": d.note, "resolved": d.resolved}
            for d in piece.dylibs
        ],
        "rpaths": list(piece.rpaths),
        "dylibs_omitted": piece.dylibs_omitted,
        "foreign_omitted": piece.foreign_omitted,
        "rpaths_omitted": piece.rpaths_omitted,
        "id_dylib": piece.id_dylib,
        "minos": piece.minos,
        "sdk": piece.sdk,
        "platform": piece.platform,
        "builds": [{"platform": b.platform, "minos": b.minos, "sdk": b.sdk} for b in piece.builds],
        "signature": piece.signature,
        "offset": piece.offset,
        "size": piece.size,
        "toolchain": toolchain_dict(piece.toolchain),
        "packing": packing_dict(piece.packing),
        "original": None if piece.original is None else slice_dict(piece.original),
        **_host_entries(piece.host_entries),
    }


def toolchain_dict(toolchain: Optional[Toolchain]) -> Optional[Dict[str, Any]]:
    if toolchain is None:
        return None
    return {
        "compilers": list(toolchain.compilers),
        "go": go_dict(toolchain.go),
        "rust": toolchain.rust,
        "libc": toolchain.libc,
        "libc_version": toolchain.libc_version,
        "nss": list(toolchain.nss),
        "evidence": list(toolchain.evidence),
    }


def go_dict(info: Optional[GoBuildInfo]) -> Optional[Dict[str, Any]]:
    if info is None:
        return None
    return {
        "go_version": info.go_version,
        "path": info.path,
        "main": None if info.main is None else {"path": info.main.path, "version": info.main.version},
        "deps": [
            {
                "path": d.path,
                "version": d.version,
                "replacement": None if d.replacement is None else d.replacement.path,
            }
            for d in info.deps
        ],
        "settings": {k: v for k, v in info.settings},
    }


def packing_dict(packing: Optional[Packing]) -> Optional[Dict[str, Any]]:
    if packing is None:
        return None
    return {
        "packer": packing.packer,
        "version": packing.version,
        "format": packing.format,
        "method": packing.method,
        "level": packing.level,
        "filter": packing.filter,
        "original_size": packing.original_size,
        "packed_size": packing.packed_size,
        "checksum_ok": packing.checksum_ok,
        "tampered": packing.tampered,
        "confidence": packing.confidence,
        "evidence": list(packing.evidence),
        "see_through_error": packing.see_through_error,
        "original": None if packing.original is None else facts_dict(packing.original),
    }


def finding_dict(finding: Finding) -> Dict[str, Any]:
    return {
        "code": finding.code,
        "rule": finding.rule,
        "severity": finding.severity.value,
        "message": finding.message,
        "evidence": list(finding.evidence),
        "cause": finding.cause,
        "fix": finding.fix,
        "remedy": finding.remedy,
        "remedy_evidence": list(finding.remedy_evidence),
        "through_packing": finding.through_packing,
    }


def artifact_dict(artifact: ArtifactReport) -> Dict[str, Any]:
    entry: Dict[str, Any] = {"path": printable(artifact.path), "location": printable(artifact.location)}
    if artifact.facts is not None:
        entry.update(facts_dict(artifact.facts))
    else:
        entry.update(
            {
                "format": artifact.format,
                "linkage": None,
                "interpreter": None,
                "needed": [],
                "max_versions": {},
                "packing": None,
            }
        )
    entry["problem"] = (
        None if artifact.problem is None else {"reason": artifact.problem.reason, "kind": artifact.problem.kind}
    )
    entry["allowance"] = artifact.allowance
    entry["alias_of"] = None if artifact.alias_of is None else printable(artifact.alias_of)
    if artifact.targets:
        entry["targets"] = [target_dict(v) for v in artifact.targets]
    if artifact.placement is not None:
        entry.update(placement_dict(artifact.placement))
    entry["findings"] = [finding_dict(f) for f in artifact.findings]
    return entry


def placement_dict(placement: Placement) -> Dict[str, Any]:
    """Where the artifact lives: `package`, `host` (and its notes), and one `provisions` entry per need."""
    package = placement.package
    return {
        "package": None
        if package is None
        else {
            "kind": package.kind,
            "name": None if package.name is None else printable(package.name),
            "version": None if package.version is None else printable(package.version),
            "root": printable(package.root),
            "tags": [printable(t) for t in package.tags],
            "os": [printable(t) for t in package.os],
            "cpu": [printable(t) for t in package.cpu],
            "libc": [printable(t) for t in package.libc],
            "notes": [printable(n) for n in package.notes],
        },
        "host": placement.host,
        "host_notes": [printable(n) for n in placement.host_notes],
        "provisions": [
            {
                "need": printable(p.need),
                "provided_by": None if p.provided_by is None else printable(p.provided_by),
                "path": None if p.path is None else printable(p.path),
                "how": None if p.how is None else printable(p.how),
                "looked": [printable(w) for w in p.looked],
            }
            for p in placement.provisions
        ],
    }


def target_dict(verdict: TargetVerdict) -> Dict[str, Any]:
    """One target's verdict: whether the artifact starts, the loader's message, what is missing and what resolved."""
    return {
        "target": printable(verdict.target),
        "starts": verdict.starts,
        "loader": verdict.loader,
        "message": None if verdict.message is None else printable(verdict.message),
        "missing": [
            {
                "kind": m.kind,
                "name": printable(m.name),
                "required_by": printable(m.required_by),
                "library": None if m.library is None else printable(m.library),
                "weak": m.weak,
            }
            for m in verdict.missing
        ],
        "resolved": [
            {
                "needed": printable(r.needed),
                "path": printable(r.path),
                "by": r.by,
                "required_by": printable(r.required_by),
                "provided_by": r.provided_by,
            }
            for r in verdict.resolved
        ],
        "notes": [printable(n) for n in verdict.notes],
    }


def head_dict(info: RunInfo, totals: Totals) -> Dict[str, Any]:
    head = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "linkguard", "version": info.tool_version},
        "summary": {
            "artifacts": totals.artifacts,
            "skipped": totals.skipped,
            "errors": totals.errors,
            "warnings": totals.warnings,
            "notes": totals.notes,
            "failed": totals.failed,
            "fail_on": info.fail_on.value if info.fail_on else "never",
        },
    }
    if totals.notices:  # only when there are some: reports of runs without them stay byte for byte as they were
        head["notices"] = [printable(notice) for notice in totals.notices]
    return head


def skipped_dict(skipped: Skipped) -> Dict[str, Any]:
    return {"path": printable(skipped.path), "reason": skipped.reason}


class JsonStream:
    """The JSON report (head_dict, then artifact_dict and skipped_dict per entry), written as the run goes.

    The summary comes first in the document but is known last, so artifacts and skipped files are spooled (to
    memory, then to a temporary file past a few MiB) and the document is assembled in `finish`.
    """

    _SPOOL = 8 << 20

    def __init__(self, info: RunInfo, options: RenderOptions, write: Callable[[str], object]) -> None:
        self._info = info
        self._write = write
        # Compact unless a person is watching: the indenting encoder is pure Python and several times slower.
        self._indent = 2 if options.color else None
        self._lists = {
            "artifacts": _Spool(self._indent, self._SPOOL),
            "skipped_files": _Spool(self._indent, self._SPOOL),
        }

    def artifact(self, artifact: ArtifactReport) -> None:
        self._lists["artifacts"].add(artifact_dict(artifact))

    def skipped(self, skipped: Skipped) -> None:
        self._lists["skipped_files"].add(skipped_dict(skipped))

    def finish(self, totals: Totals) -> None:
        document = head_dict(self._info, totals)
        for key in self._lists:
            document[key] = _PLACEHOLDER + key
        text = neutralize_json(json.dumps(document, indent=self._indent, ensure_ascii=False))
        for key, spool in self._lists.items():
            before, _, text = text.partition(json.dumps(_PLACEHOLDER + key))
            self._write(before)
            spool.write_to(self._write)
        self._write(text + "\n")


_PLACEHOLDER = "\0linkguard-list:"


class _Spool:
    """One JSON list written in chunks, laid out as json.dumps lays out a list at depth 1 of the document."""

    _CHUNK = 256  # items encoded per json.dumps call: one call per item cost more than the encoding

    def __init__(self, indent: Optional[int], max_size: int) -> None:
        self._indent = indent
        # Closed in write_to, the one way out of a spool.
        self._file: IO[str] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=max_size, mode="w+", encoding="utf-8"
        )
        self._pending: List[Dict[str, Any]] = []
        self._written = 0

    def add(self, item: Dict[str, Any]) -> None:
        self._pending.append(item)
        if len(self._pending) >= self._CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        text = neutralize_json(json.dumps(self._pending, indent=self._indent, ensure_ascii=False))
        if self._indent is None:
            body, separator = text[1:-1], ", "
        else:  # "[\n  {...},\n  {...}\n]" at depth 0: one level deeper, without the brackets
            body, separator = textwrap.indent(text[2:-2], " " * self._indent), ",\n"
        self._file.write(separator + body if self._written else body)
        self._written += len(self._pending)
        self._pending = []

    def write_to(self, write: Callable[[str], object]) -> None:
        self._flush()
        if not self._written:
            write("[]")
        else:
            write("[" if self._indent is None else "[\n")
            self._file.seek(0)
            while True:
                chunk = self._file.read(1 << 20)
                if not chunk:
                    break
                write(chunk)
            write("]" if self._indent is None else "\n" + " " * self._indent + "]")
        self._file.close()


class JsonReporter:
    name = "json"
    description = "versioned machine-readable report (schemas/report-v1.schema.json)"

    def render(self, report: Report, options: RenderOptions) -> Rendered:
        parts: List[str] = []
        stream = self.stream(RunInfo(report.tool_version, report.fail_on), options, parts.append)
        for artifact in report.artifacts:
            stream.artifact(artifact)
        for skipped in report.skipped:
            stream.skipped(skipped)
        stream.finish(report.totals)
        return Rendered(text="".join(parts))

    def stream(self, info: RunInfo, options: RenderOptions, write: Callable[[str], object]) -> JsonStream:
        return JsonStream(info, options, write)


REPORTER = JsonReporter()
