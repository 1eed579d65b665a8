"""Cause and fix for a finding, chosen from toolchain evidence.

One table (REMEDIES) holds every remedy as data: the rule codes it answers, the languages it speaks to, the
evidence flags that must hold (`when`) or must not (`unless`), and cause/fix templates filled from the facts.
`explain` gathers the evidence once and picks the most specific matching remedy (most conditions; ties go to
the earlier row), so adding a remedy is adding a row, and each row says exactly what selects it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from linkguard import versions
from linkguard.model import DYNAMIC, SELF_CONTAINED, SHARED_LIBRARY, ElfFacts, GoModule, Toolchain, VersionNeed

GO, RUST, CXX, C, UNKNOWN = "go", "rust", "cxx", "c", "unknown"

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
LIBM_FLOOR = (2, 17)  # libm needs above this come from a newer glibc's math (exp/log/pow: GLIBC_2.29)


@dataclass(frozen=True)
class Explanation:
    remedy: str  # stable id, e.g. "go-cgo-disabled"
    cause: str
    fix: str
    evidence: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Remedy:
    """One row of the table: what selects it and what it says."""

    id: str
    codes: Tuple[str, ...]
    cause: str
    fix: str
    languages: Tuple[str, ...] = ()  # empty: any language
    when: Tuple[str, ...] = ()  # evidence flags that must all hold
    unless: Tuple[str, ...] = ()  # evidence flags that must not hold
    boost: int = 0  # raises a row above more conditional ones (a shared library is dynamic by design)

    @property
    def specificity(self) -> int:
        return len(self.when) + (1 if self.languages else 0) + self.boost


REMEDIES: Tuple[Remedy, ...] = (
    # ------------------------------------------------------------------------------------ LG101 dynamic-link
    Remedy(
        id="shared-library",
        codes=("LG101",),
        when=("shared_library",),
        boost=10,
        cause="This is a shared library: it is dynamic by design and is loaded by a program, not run on its own.",
        fix=(
            "Do not ship it as a standalone release artifact, or allow it with a reason: "
            '[[tool.linkguard.allow]] paths = ["<glob>"] reason = "plug-in" dynamic = true.'
        ),
    ),
    Remedy(
        id="go-cgo-dependency-musl-static",
        codes=("LG101",),
        languages=(GO,),
        when=("go_cgo", "go_cgo_dependency"),
        cause=(
            "Built with CGO_ENABLED=1 and {cgo_deps} needs cgo, so the Go linker handed the link to the system "
            "C linker, which linked {needed} dynamically{glibc_note}."
        ),
        fix=(
            "Keep cgo but link it statically against musl: `CC=musl-gcc CGO_ENABLED=1 go build{cgo_tags_flag} "
            "-ldflags '-linkmode external -extldflags \"-static\"'` (musl-gcc from musl-tools; on golang:alpine "
            'with gcc and musl-dev, without CC=musl-gcc), or cross-compile with `CC="zig cc -target '
            '{zig_musl_target}"` and the same flags.{cgo_alt} Do not link glibc statically instead: its DNS and '
            "user lookups still load the host's libnss at run time (LG301)."
        ),
    ),
    Remedy(
        id="go-cgo-resolver-netgo",
        codes=("LG101",),
        languages=(GO,),
        when=("go_cgo", "imports_nss", "needs_only_libc"),
        unless=("go_cgo_dependency",),
        cause=(
            "Built with CGO_ENABLED=1, no dependency is known to need cgo, the program needs only the C library "
            "({needed}) and imports {nss_imports} from it: most likely the standard library's cgo code (the net "
            "package's DNS resolver, os/user's lookups) made the Go linker link dynamically{glibc_note}."
        ),
        fix=(
            "Build with `CGO_ENABLED=0 go build`: Go then uses its pure-Go resolver and user lookups and links "
            "statically. If your own code needs cgo, keep it, add `-tags netgo,osusergo`, and link the rest "
            "statically against musl: `CC=musl-gcc go build -tags netgo,osusergo -ldflags '-linkmode external "
            '-extldflags "-static"\'`.'
        ),
    ),
    Remedy(
        id="go-pie-interpreter-only",
        codes=("LG101",),
        languages=(GO,),
        when=("go_pie", "interpreter_only"),
        cause=(
            "Built with -buildmode=pie: the Go linker writes a position-independent executable that needs no "
            "shared library but still names the loader {interpreter}, so it fails where that loader is missing "
            "(Alpine, distroless/static, scratch) even though ldd calls it statically linked."
        ),
        fix=(
            "Drop `-buildmode=pie` (CGO_ENABLED=0 gives a static executable), or, if you need PIE, link it as "
            "static-pie: `CGO_ENABLED=1 go build -buildmode=pie -tags netgo,osusergo -ldflags '-linkmode=external "
            "-extldflags=-static-pie'` (this links glibc statically; the tags keep name and user lookups out of "
            "glibc's NSS)."
        ),
    ),
    Remedy(
        id="go-cgo-static",
        codes=("LG101",),
        languages=(GO,),
        when=("go_cgo",),
        cause=(
            "Built with CGO_ENABLED=1: cgo code in the program or a dependency made the Go linker hand the link "
            "to the system C linker, which linked {needed} dynamically{glibc_note}{nss_imports_note}."
        ),
        fix=(
            "If no package needs C, build with `CGO_ENABLED=0 go build`. Otherwise link the C parts statically "
            "against musl: `CC=musl-gcc CGO_ENABLED=1 go build -ldflags '-linkmode external -extldflags "
            '"-static"\'` (or build on golang:alpine, or use `CC="zig cc -target {zig_musl_target}"`). '
            "Avoid -extldflags -static with glibc: getaddrinfo and user lookups then load the host's libnss at "
            "run time (LG301)."
        ),
    ),
    Remedy(
        id="go-dynamic",
        codes=("LG101",),
        languages=(GO,),
        cause="A Go program linked dynamically ({needed}{interpreter_note}){go_settings_note}.",
        fix=(
            "Build with `CGO_ENABLED=0 go build` and without -linkshared or -buildmode=pie; Go then links a "
            "static executable."
        ),
    ),
    Remedy(
        id="rust-musl-target",
        codes=("LG101",),
        languages=(RUST,),
        when=("libc_glibc",),
        cause=(
            "A Rust program built for the glibc target ({rust_gnu_target}): Rust's std links glibc dynamically "
            "({needed}){glibc_note}."
        ),
        fix=(
            "Build for the musl target, which links statically by default: `rustup target add "
            "{rust_musl_target}` then `cargo build --release --target {rust_musl_target}` (set "
            'RUSTFLAGS="-C target-feature=+crt-static" if your toolchain defaults it off). Crates with C '
            "dependencies need a musl C compiler, e.g. `CC_{rust_musl_target_env}=musl-gcc`. Staying on the glibc "
            'target, RUSTFLAGS="-C target-feature=+crt-static" also gives a static-pie, but then DNS and user '
            "lookups load the host's glibc NSS modules at run time (LG301)."
        ),
    ),
    Remedy(
        id="rust-dynamic",
        codes=("LG101",),
        languages=(RUST,),
        cause="A Rust program linked dynamically ({needed}{interpreter_note}).",
        fix="Build for `--target {rust_musl_target}` (static by default) and drop `-C prefer-dynamic`.",
    ),
    Remedy(
        id="cxx-musl-static",
        codes=("LG101",),
        languages=(CXX,),
        when=("needs_libstdcxx",),
        cause="A C++ program linked dynamically against {needed_by_kind}{glibc_note}.",
        fix=(
            "Link everything statically against musl: `zig c++ -target {zig_musl_target} -static` (or a musl "
            "cross g++ with `-static`). `-static-libstdc++ -static-libgcc` alone removes libstdc++ and libgcc_s "
            "and their GLIBCXX/CXXABI/GCC version needs, but the program stays dynamic on glibc and may then need "
            "a newer glibc than before."
        ),
    ),
    Remedy(
        id="musl-add-static",
        codes=("LG101",),
        languages=(C, CXX, UNKNOWN),
        when=("libc_musl",),
        cause=(
            "Built against musl but linked dynamically: it needs the musl loader {interpreter} and {needed}, "
            "which glibc systems do not have."
        ),
        fix="Add `-static` to the link (`musl-gcc -static`, `zig cc -target {zig_musl_target} -static`).",
    ),
    Remedy(
        id="c-musl-static",
        codes=("LG101",),
        languages=(C,),
        when=("libc_glibc",),
        cause="A C program linked dynamically against {needed_by_kind}{glibc_note}.",
        fix=(
            "Link statically against musl: `musl-gcc -static` or `zig cc -target {zig_musl_target} -static`. "
            "`gcc -static` with glibc also works, unless the program resolves names or users (getaddrinfo, "
            "getpwnam): static glibc still loads the host's libnss then (LG301)."
        ),
    ),
    Remedy(
        id="dynamic-generic",
        codes=("LG101",),
        cause="Linked dynamically: it needs {needed}{interpreter_note} at run time{glibc_note}.",
        fix=(
            "Link statically (on Linux, C/C++: `musl-gcc -static` or `zig cc -target {zig_musl_target} -static`; "
            "Go: `CGO_ENABLED=0`; Rust: `--target {rust_musl_target}`; other systems: their C compiler's "
            "`-static`), or allow dynamic linking for this path with a reason in [tool.linkguard]."
        ),
    ),
    # ----------------------------------------------------------------------------------- LG102 glibc-too-new
    Remedy(
        id="go-glibc-too-new",
        codes=("LG102",),
        languages=(GO,),
        when=("go_cgo", "glibc_new"),
        cause=(
            "Built with CGO_ENABLED=1 against the build machine's glibc {glibc_max_text}; the C parts need "
            "{glibc_needs}."
        ),
        fix=(
            'Pin the glibc floor when cross-compiling the cgo parts: `CC="zig cc -target {zig_gnu_target}" '
            "CGO_ENABLED=1 go build`, or build in an image with an older glibc, or drop cgo (`CGO_ENABLED=0`)."
        ),
    ),
    Remedy(
        id="rust-glibc-too-new",
        codes=("LG102",),
        languages=(RUST,),
        when=("glibc_new",),
        cause="Built against the build machine's glibc {glibc_max_text}: it needs {glibc_needs}.",
        fix=(
            "Pin the glibc floor with cargo-zigbuild: `cargo zigbuild --release --target "
            "{rust_gnu_target}.{glibc_floor}`, build in an image with an older glibc, or build for "
            "`--target {rust_musl_target}` (static)."
        ),
    ),
    Remedy(
        id="cxx-static-libstdcxx",
        codes=("LG102",),
        languages=(CXX,),
        when=("cxx_versions_new",),
        cause="The C++ runtime of the build machine is newer than the floor: it needs {cxx_needs}.",
        fix=(
            "Link the C++ runtime into the program: add `-static-libstdc++ -static-libgcc` to the link, which "
            "removes libstdc++.so.6 and libgcc_s.so.1 and their GLIBCXX/CXXABI/GCC needs. glibc stays dynamic, "
            "and the runtime linked in may need a newer glibc than the program did (GCC 12 on glibc 2.36: up to "
            "GLIBC_2.36, and ld-linux-x86-64.so.2); for the glibc floor use `zig c++ -target {zig_gnu_target}`, "
            "which links its own C++ runtime, or an older base image."
        ),
    ),
    Remedy(
        id="glibc-too-new-libm",
        codes=("LG102",),
        when=("libm_new",),
        cause=(
            "glibc 2.29 gave exp, log, pow (and 2.27 expf, logf, powf) new symbol versions; linked against a "
            "newer glibc, the program needs {libm_needs} and refuses to start on older systems."
        ),
        fix=(
            "Build against the oldest glibc you support: an older base image (glibc 2.28 or earlier, e.g. "
            "manylinux2014 with 2.17), or `zig cc -target {zig_gnu_target}`, which links the old versions; or "
            "link statically with musl (`musl-gcc -static`)."
        ),
    ),
    Remedy(
        id="glibc-too-new",
        codes=("LG102",),
        cause=(
            "Linked against the build machine's C or C++ runtime, which is newer than the floor: it needs {all_needs}."
        ),
        fix=(
            "Build against the oldest runtime you support: an older base image, or `zig cc -target "
            "{zig_gnu_target}` (C++: `zig c++ -target {zig_gnu_target}`, which links its own C++ runtime); or "
            "link statically with musl."
        ),
    ),
    # ----------------------------------------------------------------------------- LG103 library-not-allowed
    Remedy(
        id="library-static-link",
        codes=("LG103",),
        cause="The program needs shared libraries beyond the allowed ones ({needed}).",
        fix=(
            "Link those libraries statically (`-Wl,-Bstatic -lNAME -Wl,-Bdynamic`, or the static archive "
            "libNAME.a), ship them beside the program with a RUNPATH of $ORIGIN, or extend the allow-list."
        ),
    ),
    # -------------------------------------------------------------------------------------- LG201 upx-packed
    Remedy(
        id="upx-packed-hides-dynamic",
        codes=("LG201",),
        when=("packed_original_dynamic",),
        cause=(
            "The release step packs the program with {packer}. The packed file has no interpreter or dynamic "
            "section of its own, so `file` and `ldd` call it static, but it unpacks into the original, which is "
            "{original}.{tamper_note}"
        ),
        fix=(
            "Drop the `upx` step, or run linkguard on the binary before packing; then fix the original's "
            "linkage: {original_fix}"
        ),
    ),
    Remedy(
        id="upx-packed",
        codes=("LG201",),
        cause=(
            "The release step packs the program with {packer}: it decompresses itself into memory at start-up, "
            "which hides the original's headers from `file`, `ldd` and scanners{original_note}.{tamper_note}"
        ),
        fix="Drop the `upx` step, or run linkguard on the binary before packing it.",
    ),
    # -------------------------------------------------------------------------------- LG301 static-glibc-nss
    Remedy(
        id="go-static-glibc-nss-musl",
        codes=("LG301",),
        languages=(GO,),
        when=("static_glibc_nss", "go_cgo_dependency"),
        cause=(
            "Statically linked against glibc{libc_version_text} with cgo ({cgo_deps}), and it reaches {nss}: "
            "glibc still loads libnss_*.so from the host for these, which must match the build's glibc."
        ),
        fix=(
            "Link against musl instead, which has no NSS: `CC=musl-gcc CGO_ENABLED=1 go build{cgo_tags_flag} "
            "-ldflags '-linkmode external -extldflags \"-static\"'` (on golang:alpine, without CC=musl-gcc). "
            "musl's resolver reads /etc/hosts and DNS itself, so `-tags netgo,osusergo` is not needed."
        ),
    ),
    Remedy(
        id="go-static-glibc-nss-netgo",
        codes=("LG301",),
        languages=(GO,),
        when=("static_glibc_nss",),
        cause=(
            "Statically linked against glibc{libc_version_text} through cgo, and it reaches {nss}: the net and "
            "os/user packages' cgo code calls glibc's NSS, which loads libnss_*.so from the host at run time."
        ),
        fix=(
            "Add `-tags netgo,osusergo` so Go uses its pure-Go resolver and user lookups, or build with "
            "`CGO_ENABLED=0` if nothing needs cgo; for remaining C code link against musl "
            "(`CC=musl-gcc`)."
        ),
    ),
    Remedy(
        id="rust-static-glibc-nss-musl",
        codes=("LG301",),
        languages=(RUST,),
        when=("static_glibc_nss",),
        cause=(
            "Built with glibc{libc_version_text} and +crt-static, and std's DNS lookup reaches {nss}: glibc "
            "still loads libnss_*.so from the host at run time, which must match the build's glibc."
        ),
        fix="Build for `--target {rust_musl_target}` instead: musl is static by default and has no NSS.",
    ),
    Remedy(
        id="static-glibc-nss-musl",
        codes=("LG301",),
        when=("static_glibc_nss",),
        cause=(
            "Statically linked against glibc{libc_version_text} but reaches {nss}: at run time glibc loads "
            "libnss_*.so (and gconv modules for iconv) from the host, which must match the build's glibc."
        ),
        fix=(
            "Link statically against musl instead (`musl-gcc -static` or `zig cc -target {zig_musl_target} "
            "-static`), which resolves names without NSS; or keep glibc dynamic and set a glibc floor."
        ),
    ),
)


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
    libm = [
        need for need in glibc if need.library.startswith("libm.so") and (_numeric(need.version) or ()) > LIBM_FLOOR
    ]
    top = program.max_versions.get("GLIBC")
    fields["glibc_max"] = top or ""
    fields["glibc_max_text"] = f"(needs up to GLIBC_{top})" if top else ""
    fields["glibc_needs"] = _needs_text(_highest_per_library(glibc))
    fields["cxx_needs"] = _needs_text(_highest_per_library(cxx))
    fields["libm_needs"] = _needs_text(_highest_per_library(libm))
    fields["all_needs"] = _needs_text(_highest_per_library(glibc + cxx)) or "newer symbol versions"
    if glibc:
        flags["glibc_new"] = "needs " + fields["glibc_needs"]
    notable = [need for need in _highest_per_library(glibc) if (_numeric(need.version) or ()) > LIBM_FLOOR]
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


def _numeric(version: str) -> Optional[Tuple[int, ...]]:
    split = versions.split_version(version)
    return split[1] if split is not None else None


def _highest_per_library(needs: Sequence[VersionNeed]) -> List[VersionNeed]:
    """Per (library, family), the need with the highest version, in first-seen library order."""
    best: Dict[Tuple[str, str], VersionNeed] = {}
    for need in needs:
        split = versions.split_version(need.version)
        if split is None:
            continue
        key = (need.library, split[0])
        current = best.get(key)
        if current is None or split[1] > (_numeric(current.version) or ()):
            best[key] = need
    return list(best.values())


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
