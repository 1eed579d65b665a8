"""Remedy proofs: every fix linkguard suggests was tried for real where it could be, and every remedy fires where it
should. Four fixes could not be built here; each is a strict expected failure of test_every_proof_has_fixtures that
says why (it turns red the day an after fixture is added): the Rust musl target (rustup offline, no musl std in
Debian), for which a real third-party Rust program built for that target (ruff's musllinux wheel,
tests/data/remedies/musl-target-evidence.json) is checked instead, as evidence about the target, not a before/after
proof on our source; and FreeBSD's `cc -static` (zig ships only FreeBSD libc stubs).

tests/data/remedies/manifest.json lists "before" fixtures (built the broken way) and "after" fixtures (built the
way a fix says), grouped by a fix name (its `remedy` field), and the promise each after fixture was built to keep
(declared by build.sh, checked here against readelf/strings truth). For each fix name in PROOFS:
- linkguard's finding on every before fixture chooses our remedy and spells out that fix;
- every after fixture's build command contains the fix's build change, its recorded truth keeps the promise, and
  linkguard then has no finding of that kind on it;
- among the fixtures of proofs judged the same way (rule and policy), each remedy fires only on its own befores.
Every row of remedies.REMEDIES must have a proof here or an exemption below that says why it cannot.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest

from linkguard.remedies import REMEDIES
from tests.conftest import DATA, run_json
from tests.truth import READELF_KEYS, load_module, missing, need

SET = DATA / "remedies"
MANIFEST = SET / "manifest.json"

DOCUMENT = json.loads(MANIFEST.read_text())

# Policy for judging a C++ runtime floor: dynamic linking allowed, GLIBCXX/CXXABI floors set.
CXX_FLOOR_TOML = """\
max-versions = { GLIBCXX = "3.4.19", CXXABI = "1.3.7" }

