"""Remedy proofs: every fix linkguard suggests was tried for real.

tests/data/remedies/manifest.json pairs a "before" fixture with an "after" fixture built the way a fix says (its
`remedy` field names the fix). For each pair: linkguard's finding on the before fixture must choose our remedy and
spell out that fix; the after fixture's readelf truth must show the promised result (static, a lower glibc floor,
no C++ runtime, no packing); and linkguard must then have no LG101/LG102 (or LG201) on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from linkguard.remedies import REMEDIES
from tests.conftest import DATA, run_json

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


@dataclass(frozen=True)
class Proof:
    remedy: str  # our remedy id (src/linkguard/remedies.py)
    code: str  # the rule whose finding carries it
    fix_says: str  # text the fix must contain: the very build change the after fixture used
    promise: str  # what the after fixture's truth must show
    policy: Tuple[str, ...] = ()  # CLI arguments for both runs; "@cxx-floor" writes CXX_FLOOR_TOML


# Manifest fix name -> how linkguard must prescribe it.
PROOFS: Dict[str, Proof] = {
    "go-cgo-disabled": Proof("go-cgo-resolver-netgo", "LG101", "CGO_ENABLED=0 go build", "static"),
    "go-netgo-osusergo": Proof("go-cgo-resolver-netgo", "LG101", "-tags netgo,osusergo", "static"),
    "go-drop-pie": Proof("go-pie-interpreter-only", "LG101", "Drop `-buildmode=pie`", "static"),
    "go-static-pie-external": Proof("go-pie-interpreter-only", "LG101", "-extldflags=-static-pie", "static"),
    "go-cgo-musl-static": Proof("go-cgo-static", "LG101", "CC=musl-gcc CGO_ENABLED=1 go build", "static"),
    "glibc-floor-zig": Proof(
        "glibc-too-new-libm",
        "LG102",
        "zig cc -target x86_64-linux-gnu.2.17",
        "glibc<=2.17",
        ("--allow-dynamic=*", "--max-glibc", "2.17"),
    ),
    "c-musl-static": Proof("c-musl-static", "LG101", "musl-gcc -static", "static"),
    "cxx-static-libstdcxx": Proof(
        "cxx-static-libstdcxx", "LG102", "-static-libstdc++ -static-libgcc", "no-cxx-runtime", ("@cxx-floor",)
    ),
    "cxx-musl-static": Proof("cxx-musl-static", "LG101", "zig c++ -target x86_64-linux-musl -static", "static"),
    "rust-musl-static": Proof("rust-musl-target", "LG101", "--target x86_64-unknown-linux-musl", "static"),
    "rust-crt-static-gnu": Proof("rust-musl-target", "LG101", "-C target-feature=+crt-static", "static"),
    "drop-upx": Proof("upx-packed-hides-dynamic", "LG201", "Drop the `upx` step", "unpacked"),
}

# Sets that hold the pairs the manifest lists as covered_elsewhere.
SEED = DATA / "seed" / "manifest.json"
UPX = DATA / "upx" / "manifest.json"


@dataclass(frozen=True)
class Side:
    path: Path
    truth: Dict[str, Any]


def _records(manifest: Path) -> List[Dict[str, Any]]:
    return list(json.loads(manifest.read_text())["fixtures"]) if manifest.exists() else []


def pairs() -> Dict[str, List[Tuple[Side, Side]]]:
    """Fix name -> (before, after) fixture pairs, from the remedies manifest and the sets it points to."""
    before: Dict[str, Side] = {}
    after: Dict[str, List[Side]] = {}
    for record in DOCUMENT["fixtures"]:
        side = Side(SET / record["file"], record["truth"])
        if record["role"] == "before":
            before[record["remedy"]] = side
        elif record["role"] == "after":
            after.setdefault(record["remedy"], []).append(side)
    found = {name: [(before[name], side) for side in sides] for name, sides in after.items() if name in before}
    elsewhere = {entry["remedy"] for entry in DOCUMENT.get("covered_elsewhere", [])}
    if "go-cgo-musl-static" in elsewhere:
        seed = {Path(r["file"]).name: r for r in _records(SEED)}
        if "seed-cgo-glibc-dynamic" in seed and "seed-cgo-musl-static" in seed:
            dynamic, fixed = seed["seed-cgo-glibc-dynamic"], seed["seed-cgo-musl-static"]
            found["go-cgo-musl-static"] = [
                (
                    Side(SEED.parent / dynamic["file"], dynamic["truth"]),
                    Side(SEED.parent / fixed["file"], fixed["truth"]),
                )
            ]
    if "drop-upx" in elsewhere:
        found["drop-upx"] = [
            (Side(UPX.parent / r["file"], r["truth"]), Side(UPX.parent / r["original_file"], r["truth"]["original"]))
            for r in _records(UPX)
            if r.get("original_file") and r["truth"].get("original", {}).get("linkage") == "dynamic"
        ]
    return found


PAIRS = pairs()
FAILED_ATTEMPTS = {entry["remedy"]: entry for entry in DOCUMENT.get("attempts", []) if entry.get("result") == "failed"}


def cases() -> List[Any]:
    params = []
    for name in sorted(PROOFS):
        for index, (before, after) in enumerate(PAIRS.get(name, [])):
            params.append(pytest.param(name, before, after, id=f"{name}-{index}" if index else name))
    return params


CASES = cases()


def run(proof: Proof, path: Path, tmp_path: Path) -> Dict[str, Any]:
    args: List[str] = []
    for arg in proof.policy:
        if arg == "@cxx-floor":
            config = tmp_path / "linkguard.toml"
            config.write_text(CXX_FLOOR_TOML)
            args += ["-c", str(config)]
        else:
            args.append(arg)
    _code, report = run_json([*args, str(path)])
    (artifact,) = report["artifacts"]
    return artifact


def codes(artifact: Dict[str, Any]) -> List[str]:
    return [f["code"] for f in artifact["findings"]]


def _version(text: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def check_promise(promise: str, truth: Dict[str, Any]) -> None:
    """The after fixture's readelf truth shows what the fix promised."""
    if promise == "static":
        assert truth["linkage"] in ("static", "static-pie")
        assert truth["interpreter"] is None and truth["needed"] == []
    elif promise == "glibc<=2.17":
        assert _version(truth["max_versions"]["GLIBC"]) <= (2, 17)
    elif promise == "no-cxx-runtime":
        assert not [lib for lib in truth["needed"] if lib.startswith(("libstdc++.so", "libgcc_s.so"))]
        assert not {"GLIBCXX", "CXXABI", "GCC"} & set(truth["max_versions"])
    elif promise == "unpacked":
        assert "upx_l" not in truth and not truth.get("packed")
    else:  # pragma: no cover - a typo in PROOFS
        raise AssertionError(f"unknown promise {promise!r}")


