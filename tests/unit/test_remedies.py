"""The remedies table: every row reachable from the evidence that should select it, templates filled, and the
right row chosen for real fixtures whose build recipe is known."""

from __future__ import annotations

import string
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

from linkguard import remedies
from linkguard.model import ElfFacts, Finding, GoBuildInfo, GoModule, Packing, Toolchain, VersionNeed
from linkguard.readers import read_elf
from linkguard.readers.budget import Budget
from linkguard.readers.source import BytesSource
from linkguard.remedies import REMEDIES, Evidence, Remedy, explain, gather, select

DATA = Path(__file__).resolve().parents[1] / "data"
GLIBC_LOADER = "/lib64/ld-linux-x86-64.so.2"
MUSL_LOADER = "/lib/ld-musl-x86_64.so.1"
KAFKA = GoModule("github.com/confluentinc/confluent-kafka-go/v2", "v2.3.0", "h1:x=")


def go(cgo: str = "1", buildmode: str = "exe", deps: Sequence[GoModule] = ()) -> GoBuildInfo:
    settings = (("-buildmode", buildmode), ("CGO_ENABLED", cgo), ("GOARCH", "amd64"), ("GOOS", "linux"))
    return GoBuildInfo(go_version="go1.22.1", path="example.com/app", deps=tuple(deps), settings=settings)


def elf(
    linkage: str = "dynamic",
    interpreter: Optional[str] = GLIBC_LOADER,
    needed: Sequence[str] = ("libc.so.6",),
    needs: Sequence[VersionNeed] = (),
    toolchain: Optional[Toolchain] = None,
    machine: str = "x86_64",
    bits: int = 64,
    endian: str = "little",
    packing: Optional[Packing] = None,
) -> ElfFacts:
    from linkguard import versions as symvers

    return ElfFacts(
        machine=machine,
        bits=bits,
        endian=endian,
        type="DYN" if linkage != "static" else "EXEC",
        linkage=linkage,
        interpreter=interpreter if linkage == "dynamic" else None,
        needed=tuple(needed) if linkage in ("dynamic", "shared-library") else (),
        version_needs=tuple(needs),
        max_versions=symvers.max_versions(n.version for n in needs),
        toolchain=toolchain,
        packing=packing,
    )


GCC = Toolchain(compilers=("GCC: (Debian 12.2.0-14) 12.2.0",))
RUSTC = Toolchain(compilers=("rustc version 1.95.0 (59807616e 2026-04-14)",), rust="rustc 1.95.0")
LIBM_229 = VersionNeed("libm.so.6", "GLIBC_2.29", ("exp", "pow"))
LIBC_234 = VersionNeed("libc.so.6", "GLIBC_2.34", ("__libc_start_main",))
GLIBCXX = VersionNeed("libstdc++.so.6", "GLIBCXX_3.4.30", ("_ZSt28__throw_bad_array_new_lengthv",))
RESOLVER = VersionNeed("libc.so.6", "GLIBC_2.2.5", ("getaddrinfo", "getnameinfo", "malloc"))


def static_glibc(nss: Tuple[str, ...], **extra: Any) -> Toolchain:
    return Toolchain(compilers=GCC.compilers, libc="glibc", libc_version="2.36", nss=nss, **extra)