[[allow]]
paths = ["*"]
reason = "remedy proof: dynamic linking allowed, C++ runtime floor judged"
"""
# Policy for judging libraries: dynamic linking allowed, only the C library.
LIBC_ONLY_TOML = """\
[[allow]]
paths = ["*"]
reason = "remedy proof: only the C library may be loaded"
dynamic = true
libraries = ["libc.so.6"]
"""
# The allowance the shared-library remedy spells out, as a pyproject.toml.
PLUGIN_PYPROJECT = """\
[[tool.linkguard.allow]]
paths = ["*"]
reason = "plug-in"
dynamic = true
"""
GLIBC_FLOOR = ("--allow-dynamic=*", "--max-glibc", "2.17")
CONFIGS = {"@cxx-floor": ("linkguard.toml", CXX_FLOOR_TOML), "@libc-only": ("linkguard.toml", LIBC_ONLY_TOML)}


@dataclass(frozen=True)
class Proof:
    remedy: str  # our remedy id (src/linkguard/remedies/table.py)
    code: str  # the rule whose finding carries it
    fix_says: str  # text the fix must contain: the very build change the after fixture used
    promise: Tuple[str, ...]  # what the after fixtures' truth must show (build.sh declares the same)
    policy: Tuple[str, ...] = ()  # CLI arguments for every run; "@name" writes CONFIGS[name]
    build_has: Tuple[str, ...] = ()  # pieces of the fix the after fixture's build command must contain
    no_after: str = ""  # why no after fixture exists (the fix is not a build change)


STATIC = ("static",)
NO_NSS = ("static", "no-nss")
FLOOR = ("glibc<=2.17",)
MUSL_EXTERNAL = "CC=musl-gcc CGO_ENABLED=1 go build -tags musl -ldflags '-linkmode external -extldflags \"-static\"'"
ZIG_217 = 'CC="zig cc -target x86_64-linux-gnu.2.17" CGO_ENABLED=1 go build'

# Manifest fix name -> how linkguard must prescribe it.
PROOFS: Dict[str, Proof] = {
    # ---- LG101
    "go-cgo-dep-musl": Proof(
        "go-cgo-dependency-musl-static",
        "LG101",
        MUSL_EXTERNAL,
        NO_NSS,
        build_has=("CC=musl-gcc", "CGO_ENABLED=1", "-tags musl", "-linkmode external", '-extldflags "-static"'),
    ),
    "go-cgo-disabled": Proof(
        "go-cgo-resolver-netgo", "LG101", "CGO_ENABLED=0 go build", STATIC, (), ("CGO_ENABLED=0",)
    ),
    "go-netgo-osusergo": Proof(
        "go-cgo-resolver-netgo", "LG101", "-tags netgo,osusergo", STATIC, (), ("-tags netgo,osusergo",)
    ),
    "go-drop-pie": Proof("go-pie-interpreter-only", "LG101", "Drop `-buildmode=pie`", STATIC),
    "go-static-pie-external": Proof(
        "go-pie-interpreter-only",
        "LG101",
        "-extldflags=-static-pie",
        ("static-pie",),
        build_has=("-buildmode=pie", "-linkmode=external", "-extldflags=-static-pie"),
    ),
    "go-cgo-musl-static": Proof("go-cgo-static", "LG101", "CC=musl-gcc CGO_ENABLED=1 go build", STATIC),
    "c-musl-static": Proof("c-musl-static", "LG101", "musl-gcc -static", STATIC, (), ("musl-gcc", "-static")),
    "musl-add-static": Proof("musl-add-static", "LG101", "Add `-static`", STATIC, (), ("musl-gcc", "-static")),
    "cxx-musl-static": Proof(
        "cxx-musl-static",
        "LG101",
        "zig c++ -target x86_64-linux-musl -static",
        STATIC,
        build_has=("c++ -target x86_64-linux-musl -static",),
    ),
    "rust-musl-static": Proof(
        "rust-musl-target", "LG101", "--target x86_64-unknown-linux-musl", STATIC, (), ("x86_64-unknown-linux-musl",)
    ),
    "rust-crt-static-gnu": Proof(
        "rust-musl-target", "LG101", "-C target-feature=+crt-static", STATIC, (), ("-C target-feature=+crt-static",)
    ),
    "rust-dynamic-musl": Proof("rust-dynamic", "LG101", "--target x86_64-unknown-linux-musl", STATIC),
    "dynamic-generic-freebsd": Proof("dynamic-generic", "LG101", "their C compiler's `-static`", STATIC),
    "shared-library-allow": Proof(
        "shared-library",
        "LG101",
        '[[tool.linkguard.allow]] paths = ["<glob>"] reason = "plug-in" dynamic = true',
        (),
        no_after="the fix is a policy (an allowance) or not shipping the library: checked by applying that allowance",
    ),
    "extension-libpython": Proof(
        "extension-libpython",
        "LG101",
        "$(python3-config --ldflags)` (without `--embed`",
        ("no-libpython",),
        ("--allow-dynamic=*",),  # a loose plug-in's allowance: the libpython link is a finding all the same
        ("$($CONFIG --ldflags)",),
    ),
    # ---- LG102
    "glibc-floor-zig": Proof(
        "glibc-too-new-libm", "LG102", "zig cc -target x86_64-linux-gnu.2.17", FLOOR, GLIBC_FLOOR, ("gnu.2.17",)
    ),
    "glibc-floor-zig-c": Proof(
        "glibc-too-new", "LG102", "`zig cc -target x86_64-linux-gnu.2.17`", FLOOR, GLIBC_FLOOR, ("zig cc -target",)
    ),
    "glibc-floor-zig-cxx": Proof(
        "glibc-too-new",
        "LG102",
        "`zig c++ -target x86_64-linux-gnu.2.17`",
        ("glibc<=2.17", "no-cxx-runtime"),
        GLIBC_FLOOR,
        ("zig c++ -target x86_64-linux-gnu.2.17",),
    ),
    "go-glibc-floor-zig": Proof("go-glibc-too-new", "LG102", ZIG_217, FLOOR, GLIBC_FLOOR, (ZIG_217,)),
    "go-glibc-floor-zig-dep": Proof("go-glibc-too-new", "LG102", ZIG_217, FLOOR, GLIBC_FLOOR, (ZIG_217,)),
    "rust-cargo-zigbuild": Proof(
        "rust-glibc-too-new",
        "LG102",
        "cargo zigbuild --release --target x86_64-unknown-linux-gnu.2.17",
        FLOOR,
        GLIBC_FLOOR,
        ("cargo zigbuild", "--release", "--target x86_64-unknown-linux-gnu.2.17"),
    ),
    "cxx-static-libstdcxx": Proof(
        "cxx-static-libstdcxx",
        "LG102",
        "-static-libstdc++ -static-libgcc",
        ("no-cxx-runtime",),
        ("@cxx-floor",),
        ("-static-libstdc++ -static-libgcc",),
    ),
    # ---- LG103
    "library-bstatic": Proof(
        "library-static-link",
        "LG103",
        "`-Wl,-Bstatic -lNAME -Wl,-Bdynamic`",
        ("needs-only-libc",),
        ("@libc-only",),
        ("-Wl,-Bstatic -lgreet -Wl,-Bdynamic",),
    ),
    # ---- LG201
    "drop-upx": Proof("upx-packed-hides-dynamic", "LG201", "Drop the `upx` step", ("unpacked",)),
    "drop-upx-static": Proof("upx-packed", "LG201", "Drop the `upx` step", ("unpacked",)),
    # ---- LG301
    "go-nss-netgo": Proof(
        "go-static-glibc-nss-netgo", "LG301", "Add `-tags netgo,osusergo`", NO_NSS, (), ("-tags netgo,osusergo",)
    ),
    "go-nss-cgo-disabled": Proof(
        "go-static-glibc-nss-netgo", "LG301", "`CGO_ENABLED=0`", NO_NSS, (), ("CGO_ENABLED=0",)
    ),
    "go-nss-dep-musl": Proof(
        "go-static-glibc-nss-musl",
        "LG301",
        MUSL_EXTERNAL,
        NO_NSS,
        build_has=("CC=musl-gcc", "-tags musl", "-linkmode external", '-extldflags "-static"'),
    ),
    "static-nss-musl": Proof(
        "static-glibc-nss-musl", "LG301", "`musl-gcc -static`", NO_NSS, (), ("musl-gcc", "-static")
    ),
    "rust-nss-musl": Proof("rust-static-glibc-nss-musl", "LG301", "--target x86_64-unknown-linux-musl", NO_NSS),
}

# Rows of remedies.REMEDIES with no fixture that selects them, and why none can be built.
EXEMPT: Dict[str, str] = {
    "go-dynamic": (
        "reached only by Go build info without CGO_ENABLED=1: Go 1.18+ records CGO_ENABLED and cannot link "
        "dynamically without cgo (the -linkshared attempt in the manifest fails), so only older Go builds "
        "(no build settings) select it; no such toolchain here"
    ),
}

# Sets that hold the fixtures the manifest lists as covered_elsewhere.
SEED = DATA / "seed" / "manifest.json"
UPX = DATA / "upx" / "manifest.json"
ELF = DATA / "elf" / "manifest.json"
LOOSE_HOSTS = DATA / "loose-hosts" / "manifest.json"


@dataclass(frozen=True)
class Side:
    path: Path
    truth: Dict[str, Any]
    build: str = ""
    promise: Tuple[str, ...] = ()  # as build.sh declared it (after fixtures of this set)


def _records(manifest: Path) -> List[Dict[str, Any]]:
    return list(json.loads(manifest.read_text())["fixtures"]) if manifest.exists() else []


def _side(base: Path, record: Dict[str, Any]) -> Side:
    return Side(base / record["file"], record["truth"], record.get("build", ""), tuple(record.get("promise", ())))


def sides() -> Tuple[Dict[str, List[Side]], Dict[str, List[Side]]]:
    """Fix name -> before fixtures, and -> after fixtures, from the remedies manifest and the sets it points to."""
    before: Dict[str, List[Side]] = {}
    after: Dict[str, List[Side]] = {}
    for record in DOCUMENT["fixtures"]:
        target = before if record["role"] == "before" else after
        target.setdefault(record["remedy"], []).append(_side(SET, record))
    elsewhere = {entry["remedy"] for entry in DOCUMENT.get("covered_elsewhere", [])}
    if "go-cgo-musl-static" in elsewhere:
        seed = {Path(r["file"]).name: r for r in _records(SEED)}
        if "seed-cgo-glibc-dynamic" in seed and "seed-cgo-musl-static" in seed:
            before["go-cgo-musl-static"] = [_side(SEED.parent, seed["seed-cgo-glibc-dynamic"])]
            after["go-cgo-musl-static"] = [_side(SEED.parent, seed["seed-cgo-musl-static"])]
    for name, linkages in (("drop-upx", ("dynamic",)), ("drop-upx-static", ("static", "static-pie"))):
        if name not in elsewhere:
            continue
        packed = [r for r in _records(UPX) if r.get("original_file")]
        chosen = [r for r in packed if r["truth"].get("original", {}).get("linkage") in linkages]
        before[name] = [_side(UPX.parent, r) for r in chosen]
        after[name] = [Side(UPX.parent / r["original_file"], r["truth"]["original"]) for r in chosen]
    if "shared-library-allow" in elsewhere:
        elf = {r["file"]: r for r in _records(ELF)}
        if "bin/libfoo.so.1" in elf:
            before["shared-library-allow"] = [_side(ELF.parent, elf["bin/libfoo.so.1"])]
    if "extension-libpython" in elsewhere:
        loose = {r["file"].split("/")[2]: r for r in _records(LOOSE_HOSTS) if r["file"].startswith("bin/linux/")}
        if "embed" in loose and "fixed" in loose:
            before["extension-libpython"] = [_side(LOOSE_HOSTS.parent, loose["embed"])]
            after["extension-libpython"] = [_side(LOOSE_HOSTS.parent, loose["fixed"])]
    return before, after


BEFORE, AFTER = sides()
FAILED_ATTEMPTS = {entry["remedy"]: entry for entry in DOCUMENT.get("attempts", []) if entry.get("result") == "failed"}


def _cases(table: Dict[str, List[Side]]) -> List[Any]:
    params = []
    for name in sorted(PROOFS):
        for index, side in enumerate(table.get(name, [])):
            params.append(pytest.param(name, side, id=f"{name}-{index}" if index else name))
    return params


def _ran(proof: Proof, paths: List[Path], tmp_path: Path) -> Dict[str, Dict[str, Any]]:
    """linkguard's JSON artifacts under the proof's policy, by path."""
    args: List[str] = []
    for arg in proof.policy:
        if arg in CONFIGS:
            name, text = CONFIGS[arg]
            config = tmp_path / name
            config.write_text(text)
            args += ["-c", str(config)]
        else:
            args.append(arg)
    _code, report = run_json([*args, *map(str, paths)])
    return {artifact["path"]: artifact for artifact in report["artifacts"]}


def run(proof: Proof, path: Path, tmp_path: Path) -> Dict[str, Any]:
    return _ran(proof, [path], tmp_path)[str(path)]


def codes(artifact: Dict[str, Any]) -> List[str]:
    return [f["code"] for f in artifact["findings"]]


def _version(text: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def check_promise(promise: str, truth: Dict[str, Any]) -> None:
    """The after fixture's readelf (and strings/nm) truth shows what the fix promised."""
    if promise == "static":
        assert truth["linkage"] in ("static", "static-pie")
        assert truth["interpreter"] is None and truth["needed"] == []
    elif promise == "static-pie":
        assert truth["linkage"] == "static-pie" and truth["type"] == "DYN" and truth["flags_1_pie"]
        assert truth["interpreter"] is None and truth["needed"] == []
    elif promise == "glibc<=2.17":
        assert "GLIBC" in truth["max_versions"] and _version(truth["max_versions"]["GLIBC"]) <= (2, 17)
    elif promise == "no-cxx-runtime":
        assert not [lib for lib in truth["needed"] if lib.startswith(("libstdc++.so", "libgcc_s.so"))]
        assert not {"GLIBCXX", "CXXABI", "GCC"} & set(truth["max_versions"])
    elif promise == "no-nss":
        nss = truth["nss_evidence"]
        assert nss["strings"]["libnss_"] == [] and nss["strings"]["__nss_database"] == []
        assert not nss["nm_ok"] or nss["nm_symbol_types"]["getaddrinfo"] is None
    elif promise == "needs-only-libc":
        assert truth["needed"] and set(truth["needed"]) <= {"libc.so.6"}
    elif promise == "no-libpython":
        assert truth["linkage"] == "shared-library"
        assert not [lib for lib in truth["needed"] if lib.startswith("libpython")]
    elif promise == "unpacked":
        assert "upx_l" not in truth and not truth.get("packed")
    else:  # pragma: no cover - a typo in PROOFS or build.sh
        raise AssertionError(f"unknown promise {promise!r}")