def test_every_fix_in_the_manifest_has_a_proof_rule() -> None:
    names = {r["remedy"] for r in DOCUMENT["fixtures"]}
    names |= {e["remedy"] for e in DOCUMENT.get("covered_elsewhere", [])}
    names |= set(FAILED_ATTEMPTS)
    assert names <= set(PROOFS), f"fixture pairs without a proof rule: {sorted(names - set(PROOFS))}"
    assert {proof.remedy for proof in PROOFS.values()} <= {remedy.id for remedy in REMEDIES}


@pytest.mark.parametrize("name", sorted(PROOFS))
def test_every_proof_has_fixtures(name: str) -> None:
    if PAIRS.get(name):
        return
    attempt: Optional[Dict[str, Any]] = FAILED_ATTEMPTS.get(name)
    if attempt is not None:
        pytest.skip(f"no after fixture could be built here: {attempt['notes']} ({attempt['message'].splitlines()[0]})")
    pytest.fail(f"no before/after fixtures for {name}")


@pytest.mark.parametrize("name, before, after", CASES)
def test_before_gets_the_remedy(name: str, before: Side, after: Side, tmp_path: Path) -> None:
    proof = PROOFS[name]
    artifact = run(proof, before.path, tmp_path)
    found = [f for f in artifact["findings"] if f["code"] == proof.code]
    assert found, f"{proof.code} not reported on {before.path.name}: {codes(artifact)}"
    assert found[0]["remedy"] == proof.remedy
    assert proof.fix_says in found[0]["fix"]


@pytest.mark.parametrize("name, before, after", CASES)
def test_after_keeps_the_promise(name: str, before: Side, after: Side, tmp_path: Path) -> None:
    proof = PROOFS[name]
    check_promise(proof.promise, after.truth)
    artifact = run(proof, after.path, tmp_path)
    assert artifact["linkage"] == after.truth["linkage"]
    if proof.promise == "unpacked":
        assert artifact["packing"] is None and "LG201" not in codes(artifact)
    else:
        assert not {"LG101", "LG102"} & set(codes(artifact)), artifact["findings"]