CASES: Dict[str, Tuple[str, ElfFacts]] = {
    "shared-library": ("LG101", elf("shared-library", toolchain=GCC)),
    "extension-libpython": (
        "LG101",
        replace(elf("shared-library", needed=("libpython3.11.so.1.0",)), host_entries=("PyInit_embedmod",)),
    ),
    "go-cgo-dependency-musl-static": ("LG101", elf(toolchain=Toolchain(go=go(deps=[KAFKA])))),
    "go-cgo-resolver-netgo": ("LG101", elf(needs=[RESOLVER], toolchain=Toolchain(go=go()))),
    "go-pie-interpreter-only": ("LG101", elf(needed=(), toolchain=Toolchain(go=go("0", "pie")))),
    "go-cgo-static": ("LG101", elf(needed=("libm.so.6", "libc.so.6"), needs=[LIBM_229], toolchain=Toolchain(go=go()))),
    "go-dynamic": ("LG101", elf(needed=("libstd.so",), toolchain=Toolchain(go=go("0")))),
    "rust-musl-target": ("LG101", elf(needed=("libgcc_s.so.1", "libc.so.6"), toolchain=RUSTC)),
    "rust-dynamic": ("LG101", elf(interpreter=MUSL_LOADER, needed=("libc.so",), toolchain=RUSTC)),
    "cxx-musl-static": ("LG101", elf(needed=("libstdc++.so.6", "libc.so.6"), toolchain=GCC)),
    "musl-add-static": ("LG101", elf(interpreter=MUSL_LOADER, needed=("libc.so",), toolchain=GCC)),
    "c-musl-static": ("LG101", elf(needed=("libm.so.6", "libc.so.6"), toolchain=GCC)),
    "dynamic-generic": ("LG101", elf(interpreter="/opt/loader", needed=("libfoo.so",))),
    "go-glibc-too-new": ("LG102", elf(needs=[LIBC_234], toolchain=Toolchain(go=go()))),
    "rust-glibc-too-new": ("LG102", elf(needs=[LIBC_234], toolchain=RUSTC)),
    "cxx-static-libstdcxx": ("LG102", elf(needed=("libstdc++.so.6", "libc.so.6"), needs=[GLIBCXX], toolchain=GCC)),
    "glibc-too-new-libm": ("LG102", elf(needed=("libm.so.6", "libc.so.6"), needs=[LIBM_229, LIBC_234], toolchain=GCC)),
    "glibc-too-new": ("LG102", elf(needs=[LIBC_234], toolchain=GCC)),
    "library-static-link": ("LG103", elf(needed=("libssl.so.3", "libc.so.6"), toolchain=GCC)),
    "upx-packed-hides-dynamic": (
        "LG201",
        elf(
            "static",
            packing=Packing("upx", version="3.94", original=elf(needed=("libm.so.6", "libc.so.6"), toolchain=GCC)),
        ),
    ),
    "upx-packed": ("LG201", elf("static", packing=Packing("upx", version="4.2.4", tampered=True))),
    "go-static-glibc-nss-musl": (
        "LG301",
        elf("static", toolchain=static_glibc(("getaddrinfo",), go=go(deps=[KAFKA]))),
    ),
    "go-static-glibc-nss-netgo": ("LG301", elf("static", toolchain=static_glibc(("getaddrinfo",), go=go()))),
    "rust-static-glibc-nss-musl": (
        "LG301",
        elf("static-pie", toolchain=static_glibc(("getaddrinfo",), rust="rustc 1.95.0")),
    ),
    "static-glibc-nss-musl": ("LG301", elf("static", toolchain=static_glibc(("getpwnam", "getpwnam_r")))),
}


def test_every_row_has_a_case_and_ids_are_unique() -> None:
    ids = [remedy.id for remedy in REMEDIES]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(CASES)


def test_rows_name_only_known_flags_and_fields() -> None:
    fields = set()
    for case in CASES.values():
        fields |= set(gather(case[1]).fields)
    for remedy in REMEDIES:
        assert set(remedy.when) <= set(remedies.FLAGS), remedy.id
        assert set(remedy.unless) <= set(remedies.FLAGS), remedy.id
        for template in (remedy.cause, remedy.fix):
            used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
            assert used <= fields, (remedy.id, used - fields)


@pytest.mark.parametrize("remedy_id", sorted(CASES))
def test_each_remedy_is_selected_by_its_evidence(remedy_id: str) -> None:
    code, facts = CASES[remedy_id]
    evidence = gather(facts)
    assert set(evidence.flags) <= set(remedies.FLAGS)
    explanation = explain(code, facts)
    assert explanation is not None
    assert explanation.remedy == remedy_id
    for text in (explanation.cause, explanation.fix):
        assert "{" not in text and "}" not in text
        assert "  " not in text and " ." not in text and "()" not in text


def test_cgo_dependency_names_module_and_its_tags() -> None:
    code, facts = CASES["go-cgo-dependency-musl-static"]
    explanation = explain(code, facts)
    assert explanation is not None
    assert "github.com/confluentinc/confluent-kafka-go/v2 v2.3.0" in explanation.cause
    assert "-tags musl" in explanation.fix
    assert "dependency known to need cgo: github.com/confluentinc/confluent-kafka-go/v2 v2.3.0" in explanation.evidence


