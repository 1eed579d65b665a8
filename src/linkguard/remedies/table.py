"""The ELF remedy table: every cause and fix as data, one row per remedy.

A row says which rule codes it answers, which languages it speaks to, the evidence flags that must hold (`when`)
or must not (`unless`), and the cause/fix templates filled from the facts. Selection lives in
`linkguard.remedies`; adding a remedy is adding a row here (and a fixture that proves it, see
tests/acceptance/test_remedy_proofs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

GO, RUST, CXX, C, UNKNOWN = "go", "rust", "cxx", "c", "unknown"


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
        id="extension-libpython",
        codes=("LG101",),
        when=("shared_library", "links_libpython"),
        boost=10,
        cause=(
            "A CPython extension module linked against {libpython}: the interpreter that imports it provides "
            "those symbols itself, and many Pythons (the manylinux images', python-build-standalone's: built "
            "without --enable-shared) have no libpython to load, so the import fails there, or binds a second "
            "copy of the interpreter where one is found. manylinux and musllinux forbid it (auditwheel: "
            '"Linking with libpython is forbidden").'
        ),
        fix=(
            "Link without libpython: `gcc -shared -fPIC $(python3-config --cflags) mod.c "
            "$(python3-config --ldflags)` (without `--embed`, which adds -lpython3.X); setuptools, "
            "meson-python and maturin do not add it; CMake: link `Python::Module`, not `Python::Python`."
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
