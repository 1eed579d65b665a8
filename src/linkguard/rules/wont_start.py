"""LG105 wont-start: with a target, the artifact would not start there, as the target's own loader resolves it."""

from __future__ import annotations

from typing import Iterator, Sequence, Tuple

from linkguard.model import Finding, Inspection, Severity, TargetNeed, TargetVerdict
from linkguard.policy import PathPolicy
from linkguard.remedies import Explanation
from linkguard.rules.base import RuleSpec

# The fix per first failure, each proven by a probe of tests/data/targets (runs.json records it starting).
_FIXES = {
    "version": (
        "It was linked against a newer C library (or a library it bundles was) than the target has.",
        "Build for the target's glibc or older: `zig cc -target x86_64-linux-gnu.2.17` (or build inside the "
        "target's own image), or link statically with musl (`musl-gcc -static`, `zig cc -target "
        "x86_64-linux-musl -static`).",
        "targets-glibc-floor",
    ),
    "library": (
        "A shared library it needs is in none of the places the target's loader searches.",
        "Install the package that provides it in the target, ship it beside the program and find it with "
        "`-Wl,-rpath,'$ORIGIN/../lib'` (on every object that needs it: DT_RUNPATH serves direct needs only), or "
        "link statically.",
        "targets-missing-library",
    ),
    "loader": (
        "Its program interpreter (the dynamic loader) is not in the target: a scratch or distroless image, or the "
        "other C library's system (musl on glibc, glibc on musl).",
        "Link statically (`musl-gcc -static`, Go `CGO_ENABLED=0`), or run it on a base with that loader.",
        "targets-missing-loader",
    ),
    "windows-dll": (
        "It imports a DLL that a bare Windows of that release does not have (a compiler runtime, a library).",
        "Link the runtime statically (MSVC `/MT`, MinGW `-static`), or ship the DLL in the program's own directory "
        "(the application directory is searched first), or install its redistributable on the target.",
        "targets-windows-dll",
    ),
    "os-floor": (
        "It needs a newer Windows or macOS than the target (its subsystem version, an import, its runtime or its "
        "minimum OS version says so).",
        "Build for the target's release: the LG104 fix for the floor named (subsystem version, "
        "MACOSX_DEPLOYMENT_TARGET, an older Go or Rust toolchain), or run it on a newer release.",
        "targets-os-floor",
    ),
    "arch": (
        "It was built for another CPU than the target's.",
        "Build for the target's architecture (`GOARCH`, `--target` of cargo or zig).",
        "targets-arch",
    ),
}


class WontStart:
    spec = RuleSpec(
        code="LG105",
        name="wont-start",
        default_severity=Severity.ERROR,
        summary="With a target: the artifact would not start there (its loader, a library or a version is missing).",
        description=(
            "Each --target (a root filesystem directory) is searched as its own loader searches it: the program "
            "interpreter, every DT_NEEDED through DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH, /etc/ld.so.cache and the "
            "default directories (glibc's ld.so), or musl's path file, transitively, and every symbol-version need "
            "against the version definitions of the library that satisfies it. The message is what the loader "
            "would print for the first failure; the evidence lists every other unmet need."
        ),
        help_markdown=(
            "Build for the target's C library and glibc version (`zig cc -target x86_64-linux-gnu.2.17`), bundle "
            "what the target lacks beside the program with an `$ORIGIN` RUNPATH, or link statically "
            "(`musl-gcc -static`)."
        ),
    )

    def check(self, inspection: Inspection, policy: PathPolicy, severity: Severity) -> Iterator[Finding]:
        """Nothing without verdicts: `check_verdicts` judges them (evaluate passes them)."""
        return iter(())

    def check_verdicts(self, verdicts: Sequence[TargetVerdict], severity: Severity) -> Iterator[Finding]:
        for verdict in verdicts:
            weak = [m for m in verdict.missing if m.weak]
            if verdict.starts and weak:
                # ld.so only warns for a weak version need ("weak version `X' not found"): a warning, not LG105's
                # error, since the program does start (the symbols bound to it are resolved without a version).
                yield self.spec.finding(
                    Severity.WARNING if severity is Severity.ERROR else severity,
                    f"starts on {verdict.target}, but its loader warns: "
                    + "; ".join(_need(m).removeprefix("also: ") for m in weak),
                )
            if verdict.starts:
                continue
            first = next((m for m in verdict.missing if not m.weak), None)
            others: Tuple[str, ...] = tuple(_need(m) for m in verdict.missing if m is not first)
            cause, fix, remedy = _FIXES[_fix_key(verdict.loader, first.kind if first is not None else "library")]
            yield self.spec.finding(
                severity,
                f"will not start on {verdict.target}: {verdict.message}",
                evidence=others + verdict.notes,
                explanation=Explanation(cause=cause, fix=fix, remedy=remedy, evidence=()),
            )


def _fix_key(loader: object, kind: str) -> str:
    """Which fix: by what failed, in the terms of the target's loader (Windows and dyld are not ld.so)."""
    if loader in ("windows", "dyld"):
        return {"library": "windows-dll" if loader == "windows" else "library", "version": "os-floor"}.get(kind, kind)
    return kind


def _need(need: TargetNeed) -> str:
    if need.kind == "version":
        weak = " (weak: ld.so only warns)" if need.weak else ""
        return f"also: {need.library}: version `{need.name}' not found (required by {need.required_by}){weak}"
    if need.kind == "library":
        return f"also: {need.name}: not found (needed by {need.required_by})"
    return f"also: {need.kind} {need.name} (needed by {need.required_by})"