def test_libm_version_at_the_floor_is_not_new_even_with_a_trailing_zero() -> None:
    """GLIBC_2.17.0 is GLIBC_2.17 (versions compare with trailing zeros ignored): not above LIBM_FLOOR."""
    at_floor = VersionNeed("libm.so.6", "GLIBC_2.17.0", ("exp",))
    assert "libm_new" not in gather(elf(needed=("libm.so.6", "libc.so.6"), needs=[at_floor], toolchain=GCC)).flags
    assert "libm_new" in gather(elf(needed=("libm.so.6", "libc.so.6"), needs=[LIBM_229], toolchain=GCC)).flags


def test_cgo_static_cause_names_libm_version_and_symbols() -> None:
    explanation = explain(*CASES["go-cgo-static"])
    assert explanation is not None
    assert "libm.so.6 GLIBC_2.29 <- exp, pow" in explanation.cause


def test_resolver_remedy_needs_resolver_imports() -> None:
    plain = elf(needs=[VersionNeed("libc.so.6", "GLIBC_2.2.5", ("malloc",))], toolchain=Toolchain(go=go()))
    explanation = explain("LG101", plain)
    assert explanation is not None and explanation.remedy == "go-cgo-static"


@pytest.mark.parametrize(
    "machine, bits, endian, zig, rust",
    [
        ("x86_64", 64, "little", "x86_64-linux-gnu.2.17", "x86_64-unknown-linux-musl"),
        ("aarch64", 64, "little", "aarch64-linux-gnu.2.17", "aarch64-unknown-linux-musl"),
        ("i386", 32, "little", "x86-linux-gnu.2.17", "i686-unknown-linux-musl"),
        ("arm", 32, "little", "arm-linux-gnueabihf.2.17", "armv7-unknown-linux-musleabihf"),
        ("riscv", 64, "little", "riscv64-linux-gnu.2.27", "riscv64gc-unknown-linux-musl"),
        ("ppc64", 64, "little", "powerpc64le-linux-gnu.2.17", "powerpc64le-unknown-linux-musl"),
        ("s390", 64, "big", "s390x-linux-gnu.2.17", "s390x-unknown-linux-musl"),
    ],
)
def test_targets_follow_the_machine(machine: str, bits: int, endian: str, zig: str, rust: str) -> None:
    facts = elf(needs=[LIBM_229], toolchain=GCC, machine=machine, bits=bits, endian=endian)
    explanation = explain("LG102", facts)
    assert explanation is not None and f"zig cc -target {zig}" in explanation.fix
    rust_facts = elf(toolchain=RUSTC, machine=machine, bits=bits, endian=endian)
    rust_explanation = explain("LG101", rust_facts)
    assert rust_explanation is not None and f"--target {rust}" in rust_explanation.fix


def test_packed_remedy_describes_the_original_and_its_fix() -> None:
    original = elf(needed=("libc.so.6",), needs=[RESOLVER], toolchain=Toolchain(go=go()))
    packed = elf("static", packing=Packing("upx", version="3.94", tampered=True, original=original))
    explanation = explain("LG201", packed)
    assert explanation is not None and explanation.remedy == "upx-packed-hides-dynamic"
    assert "UPX 3.94" in explanation.cause and "libc.so.6" in explanation.cause
    assert "altered" in explanation.cause
    assert "CGO_ENABLED=0" in explanation.fix  # the original's own remedy (Go resolver) is carried along


def test_static_nss_message_names_entry_points_and_version() -> None:
    explanation = explain(*CASES["static-glibc-nss-musl"])
    assert explanation is not None
    assert "glibc 2.36" in explanation.cause and "getpwnam, getpwnam_r" in explanation.cause


def test_codes_without_rows_have_no_explanation() -> None:
    assert explain("LG901", elf()) is None