def forbidden(proof: Proof) -> Set[str]:
    """Findings the after fixture must not have: the proof's own, and the linkage ones it was fixed for."""
    if proof.code == "LG201":
        return {"LG201"}
    return {proof.code, "LG101", "LG102"}


# ------------------------------------------------------------------------------------------ completeness


def test_every_remedy_has_a_proof_or_a_reasoned_exemption() -> None:
    proven = {proof.remedy for proof in PROOFS.values()}
    ids = {remedy.id for remedy in REMEDIES}
    missing = ids - proven - set(EXEMPT)
    assert not missing, f"remedies without a proof in PROOFS or a reason in EXEMPT: {sorted(missing)}"
    assert proven <= ids, f"proofs of unknown remedies: {sorted(proven - ids)}"
    assert not set(EXEMPT) & proven, "a proven remedy is also exempt"
    assert not set(EXEMPT) - ids, f"exemptions for unknown remedies: {sorted(set(EXEMPT) - ids)}"
    assert all(len(reason) > 40 for reason in EXEMPT.values()), "an exemption needs a reason"


def test_every_fix_in_the_manifest_has_a_proof_rule() -> None:
    names = {r["remedy"] for r in DOCUMENT["fixtures"]}
    names |= {e["remedy"] for e in DOCUMENT.get("covered_elsewhere", [])}
    names |= set(FAILED_ATTEMPTS) - set(EXEMPT)
    assert names <= set(PROOFS), f"fixtures without a proof rule: {sorted(names - set(PROOFS))}"


