"""Cause and fix for a finding, chosen from toolchain evidence.

One table (REMEDIES, in remedies/table.py) holds every ELF remedy as data: the rule codes it answers, the
languages it speaks to, the evidence flags that must hold (`when`) or must not (`unless`), and cause/fix templates
filled from the facts; remedies/native.py does the same for PE and Mach-O. `explain` gathers the evidence once
and picks the most specific matching remedy (most conditions; ties go to the earlier row), so adding a remedy is
adding a row, and each row says exactly what selects it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from linkguard import versions
from linkguard.model import DYNAMIC, SELF_CONTAINED, SHARED_LIBRARY, ElfFacts, GoModule, Toolchain, VersionNeed
from linkguard.remedies.table import CXX, GO, REMEDIES, RUST, UNKNOWN, C, Remedy

# The C library proper: a program needing only these needs nothing a glibc system lacks but glibc itself.
LIBC_LIBRARIES = (
    "libc.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libresolv.so.2",
    "libutil.so.1",
    "libc.so",  # musl
)
# C library functions Go's net (cgo resolver) and os/user (cgo lookups) import; seen in versioned imports.
NSS_IMPORTS = frozenset(
    (
        "getaddrinfo",
        "getnameinfo",
        "gai_strerror",
        "res_search",
        "res_nsearch",
        "getpwnam_r",
        "getpwuid_r",
        "getgrnam_r",
        "getgrgid_r",
        "getgrouplist",
    )
)
LIBM_FLOOR = (2, 17)  # libm needs above this come from a newer glibc's math (exp/log/pow: GLIBC_2.29); a compare key


@dataclass(frozen=True)
class Explanation:
    remedy: str  # stable id, e.g. "go-cgo-disabled"
    cause: str
    fix: str
    evidence: Tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------- evidence

# Every flag a row may name in `when`/`unless`, and what makes it hold.
FLAGS: Mapping[str, str] = {
    "shared_library": "linkage is shared-library",
    "interpreter_only": "dynamic with PT_INTERP but no DT_NEEDED (Go -buildmode=pie)",
    "needs_only_libc": "every DT_NEEDED is part of the C library (LIBC_LIBRARIES)",
    "imports_nss": "versioned imports include a resolver or user-lookup function (NSS_IMPORTS)",
    "needs_libstdcxx": "DT_NEEDED includes libstdc++, libc++ or libgcc_s",
    "libc_glibc": "libc is glibc (static markers or interpreter)",
    "libc_musl": "libc is musl (static markers or interpreter)",
    "glibc_new": "needs some GLIBC_ symbol version",
    "cxx_versions_new": "needs some GLIBCXX_/CXXABI_/GCC_ symbol version",
    "libm_new": f"needs a libm GLIBC_ version above {'.'.join(map(str, LIBM_FLOOR))} (exp/log/pow: 2.29)",
    "go_cgo": "Go build setting CGO_ENABLED=1",
    "go_pie": "Go build setting -buildmode=pie",
    "go_cgo_dependency": "a Go dependency is listed in data/cgo_modules.txt",
    "static_glibc_nss": "static or static-pie glibc that reaches NSS/iconv entry points",
    "links_libpython": "a CPython extension module (exports PyInit_*) whose DT_NEEDED names libpython",
    "packed": "packed (UPX)",
    "packed_tampered": "the packer's headers were altered",
    "packed_original_dynamic": "the original behind the packing is dynamic or a shared library",
}


@dataclass(frozen=True)
class Evidence:
    """What the remedies can be selected on: a language, true flags with their reasons, template fields."""

    language: str
    flags: Mapping[str, str]  # flag -> human-readable reason it holds
    fields: Mapping[str, str] = field(default_factory=dict)


def explain(code: str, facts: ElfFacts) -> Optional[Explanation]:
    """The best-supported cause and fix for finding `code` on `facts` (the original's, when seen through packing)."""
    evidence = gather(facts)
    chosen = select(code, evidence)
    if chosen is None:
        return None
    fields = _Fields(evidence.fields)
    reasons = [evidence.flags[flag] for flag in chosen.when if flag in evidence.flags]
    if chosen.languages:
        reasons.insert(0, f"language: {evidence.language}")
    return Explanation(
        remedy=chosen.id,
        cause=chosen.cause.format_map(fields),
        fix=chosen.fix.format_map(fields),
        evidence=tuple(reasons),
    )


def select(code: str, evidence: Evidence, table: Sequence[Remedy] = REMEDIES) -> Optional[Remedy]:
    """The most specific row of `table` for `code` whose conditions hold; ties go to the earlier row."""
    best: Optional[Remedy] = None
    for remedy in table:
        if code not in remedy.codes:
            continue
        if remedy.languages and evidence.language not in remedy.languages:
            continue
        if any(flag not in evidence.flags for flag in remedy.when):
            continue
        if any(flag in evidence.flags for flag in remedy.unless):
            continue
        if best is None or remedy.specificity > best.specificity:
            best = remedy
    return best


# Template fields that only some facts fill; they render empty otherwise (so templates put them where an
# empty value reads well: "...dynamically{glibc_note}.").
OPTIONAL_FIELDS = (
    "libpython",
    "glibc_note",
    "nss_imports",
    "nss_imports_note",
    "go_version",
    "go_settings_note",
    "goarch",
    "cgo_deps",
    "cgo_tags_flag",
    "cgo_alt",
    "nss",
    "packer",
    "tamper_note",
    "original",
    "original_note",
    "original_fix",
)


class _Fields(Dict[str, str]):
    """Template values; a field a row names but the facts lack renders empty rather than failing."""

    def __missing__(self, key: str) -> str:
        return ""


def _libpython(program: ElfFacts) -> str:
    """The libpython an extension module links (comma-separated), empty when it links none."""
    if program.linkage != SHARED_LIBRARY or not program.host_entries:
        return ""
    from linkguard.packages.hosts import forbidden_needs

    return ", ".join(need for need, _why in forbidden_needs(program))


def gather(facts: ElfFacts) -> Evidence:
    """Evidence for remedy selection. `facts` may be a packed artifact's (its original then decides)."""
    program = facts.effective
    toolchain = program.toolchain or Toolchain()
    flags: Dict[str, str] = {}
    fields: Dict[str, str] = dict.fromkeys(OPTIONAL_FIELDS, "")
    language = _language(program, toolchain)

    fields["needed"] = ", ".join(program.needed) or "no shared libraries"
    fields["needed_by_kind"] = _needed_by_kind(program.needed)
    fields["interpreter"] = program.interpreter or "(none)"
    fields["interpreter_note"] = f" and the loader {program.interpreter}" if program.interpreter else ""
    if program.linkage == SHARED_LIBRARY:
        flags["shared_library"] = f"linkage {program.linkage}" + (
            f" (soname {program.soname})" if program.soname else ""
        )
    libpython = _libpython(program)
    if libpython:
        flags["links_libpython"] = f"exports {program.host_entries[0]} and needs {libpython}"
        fields["libpython"] = libpython
    if program.linkage == DYNAMIC and program.interpreter and not program.needed:
        flags["interpreter_only"] = f"interpreter {program.interpreter} and no DT_NEEDED"
    if program.needed and all(lib in LIBC_LIBRARIES for lib in program.needed):
        flags["needs_only_libc"] = "needs only the C library: " + fields["needed"]
    imports = sorted({symbol for need in program.version_needs for symbol in need.symbols if symbol in NSS_IMPORTS})
    if imports:
        flags["imports_nss"] = "imports " + ", ".join(imports)
        fields["nss_imports"] = ", ".join(imports)
        fields["nss_imports_note"] = (
            f"; it also imports {', '.join(imports)}, which in a Go program usually comes from the net or os/user "
            "package's cgo code (`-tags netgo,osusergo` replaces it)"
        )
    cxx_runtime = [lib for lib in program.needed if lib.startswith(("libstdc++.so", "libc++.so", "libgcc_s.so"))]
    if cxx_runtime:
        flags["needs_libstdcxx"] = "needs " + ", ".join(cxx_runtime)

    libc = toolchain.libc or program.libc_from_interpreter
    if libc == "glibc":
        flags["libc_glibc"] = "libc: glibc"
    elif libc == "musl":
        flags["libc_musl"] = "libc: musl"

    _version_evidence(program, flags, fields)
    _go_evidence(toolchain, flags, fields)
    _target_fields(program, fields)

    if program.linkage in SELF_CONTAINED and toolchain.libc == "glibc" and toolchain.nss:
        shown = ", ".join(toolchain.nss[:4]) + (f", +{len(toolchain.nss) - 4} more" if len(toolchain.nss) > 4 else "")
        flags["static_glibc_nss"] = f"static glibc reaching {shown}"
        fields["nss"] = shown
    fields["libc_version_text"] = f" {toolchain.libc_version}" if toolchain.libc_version else ""

    _packing_evidence(facts, flags, fields)
    return Evidence(language=language, flags=flags, fields=fields)


# Parts of the C library as the wording names them: LIBC_LIBRARIES plus glibc's libm (musl has it in libc.so).
_C_LIBRARY_PARTS = (*LIBC_LIBRARIES, "libm.so.6")
_CXX_RUNTIME_PREFIXES = ("libstdc++.so", "libc++.so", "libc++abi.so", "libgcc_s.so")


def _needed_by_kind(needed: Sequence[str]) -> str:
    """`the system C library (libc.so.6) and 2 other shared libraries (libXt.so.6, libX11.so.6)`: each need
    named as what it is, so a program on libX11 does not read as one that only needs the C library."""
    runtime = [lib for lib in needed if lib.startswith(_CXX_RUNTIME_PREFIXES)]
    libc = [lib for lib in needed if lib in _C_LIBRARY_PARTS]
    others = [lib for lib in needed if lib not in runtime and lib not in libc]
    parts = []
    if runtime:
        parts.append(f"the C++ runtime ({', '.join(runtime)})")
    if libc:
        parts.append(f"the system C library ({', '.join(libc)})")
    if others:
        kind = "other shared librar" if parts else "shared librar"
        parts.append(f"{len(others)} {kind}{'y' if len(others) == 1 else 'ies'} ({', '.join(others)})")
    if not parts:
        return "no shared libraries"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _language(program: ElfFacts, toolchain: Toolchain) -> str:
    if toolchain.go is not None:
        return GO
    if toolchain.rust is not None:
        return RUST
    cxx_versions = any(need.version.startswith(("GLIBCXX_", "CXXABI_")) for need in program.version_needs)
    if cxx_versions or any(lib.startswith(("libstdc++.so", "libc++.so")) for lib in program.needed):
        return CXX
    if any(text.startswith(("GCC:", "clang version")) for text in toolchain.compilers) or toolchain.libc:
        return C
    return UNKNOWN


def _version_evidence(program: ElfFacts, flags: Dict[str, str], fields: Dict[str, str]) -> None:
    glibc = [need for need in program.version_needs if need.version.startswith("GLIBC_")]
    cxx = [need for need in program.version_needs if need.version.startswith(("GLIBCXX_", "CXXABI_", "GCC_"))]
    libm = [need for need in glibc if need.library.startswith("libm.so") and _rank(need.version) > LIBM_FLOOR]
    top = program.max_versions.get("GLIBC")
    fields["glibc_max"] = top or ""
    fields["glibc_max_text"] = f"(needs up to GLIBC_{top})" if top else ""
    highest_glibc = _highest_per_library(glibc)
    fields["glibc_needs"] = _needs_text(highest_glibc)
    fields["cxx_needs"] = _needs_text(_highest_per_library(cxx))
    fields["libm_needs"] = _needs_text(_highest_per_library(libm))
    # The GLIBC_ family and the GLIBCXX_/CXXABI_/GCC_ ones never share a (library, family) key, so the highest
    # of both lists is the highest of each, glibc's first: its text is the two texts joined.
    both = "; ".join(text for text in (fields["glibc_needs"], fields["cxx_needs"]) if text)
    fields["all_needs"] = both or "newer symbol versions"
    if glibc:
        flags["glibc_new"] = "needs " + fields["glibc_needs"]
    notable = [need for need in highest_glibc if _rank(need.version) > LIBM_FLOOR]
    if notable and top:
        fields["glibc_note"] = f"; it also needs glibc {top} or newer ({_needs_text(notable)})"
    if cxx:
        flags["cxx_versions_new"] = "needs " + fields["cxx_needs"]
    if libm:
        flags["libm_new"] = "needs " + fields["libm_needs"]


def _go_evidence(toolchain: Toolchain, flags: Dict[str, str], fields: Dict[str, str]) -> None:
    go = toolchain.go
    if go is None:
        return
    fields["go_version"] = go.go_version
    cgo = go.setting("CGO_ENABLED")
    buildmode = go.setting("-buildmode")
    if cgo == "1":
        flags["go_cgo"] = "Go build info: CGO_ENABLED=1"
    if buildmode == "pie":
        flags["go_pie"] = "Go build info: -buildmode=pie"
    notes = [f"{key}={value}" for key, value in (("CGO_ENABLED", cgo), ("-buildmode", buildmode)) if value]
    fields["go_settings_note"] = f", built with {', '.join(notes)}" if notes else ""
    fields["goarch"] = go.setting("GOARCH") or ""
    matches = [(dep, entry) for dep in go.deps for entry in [known_cgo_module(dep)] if entry is not None]
    if matches:
        names = [f"{dep.path} {dep.version}".strip() for dep, _ in matches]
        flags["go_cgo_dependency"] = "dependency known to need cgo: " + ", ".join(names)
        fields["cgo_deps"] = ", ".join(names)
        tags = sorted({tag for _, entry in matches for tag in entry.tags})
        fields["cgo_tags_flag"] = f" -tags {','.join(tags)}" if tags else ""
        alternatives = [f"{entry.path} -> {entry.alternative}" for _, entry in matches if entry.alternative]
        if alternatives:
            fields["cgo_alt"] = (
                " Or replace it with a pure-Go module (" + "; ".join(alternatives) + ") and build with `CGO_ENABLED=0`."
            )


def _packing_evidence(facts: ElfFacts, flags: Dict[str, str], fields: Dict[str, str]) -> None:
    packing = facts.packing
    if packing is None:
        return
    from linkguard.describe import linkage_line

    flags["packed"] = f"packed with {packing.packer}"
    fields["packer"] = f"{packing.packer.upper()} {packing.version}" if packing.version else packing.packer.upper()
    if packing.tampered:
        flags["packed_tampered"] = "packer headers altered"
        fields["tamper_note"] = (
            " Its UPX headers were altered (magic or version wiped), which `upx -d` refuses and which hides the "
            "packing from casual checks."
        )
    original = packing.original
    if original is None:
        if packing.see_through_error:
            fields["original_note"] = f"; linkguard could not see through it ({packing.see_through_error})"
        return
    fields["original"] = linkage_line(original)
    fields["original_note"] = f"; the original is {linkage_line(original)}"
    if original.linkage in (DYNAMIC, SHARED_LIBRARY):
        flags["packed_original_dynamic"] = f"the packed original is {original.linkage}"
        inner = explain("LG101", original)
        inner_fix = inner.fix if inner is not None else "Link it statically."
        fields["original_fix"] = inner_fix[:1].lower() + inner_fix[1:]


def _target_fields(program: ElfFacts, fields: Dict[str, str]) -> None:
    arch = _ARCHES.get((program.machine, program.bits, program.endian))
    zig, glibc_floor, rust = arch if arch is not None else (program.machine, "2.17", program.machine)
    arm = zig in ("arm", "armeb")
    zig_abi = "eabihf" if arm else ("eabi" if zig in ("mips", "mipsel") else "")
    rust_abi = "eabihf" if arm else ""
    fields["zig_gnu_target"] = f"{zig}-linux-gnu{zig_abi}.{glibc_floor}"
    fields["zig_musl_target"] = f"{zig}-linux-musl{zig_abi}"
    fields["glibc_floor"] = glibc_floor
    fields["rust_gnu_target"] = f"{rust}-unknown-linux-gnu{rust_abi}"
    fields["rust_musl_target"] = f"{rust}-unknown-linux-musl{rust_abi}"
    fields["rust_musl_target_env"] = fields["rust_musl_target"].replace("-", "_")


# (machine, bits, endian) -> (zig arch, lowest glibc zig targets there, Rust arch)
_ARCHES: Dict[Tuple[str, int, str], Tuple[str, str, str]] = {
    ("x86_64", 64, "little"): ("x86_64", "2.17", "x86_64"),
    ("i386", 32, "little"): ("x86", "2.17", "i686"),
    ("aarch64", 64, "little"): ("aarch64", "2.17", "aarch64"),
    ("aarch64", 64, "big"): ("aarch64_be", "2.17", "aarch64_be"),
    ("arm", 32, "little"): ("arm", "2.17", "armv7"),
    ("arm", 32, "big"): ("armeb", "2.17", "armeb"),
    ("ppc64", 64, "little"): ("powerpc64le", "2.17", "powerpc64le"),
    ("ppc64", 64, "big"): ("powerpc64", "2.17", "powerpc64"),
    ("ppc", 32, "big"): ("powerpc", "2.17", "powerpc"),
    ("s390", 64, "big"): ("s390x", "2.17", "s390x"),
    ("riscv", 64, "little"): ("riscv64", "2.27", "riscv64gc"),
    ("mips", 32, "big"): ("mips", "2.17", "mips"),
    ("mips", 32, "little"): ("mipsel", "2.17", "mipsel"),
    ("mips", 64, "big"): ("mips64", "2.17", "mips64"),
    ("mips", 64, "little"): ("mips64el", "2.17", "mips64el"),
    ("loongarch", 64, "little"): ("loongarch64", "2.36", "loongarch64"),
}


# --------------------------------------------------------------------------------------- known cgo modules


@dataclass(frozen=True)
class CgoModule:
    path: str
    tags: Tuple[str, ...] = ()
    alternative: str = ""


def parse_cgo_modules(text: str) -> Tuple[CgoModule, ...]:
    """Rows of data/cgo_modules.txt: `path [tags=a,b] [alt=path]`, `#` comments."""
    modules: List[CgoModule] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        options = dict(word.split("=", 1) for word in words[1:] if "=" in word)
        tags = tuple(tag for tag in options.get("tags", "").split(",") if tag)
        modules.append(CgoModule(path=words[0], tags=tags, alternative=options.get("alt", "")))
    return tuple(modules)


@lru_cache(maxsize=1)
def cgo_modules() -> Tuple[CgoModule, ...]:
    from importlib import resources

    text = resources.files("linkguard").joinpath("data/cgo_modules.txt").read_text(encoding="utf-8")
    return parse_cgo_modules(text)


def known_cgo_module(module: GoModule) -> Optional[CgoModule]:
    """The cgo_modules.txt row matching a dependency (or its replacement), by path or path prefix + "/"."""
    paths = [module.path] + ([module.replacement.path] if module.replacement is not None else [])
    for entry in cgo_modules():
        for path in paths:
            if path == entry.path or path.startswith(entry.path + "/"):
                return entry
    return None


# ------------------------------------------------------------------------------------------------ text


def _rank(version: str) -> Tuple[int, ...]:
    """The compare key of a version name (trailing zeros dropped, as Version compares); () when not numeric."""
    ranked = versions.ranked_version(version)
    return ranked[1] if ranked is not None else ()


def _highest_per_library(needs: Sequence[VersionNeed]) -> List[VersionNeed]:
    """Per (library, family), the need with the highest version, in first-seen library order."""
    best: Dict[Tuple[str, str], Tuple[VersionNeed, Tuple[int, ...]]] = {}
    for need in needs:
        ranked = versions.ranked_version(need.version)
        if ranked is None:
            continue
        key = (need.library, ranked[0])
        rank = ranked[1]  # compared as Version compares: trailing zeros ignored
        current = best.get(key)
        if current is None or rank > current[1]:
            best[key] = (need, rank)
    return [need for need, _ in best.values()]


def _needs_text(needs: Sequence[VersionNeed]) -> str:
    """`libm.so.6 GLIBC_2.29 <- exp, log, pow; libc.so.6 GLIBC_2.34 <- __libc_start_main`."""
    parts = []
    for need in needs:
        text = f"{need.library} {need.version}"
        if need.symbols:
            text += " <- " + versions.symbols_text([_short(symbol) for symbol in need.symbols])
        parts.append(text)
    return "; ".join(parts)


def _short(symbol: str) -> str:
    return symbol if len(symbol) <= 48 else symbol[:45] + "..."
