"""In-memory Reports for reporter tests: model dataclasses built by hand, no ELF parsing."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from linkguard.model import (
    ArtifactReport,
    ElfFacts,
    Finding,
    MachoDylib,
    MachoFacts,
    MachoSlice,
    OsFloor,
    Packing,
    PeFacts,
    PeImport,
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


# ------------------------------------------------------------------------------------------ PE and Mach-O
# Shaped after fixtures whose facts come from objdump -p / llvm-objdump --macho (tests/data/pe, tests/data/macho):
# mingw-c.exe, upx394-mingw-cxx-thread-dynamic.exe, zig-c-arm64-macos11, upx394-usefoo-usrlocal-x86_64,
# upx394-zig-c-x86_64 and universal-disagree.

_KERNEL32 = PeImport("KERNEL32.dll", ("ExitProcess", "GetLastError"), platform=True)
_MSVCRT = PeImport("msvcrt.dll", ("printf",), platform=True)
PE_PLAIN = PeFacts(
    machine="x86_64",
    bits=64,
    type="EXE",
    linkage="os-only",
    pe_format="PE32+",
    subsystem="console",
    subsystem_version="5.2",
    os_version="4.0",
    imports=(_KERNEL32, _MSVCRT),
    floors=(OsFloor("5.2", "subsystem version 5.2"),),
)
UPX_PE = Packing(
    packer="upx",
    version="3.94",
    format="win64/pe",
    method="NRV2B",
    level=8,
    evidence=("sections UPX0, UPX1", "UPX! pack header at 0x3e0"),
)
PE_PACKED = PeFacts(
    machine="x86_64",
    bits=64,
    type="EXE",
    linkage="dynamic",
    pe_format="PE32+",
    subsystem="console",
    subsystem_version="5.2",
    os_version="4.0",
    imports=(
        PeImport("KERNEL32.DLL", ("LoadLibraryA",), platform=True),
        PeImport("libgcc_s_seh-1.dll", ("_Unwind_Resume",)),
        PeImport("libstdc++-6.dll", ("_ZSt4cout",)),
        PeImport("msvcrt.dll", ("exit",), platform=True),
    ),
    packing=UPX_PE,
)
_LIBSYSTEM = MachoDylib("/usr/lib/libSystem.B.dylib", platform=True)
_HOMEBREW = MachoDylib("/opt/homebrew/lib/libfoo.dylib", note="Homebrew prefix")
_USRLOCAL = MachoDylib("/usr/local/lib/libfoo.dylib", note="Intel Homebrew prefix")
MACHO_THIN = MachoFacts(
    slices=(
        MachoSlice(
            machine="arm64",
            bits=64,
            endian="little",
            type="EXECUTE",
            linkage="os-only",
            dylibs=(_LIBSYSTEM,),
            minos="11.0",
            sdk="15.0",
            platform="macos",
            signature="adhoc",
        ),
    )
)
UPX_MACHO = Packing(packer="upx", version="3.94", format="macho/amd64", method="NRV2B", level=8)
MACHO_PACKED = MachoFacts(
    slices=(
        MachoSlice(
            machine="x86_64",
            bits=64,
            endian="little",
            type="EXECUTE",
            linkage="os-only",
            packing=UPX_MACHO,
            original=MachoSlice(
                machine="x86_64",
                bits=64,
                endian="little",
                type="EXECUTE",
                linkage="dynamic",
                dylibs=(_USRLOCAL, _LIBSYSTEM),
                minos="12.0",
                platform="macos",
            ),
        ),
    )
)
MACHO_PACKED_HIDDEN = MachoFacts(
    slices=(
        MachoSlice(
            machine="x86_64",
            bits=64,
            endian="little",
            type="EXECUTE",
            linkage="os-only",
            packing=Packing(
                packer="upx",
                version="3.94",
                format="macho/amd64",
                method="NRV2B",
                level=8,
                see_through_error="block chain ends early",
            ),
        ),
    )
)
MACHO_UNIVERSAL = MachoFacts(
    fat=True,
    slices=(
        MachoSlice(
            machine="x86_64",
            bits=64,
            endian="little",
            type="EXECUTE",
            linkage="os-only",
            dylibs=(_LIBSYSTEM,),
            minos="12.0",
            platform="macos",
        ),
        MachoSlice(
            machine="arm64",
            bits=64,
            endian="little",
            type="EXECUTE",
            linkage="dynamic",
            dylibs=(_HOMEBREW, _LIBSYSTEM),
            minos="12.0",
            platform="macos",
            offset=16384,
        ),
    ),
)


def _finding(
    code: str,
    rule: str,
    message: str,
    evidence: Tuple[str, ...] = (),
    fix: Optional[str] = None,
    through_packing: bool = False,
) -> Finding:
    return Finding(code, rule, Severity.ERROR, message, evidence, fix=fix, through_packing=through_packing)


def native_report() -> Report:
    """Windows and macOS artifacts: plain, UPX-packed (seen through, and not), universal."""
    artifacts = (
        ArtifactReport(path="dist/win/app.exe", location="/ws/dist/win/app.exe", format="pe", facts=PE_PLAIN),
        ArtifactReport(
            path="dist/win/packed.exe",
            location="/ws/dist/win/packed.exe",
            format="pe",
            facts=PE_PACKED,
            findings=(
                _finding(
                    "LG101",
                    "dynamic-link",
                    "needs libgcc_s_seh-1.dll, libstdc++-6.dll, DLLs a bare Windows lacks",
                    evidence=("imports libstdc++-6.dll", "imports libgcc_s_seh-1.dll"),
                    fix="link with `-static`",
                ),
                _finding(
                    "LG201",
                    "upx-packed",
                    "packed by UPX 3.94 (NRV2B, level 8, win64/pe); the DLLs behind the packing: KERNEL32.DLL, "
                    "libgcc_s_seh-1.dll, libstdc++-6.dll, msvcrt.dll",
                    evidence=UPX_PE.evidence,
                    fix="drop the `upx` step from the release pipeline",
                ),
            ),
        ),
        ArtifactReport(
            path="dist/mac/app-arm64",
            location="/ws/dist/mac/app-arm64",
            format="macho",
            facts=MACHO_THIN,
            findings=(
                _finding(
                    "LG104",
                    "os-too-new",
                    "needs a newer macOS than 10.15: arm64: minos 11.0 (sdk 15.0)",
                    fix="build with `MACOSX_DEPLOYMENT_TARGET=10.15`",
                ),
            ),
        ),
        ArtifactReport(
            path="dist/mac.tar.gz!mac/packed",
            location="/ws/dist/mac.tar.gz",
            format="macho",
            facts=MACHO_PACKED,
            findings=(
                _finding(
                    "LG101",
                    "dynamic-link",
                    "behind the packing, needs /usr/local/lib/libfoo.dylib, outside macOS",
                    through_packing=True,
                ),
                _finding("LG201", "upx-packed", "packed by UPX 3.94 (NRV2B, level 8, macho/amd64)"),
            ),
        ),
        ArtifactReport(
            path="dist/mac/hidden",
            location="/ws/dist/mac/hidden",
            format="macho",
            facts=MACHO_PACKED_HIDDEN,
            findings=(
                _finding(
                    "LG201",
                    "upx-packed",
                    "packed by UPX 3.94 (NRV2B, level 8, macho/amd64); could not see through (block chain ends "
                    "early): its dylibs, rpaths and minimum macOS are hidden",
                ),
            ),
        ),
        ArtifactReport(
            path="dist/mac/universal",
            location="/ws/dist/mac/universal",
            format="macho",
            facts=MACHO_UNIVERSAL,
            findings=(
                _finding("LG101", "dynamic-link", "arm64 slice needs /opt/homebrew/lib/libfoo.dylib, outside macOS"),
            ),
        ),
    )
    return Report(artifacts=artifacts, fail_on=Severity.ERROR, tool_version="0.1.0")


SAMPLES: Dict[str, Report] = {
    "clean": clean_report(),
    "mixed": mixed_report(),
    "never": Report(artifacts=mixed_report().artifacts, fail_on=None, tool_version="0.1.0"),
    "native": native_report(),
}