def test_exempt_remedies_record_the_failed_attempt() -> None:
    for remedy in EXEMPT:
        assert remedy in FAILED_ATTEMPTS, f"{remedy}: exempt without a recorded attempt in the manifest"


EVIDENCE = json.loads((SET / "musl-target-evidence.json").read_text())
musl_evidence = load_module("lg_musl_evidence", DATA / "musl_evidence.py")


def _proof_params() -> List[Any]:
    """One case per proof; a fix with a failed attempt and no after fixture is a strict expected failure."""
    params = []
    for name in sorted(PROOFS):
        attempt: Optional[Dict[str, Any]] = FAILED_ATTEMPTS.get(name)
        if attempt is None or AFTER.get(name):
            params.append(pytest.param(name, id=name))
            continue
        reason = f"no after fixture could be built here: {attempt['notes']} ({attempt['message'].splitlines()[0]})"
        if name in EVIDENCE["remedies"]:
            reason += f"; evidence instead: {EVIDENCE['package']} {EVIDENCE['version']} ({EVIDENCE['kind']})"
        params.append(pytest.param(name, id=name, marks=pytest.mark.xfail(strict=True, reason=reason)))
    return params


@pytest.mark.parametrize("name", _proof_params())
def test_every_proof_has_fixtures(name: str) -> None:
    proof = PROOFS[name]
    assert BEFORE.get(name), f"no before fixture for {name}"
    assert AFTER.get(name) or proof.no_after, f"no after fixture for {name}"