def test_ties_go_to_the_earlier_row() -> None:
    first = Remedy(id="first", codes=("X",), cause="", fix="", when=("libc_glibc",))
    second = Remedy(id="second", codes=("X",), cause="", fix="", languages=("c",))
    evidence = Evidence(language="c", flags={"libc_glibc": "libc: glibc"})
    chosen = select("X", evidence, (first, second))
    assert chosen is not None and chosen.id == "first"


def test_unless_excludes_a_row() -> None:
    row = Remedy(id="row", codes=("X",), cause="", fix="", unless=("go_cgo",))
    assert select("X", Evidence(language="go", flags={"go_cgo": "x"}), (row,)) is None


@pytest.mark.parametrize(
    "path, entry",
    [
        ("github.com/confluentinc/confluent-kafka-go", "github.com/confluentinc/confluent-kafka-go"),
        ("github.com/confluentinc/confluent-kafka-go/v2", "github.com/confluentinc/confluent-kafka-go"),
        ("github.com/mattn/go-sqlite3", "github.com/mattn/go-sqlite3"),
        ("github.com/mattn/go-sqlite3x", None),
        ("modernc.org/sqlite", None),
    ],
)
def test_known_cgo_modules_match_by_path_prefix(path: str, entry: Optional[str]) -> None:
    found = remedies.known_cgo_module(GoModule(path, "v1.0.0"))
    assert (found.path if found else None) == entry


def test_replacement_path_also_matches() -> None:
    fork = GoModule(
        "example.com/kafka", "v1.0.0", replacement=GoModule("github.com/confluentinc/confluent-kafka-go/v2", "v2.1.0")
    )
    assert remedies.known_cgo_module(fork) is not None


def test_cgo_module_list_format() -> None:
    rows = remedies.parse_cgo_modules("# comment\n\nexample.com/a tags=x,y alt=example.com/b  # note\nexample.com/c\n")
    assert rows == (
        remedies.CgoModule("example.com/a", ("x", "y"), "example.com/b"),
        remedies.CgoModule("example.com/c"),
    )
    assert any(row.path == "github.com/mattn/go-sqlite3" and row.alternative for row in remedies.cgo_modules())


# -------------------------------------------------------------------------------------------- real fixtures

# (fixture, rule code, remedy) from how each fixture was built (tests/data/elf/build.sh).
REAL_CASES = [
    ("elf/bin/go-cgo-dynamic", "LG101", "go-cgo-static"),  # own cgo code (C.twice), needs only libc
    ("elf/bin/go-pie-nocgo", "LG101", "go-pie-interpreter-only"),
    ("elf/bin/gcc-glibc-dynamic-libm", "LG101", "c-musl-static"),
    ("elf/bin/gcc-glibc-dynamic-libm", "LG102", "glibc-too-new-libm"),
    ("elf/bin/gcc-glibc-dynamic-libm-nosections", "LG102", "glibc-too-new-libm"),
    ("elf/bin/gxx-libstdcxx-dynamic", "LG101", "cxx-musl-static"),
    ("elf/bin/gxx-libstdcxx-dynamic", "LG102", "cxx-static-libstdcxx"),
    ("elf/bin/musl-gcc-dynamic", "LG101", "musl-add-static"),
    ("elf/bin/libfoo.so.1", "LG101", "shared-library"),
]


@pytest.mark.parametrize("name, code, remedy_id", REAL_CASES)
def test_real_fixture_gets_its_remedy(name: str, code: str, remedy_id: str) -> None:
    path = DATA / name
    if not path.is_file():
        pytest.fail(f"fixture missing: {path}")
    data = path.read_bytes()
    facts = read_elf(BytesSource(data), Budget())
    explanation = explain(code, facts)
    assert explanation is not None and explanation.remedy == remedy_id


# ---------------------------------------------------------------------------------------------- LG301 rule


def lg301(facts: ElfFacts) -> List[Finding]:
    from linkguard.config import PathPolicy
    from linkguard.model import Severity
    from linkguard.rules.static_glibc_nss import StaticGlibcNss

    policy = PathPolicy(severities={}, max_versions={})
    return list(StaticGlibcNss().check(facts, policy, Severity.WARNING))


