"""Causes and fixes for PE and Mach-O findings, as data: each remedy says which fixture proves it, or that none does.

`proven_by` names a fixture ("pe/<name>" or "macho/<name>" in tests/data/*/manifest.json) built the suggested
way, on which tests/unit/test_remedies/native.py shows the finding is gone, or "not proven here" when no build
is possible on this host (MSVC, Apple's cctools). Selection is by facts only (imports, dylib paths, Go build
info): the first row that applies wins, so rows are ordered most specific first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple, Union

from linkguard.model import MachoFacts, OsFloor, PeFacts, host_from_entries
from linkguard.remedies import Explanation
from linkguard.versions import numeric_prefix

NOT_PROVEN = "not proven here"
NativeFacts = Union[PeFacts, MachoFacts]


@dataclass(frozen=True)
class NativeRemedy:
    id: str
    codes: Tuple[str, ...]
    cause: str
    fix: str
    proven_by: str  # fixture name, or NOT_PROVEN
    applies: Callable[[NativeFacts], Optional[str]]  # the evidence line when it applies, else None


def _foreign_pe(facts: NativeFacts) -> List[str]:
    return [i.dll.lower() for i in facts.foreign] if isinstance(facts, PeFacts) else []


def _foreign_macho(facts: NativeFacts) -> List[str]:
    if not isinstance(facts, MachoFacts):
        return []
    return [d.location for s in facts.slices for d in s.effective.foreign]  # `..` resolved: /usr/lib/../../opt/...


def _go(facts: NativeFacts) -> Optional[str]:
    toolchain = facts.toolchain
    return toolchain.go.go_version if toolchain is not None and toolchain.go is not None else None


def _dotnet(facts: NativeFacts) -> Optional[str]:
    if not isinstance(facts, PeFacts) or facts.clr is None:
        return None
    return f"CLR runtime header: a .NET assembly built for CLR {facts.clr.version or '(version unknown)'}"


def _pe_go(facts: NativeFacts) -> Optional[str]:
    go = _go(facts)
    return f"Go build info ({go}) and non-system DLLs" if go and _foreign_pe(facts) else None


def _macho_go(facts: NativeFacts) -> Optional[str]:
    if not isinstance(facts, MachoFacts):
        return None
    for piece in facts.slices:
        toolchain = piece.toolchain
        if toolchain is not None and toolchain.go is not None and piece.effective.foreign:
            return f"{piece.machine}: Go build info ({toolchain.go.go_version}) and non-system dylibs"
    return None


def _winpthread(facts: NativeFacts) -> Optional[str]:
    hits = [d for d in _foreign_pe(facts) if d.startswith("libwinpthread")]
    return f"imports {hits[0]}" if hits else None


def _mingw_runtime(facts: NativeFacts) -> Optional[str]:
    hits = [d for d in _foreign_pe(facts) if d.startswith(("libgcc_s", "libstdc++"))]
    return f"imports {', '.join(hits)}" if hits else None


def _msvc_runtime(facts: NativeFacts) -> Optional[str]:
    hits = [d for d in _foreign_pe(facts) if d.startswith(("vcruntime", "msvcp", "concrt", "vcomp", "msvcr1"))]
    return f"imports {', '.join(hits)}" if hits else None


def _rust_msvc(facts: NativeFacts) -> Optional[str]:
    if _msvc_runtime(facts) and facts.toolchain is not None and facts.toolchain.rust:
        return f"Rust ({facts.toolchain.rust}) importing the VC++ runtime"
    return None


def _python(facts: NativeFacts) -> Optional[str]:
    """A PE that imports the interpreter's DLL yet exports no PyInit_: CPython cannot load it as a module, so no
    host provides that DLL (a real extension module's python3X.dll is host-provided, never a finding)."""
    if not isinstance(facts, PeFacts) or any(e.startswith("PyInit_") for e in facts.host_entries):
        return None
    hits = [d for d in _foreign_pe(facts) if d.startswith("python")]
    return f"imports {hits[0]} but exports no PyInit_ function" if hits else None


# What CPython installs beside python.exe, for choosing the wording only (packages/hosts.py decides what a host
# provides, from data/hosts.json; tests/unit/test_hosts.py checks the two agree): its python3X.dll (free-threaded
# `t`, debug `_d`), python3.dll, vcruntime140.dll and vcruntime140_1.dll.
_CPYTHON_SHIPS = re.compile(r"python3\d*t?(_d)?\.dll|vcruntime140(_1)?\.dll")
_NODE_SHIPS = ("node.exe", "node.dll")


def _plugin_needing(host: str, shipped: Callable[[str], bool]) -> Callable[[NativeFacts], Optional[str]]:
    """A Windows plugin of `host` (by its exported entry point) that imports DLLs neither Windows nor `host` has."""

    def applies(facts: NativeFacts) -> Optional[str]:
        if not isinstance(facts, PeFacts) or host_from_entries(facts.host_entries) != host:
            return None
        extra = [dll for dll in dict.fromkeys(i.dll for i in facts.foreign) if not shipped(dll.lower())]
        if not extra:
            return None
        entry = facts.host_entries[0]
        return f"exports {entry} (loaded by {host}) and imports {', '.join(extra)}, which {host} does not ship"

    return applies


def _any_pe(facts: NativeFacts) -> Optional[str]:
    foreign = _foreign_pe(facts)
    return f"imports {', '.join(foreign)}" if foreign else None


def _homebrew(facts: NativeFacts) -> Optional[str]:
    hits = [p for p in _foreign_macho(facts) if p.startswith(("/opt/homebrew/", "/usr/local/", "/opt/local/"))]
    return f"links {hits[0]}" if hits else None


def _rpath(facts: NativeFacts) -> Optional[str]:
    hits = [p for p in _foreign_macho(facts) if p.startswith(("@rpath/", "@executable_path/", "@loader_path/"))]
    return f"links {hits[0]}" if hits else None


def _any_macho(facts: NativeFacts) -> Optional[str]:
    foreign = _foreign_macho(facts)
    return f"links {foreign[0]}" if foreign else None


def _top_floors(facts: NativeFacts) -> List[OsFloor]:
    """The Windows floors at the highest version: what sets the oldest Windows, so what a fix must change."""
    if not isinstance(facts, PeFacts) or not facts.floors:
        return []
    top = max(numeric_prefix(f.version) for f in facts.floors)
    return [f for f in facts.floors if numeric_prefix(f.version) == top]


def _top_kind(kind: str, marker: str = "") -> Callable[[NativeFacts], Optional[str]]:
    """Applies when a highest floor is of `kind` (and its reason names `marker`): the evidence is that floor."""

    def applies(facts: NativeFacts) -> Optional[str]:
        for floor in _top_floors(facts):
            if floor.kind == kind and marker in floor.reason:
                return f"the highest floor: {floor.reason} -> {floor.version}"
        return None

    return applies


def _macos_floor(facts: NativeFacts) -> Optional[str]:
    return "minos of a slice" if isinstance(facts, MachoFacts) else None


def _packed(facts: NativeFacts) -> Optional[str]:
    return "UPX packing" if facts.packing is not None else None


REMEDIES_NATIVE: Tuple[NativeRemedy, ...] = (
    # ----------------------------------------------------------------------------------- LG101, Windows
    NativeRemedy(
        id="dotnet-runtime",
        codes=("LG101",),
        cause=(
            "A managed .NET assembly is IL run by the .NET runtime (CLR), not native code: it starts only where "
            "that runtime is installed (the .NET Framework 4.x is part of Windows 8 and later; .NET 5+ is a "
            "separate install)."
        ),
        fix=(
            "Publish self-contained so the runtime ships with the program (`dotnet publish -r win-x64 "
            "--self-contained -p:PublishSingleFile=true`), or compile ahead of time with Native AOT "
            "(`-p:PublishAot=true`: native code, no runtime needed) (" + NOT_PROVEN + ": no .NET SDK on this "
            "host); or, where the runtime is a documented prerequisite, allow the file with `dynamic = true` "
            "and a reason."
        ),
        proven_by=NOT_PROVEN,
        applies=_dotnet,
    ),
    NativeRemedy(
        id="pe-go-cgo",
        codes=("LG101",),
        cause="A Go program built with cgo links C libraries as DLLs that a bare Windows lacks.",
        fix=(
            "Keep cgo but link the MinGW runtime statically: `go build -ldflags=-extldflags=-static`; or build with "
            "`CGO_ENABLED=0` (pure-Go packages in place of the cgo ones)."
        ),
        proven_by="pe/go-cgo-cxx-windows-amd64-extstatic.exe",
        applies=_pe_go,
    ),
    NativeRemedy(
        id="mingw-winpthread",
        codes=("LG101",),
        cause=(
            "MinGW-w64 GCC with the posix thread model links std::thread through winpthreads, and "
            "`-static-libgcc -static-libstdc++` make only libgcc and libstdc++ static: libwinpthread-1.dll stays."
        ),
        fix="Link with `-static` (all of libgcc, libstdc++ and winpthreads static), or ship libwinpthread-1.dll.",
        proven_by="pe/mingw-cxx-thread-static.exe",
        applies=_winpthread,
    ),
    NativeRemedy(
        id="mingw-runtime",
        codes=("LG101",),
        cause="MinGW-w64 GCC links its own runtime DLLs (libgcc_s_seh-1.dll, libstdc++-6.dll) by default.",
        fix="Link with `-static` (or `zig cc -target x86_64-windows-gnu`, which never links those DLLs).",
        proven_by="pe/mingw-cxx-thread-static.exe",
        applies=_mingw_runtime,
    ),
    NativeRemedy(
        id="cpython-bundle-dll",
        codes=("LG101",),
        cause=(
            "A CPython extension module needs a DLL that neither Windows nor CPython provides: CPython installs "
            "only its python3X.dll, python3.dll and vcruntime140.dll/vcruntime140_1.dll beside python.exe "
            "(msvcp140.dll, the C++ runtime, is not among them)."
        ),
        fix=(
            "Bundle it in the wheel: `delvewheel repair --add-path <dir with the DLL> <wheel>` copies it into "
            "`<package>.libs/` under a unique name and adds that directory at import (cibuildwheel: "
            "`CIBW_REPAIR_WHEEL_COMMAND_WINDOWS`); do not link the interpreter's module with /MT or ask users to "
            "install a redistributable."
        ),
        proven_by="hosts/msvcp-repaired/winmod-1.0-cp312-cp312-win_amd64.whl",
        applies=_plugin_needing("cpython", lambda dll: _CPYTHON_SHIPS.fullmatch(dll) is not None),
    ),
    NativeRemedy(
        id="node-addon-bundle-dll",
        codes=("LG101",),
        cause=(
            "A Node.js addon needs a DLL that neither Windows nor Node provides (Node provides node.exe, or "
            "node.dll, and the N-API it exports)."
        ),
        fix=(
            "Ship the DLL in the same directory as the .node file (Node loads addons with libuv's uv_dlopen, "
            "LoadLibraryExW(LOAD_WITH_ALTERED_SEARCH_PATH), so Windows looks there first): with prebuildify, in "
            "`prebuilds/win32-<arch>/` beside the addon; or link the library statically (" + NOT_PROVEN + ")."
        ),
        proven_by=NOT_PROVEN,
        applies=_plugin_needing("node", lambda dll: dll in _NODE_SHIPS),
    ),
    NativeRemedy(
        id="python-extension",
        codes=("LG101",),
        cause=(
            "It imports the Python interpreter's DLL but exports no PyInit_<name> function, so CPython cannot load "
            "it as an extension module and nothing provides that DLL where it runs."
        ),
        fix=(
            "If it is an extension module, export PyInit_<module> (setuptools, meson-python and maturin do); if it "
            "is a program that embeds Python, ship the interpreter beside it (python3X.dll and its standard library "
            "from CPython's embeddable package)."
        ),
        proven_by=NOT_PROVEN,
        applies=_python,
    ),
    NativeRemedy(
        id="rust-msvc-crt-static",
        codes=("LG101",),
        cause="Rust's *-pc-windows-msvc targets link the Visual C++ runtime (VCRUNTIME140.dll) dynamically.",
        fix=(
            "Build with `RUSTFLAGS='-C target-feature=+crt-static'` (documented by the Rust reference; "
            + NOT_PROVEN
            + ": no MSVC toolchain on this host), or install the VC++ redistributable with the program."
        ),
        proven_by=NOT_PROVEN,
        applies=_rust_msvc,
    ),
    NativeRemedy(
        id="msvc-static-crt",
        codes=("LG101",),
        cause="MSVC's /MD (the default) links the Visual C++ runtime DLLs, which a bare Windows lacks.",
        fix=(
            "Compile with `/MT` to link the runtime statically (documented by Microsoft; "
            + NOT_PROVEN
            + "), or ship the VC++ 2015-2022 redistributable installer with the program."
        ),
        proven_by=NOT_PROVEN,
        applies=_msvc_runtime,
    ),
    NativeRemedy(
        id="pe-other-dll",
        codes=("LG101",),
        cause="The program imports DLLs that are not part of Windows.",
        fix="Link those libraries statically, or ship the DLLs beside the exe (and add an allowance naming them).",
        proven_by=NOT_PROVEN,
        applies=_any_pe,
    ),
    # ------------------------------------------------------------------------------------- LG101, macOS
    NativeRemedy(
        id="macho-go-cgo",
        codes=("LG101",),
        cause="A Go program built with cgo links C libraries from the build machine (Homebrew, MacPorts).",
        fix="Build with `CGO_ENABLED=0`, or link the C libraries' static archives.",
        proven_by="macho/go-darwin-arm64",
        applies=_macho_go,
    ),
    NativeRemedy(
        id="macho-homebrew",
        codes=("LG101",),
        cause="The program links a dylib by its absolute path in a package manager's prefix (Homebrew, MacPorts).",
        fix=(
            "Link the library's static archive (`.a`), or bundle the dylib: `install_name_tool -id "
            "@rpath/libX.dylib` on it, `install_name_tool -change <old> @rpath/libX.dylib` and `-add_rpath "
            "@executable_path/../lib` on the program (" + NOT_PROVEN + ": needs Apple's cctools)."
        ),
        proven_by=NOT_PROVEN,
        applies=_homebrew,
    ),
    NativeRemedy(
        id="macho-rpath-bundle",
        codes=("LG101",),
        cause="The program loads a dylib through @rpath/@executable_path: it runs only where that dylib ships with it.",
        fix="Ship the dylib at the LC_RPATH location inside the release (and allow it by path), or link it statically.",
        proven_by=NOT_PROVEN,
        applies=_rpath,
    ),
    NativeRemedy(
        id="macho-other-dylib",
        codes=("LG101",),
        cause="The program links dylibs that are not part of macOS.",
        fix="Link them statically, or bundle them with @rpath and install_name_tool.",
        proven_by=NOT_PROVEN,
        applies=_any_macho,
    ),
    # ---------------------------------------------------------------------------------- LG104, floors
    NativeRemedy(
        id="arm64-windows-floor",
        codes=("LG104",),
        cause="Windows on ARM64 starts with Windows 10: no older Windows runs ARM64 code, whatever the headers say.",
        fix=(
            "No build setting lowers it: ship an x64 or x86 build for Windows before 10, and check the ARM64 "
            'builds against `max-windows = "windows-10"` (a second linkguard run over them).'
        ),
        proven_by=NOT_PROVEN,
        applies=_top_kind("machine"),
    ),
    NativeRemedy(
        id="go-windows-floor",
        codes=("LG104",),
        cause="Go 1.21 and later require Windows 10 (Go 1.21 release notes); the linker also writes subsystem 10.0.",
        fix="Build with Go 1.20 for Windows 7/8 targets, or raise `max-windows` to the floor you really support.",
        proven_by=NOT_PROVEN,
        applies=_top_kind("toolchain"),
    ),
    NativeRemedy(
        id="rust-windows-floor",
        codes=("LG104",),
        cause=(
            "Rust 1.78 and later require Windows 10 on their tier-1 Windows targets: the standard library imports "
            "bcryptprimitives!ProcessPrng (Rust blog, Updated baseline standards for Windows targets)."
        ),
        fix=(
            "For Windows 7/8 build with the `x86_64-win7-windows-msvc` / `i686-win7-windows-msvc` targets (tier 3: "
            "`cargo +nightly build -Z build-std`), or with Rust 1.75 or older; or raise `max-windows` ("
            + NOT_PROVEN
            + ")."
        ),
        proven_by=NOT_PROVEN,
        applies=_top_kind("import", "!ProcessPrng"),
    ),
    NativeRemedy(
        id="ucrt-floor",
        codes=("LG104",),
        cause=(
            "The Universal CRT (api-ms-win-crt-*, ucrtbase.dll) is part of Windows 10; Windows Vista to 8.1 have it "
            "only with update KB2999226 (or the VC++ 2015+ redistributable, which installs it)."
        ),
        fix="Link against msvcrt.dll instead (MinGW-w64's default CRT), or require the UCRT update on older Windows.",
        proven_by="pe/mingw-c.exe",
        applies=_top_kind("ucrt"),
    ),
    NativeRemedy(
        id="windows-import-floor",
        codes=("LG104",),
        cause="The program imports a DLL or function that only newer Windows has: the loader refuses it on older ones.",
        fix=(
            "Load it at run time (`LoadLibrary`/`GetProcAddress`) with a fallback for older Windows, or build for "
            "an older API level (`-D_WIN32_WINNT=0x0601` for Windows 7), or raise `max-windows` (" + NOT_PROVEN + ")."
        ),
        proven_by=NOT_PROVEN,
        applies=_top_kind("import"),
    ),
    NativeRemedy(
        id="windows-subsystem-floor",
        codes=("LG104",),
        cause="The Windows loader refuses images whose subsystem version is newer than the running Windows.",
        fix="Set the subsystem version to the oldest Windows you support, e.g. Windows 7 (NT 6.1): GNU ld "
        "`-Wl,--major-subsystem-version,6 -Wl,--minor-subsystem-version,1`, MSVC `/SUBSYSTEM:CONSOLE,6.01`.",
        proven_by=NOT_PROVEN,
        applies=_top_kind("subsystem"),
    ),
    NativeRemedy(
        id="macos-deployment-target",
        codes=("LG104",),
        cause="The slice's minimum macOS (LC_BUILD_VERSION minos) is newer than the configured oldest macOS.",
        fix="Build with `MACOSX_DEPLOYMENT_TARGET=<version>` / `-mmacosx-version-min=<version>`, or "
        "`zig cc -target x86_64-macos.<version>`.",
        proven_by="macho/zig-c-arm64-macos11",
        applies=_macos_floor,
    ),
    # ------------------------------------------------------------------------------------- LG201, UPX
    NativeRemedy(
        id="native-upx",
        codes=("LG201",),
        cause="The release pipeline packs the program with UPX.",
        fix="Drop the `upx` step; UPX-packed programs trip antivirus heuristics on Windows and lose their code "
        "signature on macOS.",
        proven_by=NOT_PROVEN,
        applies=_packed,
    ),
)


def explain_native(
    code: str, facts: NativeFacts, table: Sequence[NativeRemedy] = REMEDIES_NATIVE
) -> Optional[Explanation]:
    """The first remedy of `table` for `code` that applies to `facts` (rows are ordered most specific first)."""
    for remedy in table:
        if code not in remedy.codes:
            continue
        reason = remedy.applies(facts)
        if reason is None:
            continue
        proof = f"proven by fixture {remedy.proven_by}" if remedy.proven_by != NOT_PROVEN else NOT_PROVEN
        return Explanation(remedy=remedy.id, cause=remedy.cause, fix=remedy.fix, evidence=(reason, proof))
    return None