def test_unproven_fixes_are_few_and_named() -> None:
    """Exactly these fixes lack an after fixture; the docstring above and the README say so."""
    unproven = {name for name in PROOFS if not AFTER.get(name) and not PROOFS[name].no_after}
    assert unproven == {"rust-musl-static", "rust-dynamic-musl", "rust-nss-musl", "dynamic-generic-freebsd"}
    assert unproven <= set(FAILED_ATTEMPTS)
    assert set(EVIDENCE["remedies"]) == unproven - {"dynamic-generic-freebsd"}


# ------------------------------------------------------------------------------------------ Rust musl evidence


def test_musl_target_evidence_keeps_the_rust_musl_promises() -> None:
    """The recorded readelf/strings truth of ruff's musllinux binary keeps what each Rust musl fix promises."""
    assert EVIDENCE["wheel_metadata"]["Tag"].endswith("musllinux_1_2_x86_64")
    assert EVIDENCE["wheel_metadata"]["Generator"].startswith("maturin")
    assert "not a before/after proof" in EVIDENCE["kind"]
    for name in EVIDENCE["remedies"]:
        proof = PROOFS[name]
        assert EVIDENCE["fix"] in proof.fix_says
        for promise in proof.promise:
            check_promise(promise, EVIDENCE["truth"])
    truth = EVIDENCE["truth"]
    assert truth["linkage"] == "static-pie" and truth["flags_1_pie"] and truth["max_versions"] == {}


