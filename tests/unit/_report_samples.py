"""In-memory Reports for reporter tests: model dataclasses built by hand, no ELF parsing."""

from __future__ import annotations

from typing import Dict, List

from linkguard.model import (
    ArtifactReport,
    ElfFacts,
    Finding,
    Packing,
    Report,
    Severity,
    Skipped,
    Toolchain,
    Unreadable,
    VersionNeed,
)

HOSTILE_NAME = "a,b:c%0A::error::x"
WORKSPACE = "/ws"

STATIC = ElfFacts(machine="x86_64", bits=64, endian="little", type="EXEC", linkage="static")
STATIC_PIE = ElfFacts(machine="aarch64", bits=64, endian="little", type="DYN", linkage="static-pie", pie=True)
DYNAMIC = ElfFacts(
    machine="x86_64",
    bits=64,
    endian="little",
    type="DYN",
    linkage="dynamic",
    interpreter="/lib64/ld-linux-x86-64.so.2",
    needed=("libm.so.6", "libc.so.6"),
    pie=True,
    version_needs=(
        VersionNeed("libm.so.6", "GLIBC_2.29", ("exp", "log", "pow")),
        VersionNeed("libc.so.6", "GLIBC_2.34", ("__libc_start_main",)),
    ),
    max_versions={"GLIBC": "2.34"},
    toolchain=Toolchain(compilers=("GCC: (Debian 12.2.0-14) 12.2.0",), libc="glibc"),
)
PACKED = ElfFacts(
    machine="x86_64",
    bits=64,
    endian="little",
    type="EXEC",
    linkage="static",
    packing=Packing(
        packer="upx",
        version="3.94",
        format="linux/amd64",
        method="NRV2E",
        level=8,
        original_size=16000,
        packed_size=7000,
        evidence=("UPX! magic at offset 0xec",),
        original=DYNAMIC,
    ),
)

LG101_DYNAMIC = Finding(
    code="LG101",
    rule="dynamic-link",
    severity=Severity.ERROR,
    message="needs 2 shared libraries (libm.so.6, libc.so.6) and the loader /lib64/ld-linux-x86-64.so.2",
    evidence=("libm.so.6: GLIBC_2.29 <- exp, log, pow", "libc.so.6: GLIBC_2.34 <- __libc_start_main"),
    cause="built with gcc without -static",
    fix="link with `musl-gcc -static` or add -static",
)


def clean_report() -> Report:
    return Report(
        artifacts=(
            ArtifactReport(path="dist/tool", location="/ws/dist/tool", format="elf", facts=STATIC),
            ArtifactReport(path="dist/tool-arm64", location="/ws/dist/tool-arm64", format="elf", facts=STATIC_PIE),
        ),
        skipped=(Skipped("dist/README.md", "not an executable (ELF, PE or Mach-O)"),),
        tool_version="0.1.0",
    )


def mixed_report() -> Report:
    """Every kind of finding a reporter must render, including hostile names."""
    artifacts = (
        ArtifactReport(path="dist/tool", location="/ws/dist/tool", format="elf", facts=STATIC),
        ArtifactReport(
            path="dist/warned",
            location="/ws/dist/warned",
            format="elf",
            facts=DYNAMIC,
            allowance="plugins may link glibc",
            findings=(
                Finding(
                    code="LG102",
                    rule="glibc-too-new",
                    severity=Severity.WARNING,
                    message="needs GLIBC_2.34, above the floor 2.17",
                    evidence=("libc.so.6: GLIBC_2.34 <- __libc_start_main",),
                    fix="build in a manylinux2014 container",
                ),
            ),
        ),
        ArtifactReport(
            path="dist/app", location="/ws/dist/app", format="elf", facts=DYNAMIC, findings=(LG101_DYNAMIC,)
        ),
        ArtifactReport(
            path="dist/release.tar.gz!app/bin/packed",
            location="/ws/dist/release.tar.gz",
            format="elf",
            facts=PACKED,
            findings=(
                Finding(
                    code="LG101",
                    rule="dynamic-link",
                    severity=Severity.ERROR,
                    message="behind the packing, the original is dynamically linked: needs 2 shared libraries",
                    evidence=LG101_DYNAMIC.evidence,
                    through_packing=True,
                ),
                Finding(
                    code="LG201",
                    rule="upx-packed",
                    severity=Severity.ERROR,
                    message="packed by UPX 3.94 (NRV2E, level 8, linux/amd64); the original is dynamic",
                    evidence=("UPX! magic at offset 0xec",),
                    fix="drop the `upx` step from the release pipeline",
                ),
            ),
        ),
        ArtifactReport(
            path="dist/truncated",
            location="/ws/dist/truncated",
            format="unreadable",
            problem=Unreadable("program headers run past the end of the file (64 bytes)", kind="truncated"),
            findings=(
                Finding(
                    code="LG901",
                    rule="unreadable",
                    severity=Severity.ERROR,
                    message="cannot parse: program headers run past the end of the file (64 bytes)",
                ),
            ),
        ),
        ArtifactReport(
            path=f"dist/{HOSTILE_NAME}",
            location=f"/ws/dist/{HOSTILE_NAME}",
            format="elf",
            facts=DYNAMIC,
            findings=(LG101_DYNAMIC,),
        ),
        ArtifactReport(
            path="dist/x|y<b>*_`$~\\",
            location="/ws/dist/x|y<b>*_`$~\\",
            format="elf",
            facts=DYNAMIC,
            findings=(
                Finding(
                    code="LG101",
                    rule="dynamic-link",
                    severity=Severity.NOTE,
                    message="line one\nline two | <i>not html</i>",
                ),
            ),
        ),
    )
    return Report(
        artifacts=artifacts,
        skipped=(Skipped("dist/README.md", "not an executable (ELF, PE or Mach-O)"),),
        fail_on=Severity.ERROR,
        tool_version="0.1.0",
    )


def many_report(errors: int, warnings: int, findings_per_artifact: int = 1) -> Report:
    """`errors` artifacts with error findings and `warnings` with warning findings, paths numbered."""
    artifacts: List[ArtifactReport] = []
    for index in range(errors + warnings):
        severity = Severity.ERROR if index < errors else Severity.WARNING
        finding = Finding(
            code="LG101" if severity is Severity.ERROR else "LG102",
            rule="dynamic-link" if severity is Severity.ERROR else "glibc-too-new",
            severity=severity,
            message=f"finding for artifact {index:05d}",
            evidence=(f"libc.so.6: GLIBC_2.{index % 40} <- memcpy",),
            fix="link statically",
        )
        artifacts.append(
            ArtifactReport(
                path=f"dist/bin-{index:05d}",
                location=f"/ws/dist/bin-{index:05d}",
                format="elf",
                facts=DYNAMIC,
                findings=(finding,) * findings_per_artifact,
            )
        )
    return Report(artifacts=tuple(artifacts), tool_version="0.1.0")


SAMPLES: Dict[str, Report] = {
    "clean": clean_report(),
    "mixed": mixed_report(),
    "never": Report(artifacts=mixed_report().artifacts, fail_on=None, tool_version="0.1.0"),
}