def test_lg301_fires_on_static_glibc_reaching_nss() -> None:
    toolchain = static_glibc(("getaddrinfo", "getpwnam", "getpwnam_r", "iconv_open"))
    toolchain = Toolchain(
        compilers=toolchain.compilers,
        libc="glibc",
        libc_version="2.36",
        nss=toolchain.nss,
        evidence=("Go build info: go1.22", "symbol getaddrinfo defined in .symtab"),
    )
    (finding,) = lg301(elf("static", toolchain=toolchain))
    assert finding.code == "LG301" and finding.rule == "static-glibc-nss"
    assert finding.message.startswith("statically linked against glibc 2.36 but calls getaddrinfo, getpwnam")
    assert "(+1 more)" in finding.message
    assert finding.evidence == ("symbol getaddrinfo defined in .symtab",)
    assert finding.remedy == "static-glibc-nss-musl" and finding.fix


@pytest.mark.parametrize(
    "facts",
    [
        elf("static", toolchain=Toolchain(libc="glibc")),  # no NSS reached
        elf("static", toolchain=Toolchain(libc="musl", nss=("getaddrinfo",))),  # musl has no NSS
        elf(toolchain=Toolchain(libc="glibc", nss=("getaddrinfo",))),  # dynamic: glibc comes from the host
        elf("static"),  # no toolchain evidence
    ],
)
def test_lg301_quiet_otherwise(facts: ElfFacts) -> None:
    assert lg301(facts) == []


def test_lg301_judges_the_original_behind_packing() -> None:
    original = elf("static", toolchain=static_glibc(("getaddrinfo",)))
    (finding,) = lg301(elf("static", packing=Packing("upx", version="3.94", original=original)))
    assert finding.through_packing and finding.message.startswith("behind the packing")


def test_cause_names_the_c_library_apart_from_other_libraries() -> None:
    facts = elf(needed=("libXt.so.6", "libX11.so.6", "libc.so.6"), toolchain=GCC)
    explanation = explain("LG101", facts)
    assert explanation is not None and explanation.remedy == "c-musl-static"
    assert explanation.cause.startswith(
        "A C program linked dynamically against the system C library (libc.so.6) and 2 other shared libraries "
        "(libXt.so.6, libX11.so.6)"
    )


def test_version_fields_name_each_library_family_highest_version_once() -> None:
    """glibc_needs/cxx_needs/all_needs: per (library, family) the highest version (2.10 above 2.9, 2.3.0 equal to
    2.3 and the first kept), glibc's before the C++ runtime's; all_needs is both in that order."""
    needs = (
        VersionNeed("libc.so.6", "GLIBC_2.9", ("a",)),
        VersionNeed("libstdc++.so.6", "GLIBCXX_3.4.9", ("s",)),
        VersionNeed("libc.so.6", "GLIBC_2.10", ("b",)),
        VersionNeed("libm.so.6", "GLIBC_2.3", ("c",)),
        VersionNeed("libm.so.6", "GLIBC_2.3.0", ("d",)),
        VersionNeed("libstdc++.so.6", "CXXABI_1.3", ("t",)),
        VersionNeed("libstdc++.so.6", "GLIBCXX_3.4.30", ("u",)),
        VersionNeed("libc.so.6", "GLIBC_PRIVATE", ("p",)),
    )
    facts = ElfFacts("x86_64", 64, "little", "EXEC", "dynamic", needed=("libc.so.6",), version_needs=needs)
    fields = gather(facts).fields
    assert fields["glibc_needs"] == "libc.so.6 GLIBC_2.10 <- b; libm.so.6 GLIBC_2.3 <- c"
    assert fields["cxx_needs"] == "libstdc++.so.6 GLIBCXX_3.4.30 <- u; libstdc++.so.6 CXXABI_1.3 <- t"
    assert fields["all_needs"] == fields["glibc_needs"] + "; " + fields["cxx_needs"]
    only_cxx = ElfFacts("x86_64", 64, "little", "EXEC", "dynamic", version_needs=needs[1:2])
    assert gather(only_cxx).fields["all_needs"] == "libstdc++.so.6 GLIBCXX_3.4.9 <- s"
    assert gather(ElfFacts("x86_64", 64, "little", "EXEC", "dynamic")).fields["all_needs"] == "newer symbol versions"