def _evidence_binary() -> Path:
    path = musl_evidence.fetched()
    if path is None:
        missing("ruff's musllinux binary not fetched: run python tests/data/musl_evidence.py fetch (see .ci/run)")
    assert musl_evidence.sha256(path) == EVIDENCE["sha256"], f"{path} is not the recorded ruff {EVIDENCE['version']}"
    return Path(path)


def test_musl_target_evidence_truth_has_not_drifted() -> None:
    need("readelf")
    ef = load_module("lg_fixture_elffacts", DATA / "upx" / "elffacts.py")
    facts = ef.readelf_facts(str(_evidence_binary()))
    assert {key: facts[key] for key in READELF_KEYS} == {key: EVIDENCE["truth"][key] for key in READELF_KEYS}


@pytest.mark.parametrize("name", EVIDENCE["remedies"])
def test_linkguard_finds_nothing_to_fix_on_the_musl_target_evidence(name: str, tmp_path: Path) -> None:
    proof = PROOFS[name]
    artifact = run(proof, _evidence_binary(), tmp_path)
    assert artifact["linkage"] == EVIDENCE["truth"]["linkage"]
    assert not forbidden(proof) & set(codes(artifact)), artifact["findings"]


@pytest.mark.parametrize("name, after", _cases(AFTER))
def test_build_script_declares_the_promise_we_check(name: str, after: Side) -> None:
    if after.path.is_relative_to(SET):
        assert after.promise == PROOFS[name].promise, f"build.sh promises {after.promise} for {after.path.name}"


# ------------------------------------------------------------------------------------------ before / after


@pytest.mark.parametrize("name, before", _cases(BEFORE))
def test_before_gets_the_remedy(name: str, before: Side, tmp_path: Path) -> None:
    proof = PROOFS[name]
    artifact = run(proof, before.path, tmp_path)
    found = [f for f in artifact["findings"] if f["code"] == proof.code]
    assert found, f"{proof.code} not reported on {before.path.name}: {codes(artifact)}"
    assert found[0]["remedy"] == proof.remedy
    assert proof.fix_says in found[0]["fix"], found[0]["fix"]
    if proof.promise:
        with pytest.raises(AssertionError):  # the promise is not already kept before the fix
            for promise in proof.promise:
                check_promise(promise, before.truth)


@pytest.mark.parametrize("name, after", _cases(AFTER))
def test_after_keeps_the_promise(name: str, after: Side, tmp_path: Path) -> None:
    proof = PROOFS[name]
    for piece in proof.build_has:
        assert piece in after.build, f"{after.path.name} was not built with {piece!r}: {after.build}"
    for promise in proof.promise:
        check_promise(promise, after.truth)
    artifact = run(proof, after.path, tmp_path)
    assert artifact["linkage"] == after.truth["linkage"]
    if "unpacked" in proof.promise:
        assert artifact["packing"] is None
    assert not forbidden(proof) & set(codes(artifact)), artifact["findings"]


def test_the_seed_dependency_is_the_replaced_kafka_module() -> None:
    """`go version -m` shows confluent-kafka-go as a dependency, replaced by the local stand-in."""
    for side in BEFORE["go-cgo-dep-musl"] + AFTER["go-cgo-dep-musl"] + BEFORE["go-nss-dep-musl"]:
        deps = [m for m in side.truth["go_modules"] if m["kind"] == "dep"]
        assert [(m["path"], m["version"]) for m in deps] == [
            ("github.com/confluentinc/confluent-kafka-go/v2", "v2.3.0")
        ]
        assert deps[0]["replacement"] == {"path": "./fake-kafka", "version": "(devel)"}
        assert side.truth["go_version_m"]["build"]["CGO_ENABLED"] == "1"
    (dynamic,) = BEFORE["go-cgo-dep-musl"]
    assert "GLIBC_2.29" in dynamic.truth["version_needs"]["libm.so.6"]  # pow
    (fixed,) = AFTER["go-cgo-dep-musl"]
    assert fixed.truth["go_version_m"]["build"]["-tags"] == "musl"
    untagged = [a for a in DOCUMENT["attempts"] if a["name"] == "kafka-musl-static-no-tag"]
    assert untagged and untagged[0]["result"] == "failed"
    assert "undefined reference to `gnu_get_libc_version'" in untagged[0]["message"]


def test_shared_library_allowance_from_the_fix_silences_it(tmp_path: Path) -> None:
    (before,) = BEFORE["shared-library-allow"]
    assert before.truth["linkage"] == "shared-library"
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PLUGIN_PYPROJECT)
    _code, report = run_json(["-c", str(pyproject), str(before.path)])
    (artifact,) = report["artifacts"]
    assert "LG101" not in codes(artifact), artifact["findings"]


# ------------------------------------------------------------------------------------------ only there


def _groups() -> Dict[Tuple[str, Tuple[str, ...]], List[str]]:
    """Proofs judged the same way (rule, policy), for the fixtures of this set."""
    groups: Dict[Tuple[str, Tuple[str, ...]], List[str]] = {}
    for name, proof in sorted(PROOFS.items()):
        if any(side.path.is_relative_to(SET) for side in BEFORE.get(name, []) + AFTER.get(name, [])):
            groups.setdefault((proof.code, proof.policy), []).append(name)
    return groups


GROUPS = _groups()


@pytest.mark.parametrize("code, policy", sorted(GROUPS), ids=[f"{c}{''.join(p)}" for c, p in sorted(GROUPS)])
def test_each_remedy_fires_only_on_its_befores(code: str, policy: Tuple[str, ...], tmp_path: Path) -> None:
    """Within one rule and policy: each before fixture gets its own remedy, each after fixture none."""
    expected: Dict[Path, Set[Optional[str]]] = {}
    for name in GROUPS[(code, policy)]:
        for side in BEFORE.get(name, []):
            expected.setdefault(side.path, set()).add(PROOFS[name].remedy)
        for side in AFTER.get(name, []):
            expected.setdefault(side.path, set()).add(None)
    proof = PROOFS[GROUPS[(code, policy)][0]]
    artifacts = _ran(proof, sorted(expected), tmp_path)
    for path, wanted in sorted(expected.items()):
        assert len(wanted) == 1, f"{path.name} is declared both ways: {wanted}"
        got = [f.get("remedy") for f in artifacts[str(path)]["findings"] if f["code"] == code]
        assert (got[0] if got else None) == next(iter(wanted)), f"{path.name}: {code} remedy {got}, want {wanted}"


def test_nss_truth_has_not_drifted() -> None:
    """The recorded strings/nm NSS evidence still matches the committed static binaries."""
    need("strings")
    need("nm")
    seed = load_module("seed_make_manifest", DATA / "seed" / "make_manifest.py")
    checked = 0
    for record in DOCUMENT["fixtures"]:
        if "nss_evidence" in record["truth"]:
            assert seed.nss_evidence(str(SET / record["file"])) == record["truth"]["nss_evidence"], record["name"]
            checked += 1
    assert checked
