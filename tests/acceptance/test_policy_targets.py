"""Targets and platform-tag floors on the committed ELF fixtures, through the CLI.

The expected GOARCH of each fixture comes from readelf's machine, class and byte order in
tests/data/elf/manifest.json, mapped by the table below (Go's names for those CPUs); glibc needs come from the
same manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from tests.conftest import DATA, load_manifest, run_json
from tests.truth import numeric_version

SET = DATA / "elf"
FIXTURES = {Path(f["file"]).name: f for f in load_manifest(SET / "manifest.json")}

# readelf -h "Machine" (plus class and data where Go splits one machine into several GOARCH values) -> GOARCH.
READELF_GOARCH = {
    ("Advanced Micro Devices X86-64", None, None): "amd64",
    ("Intel 80386", None, None): "386",
    ("AArch64", None, None): "arm64",
    ("ARM", None, None): "arm",
    ("RISC-V", "ELF64", None): "riscv64",
    ("PowerPC64", None, "little"): "ppc64le",
    ("IBM S/390", None, None): "s390x",
    ("MIPS R3000", "ELF32", "big"): "mips",
}


def _goarch(truth: Dict[str, Any]) -> Optional[str]:
    for (machine, cls, data), goarch in READELF_GOARCH.items():
        if truth["readelf_machine"] == machine and cls in (None, truth["class"]) and data in (None, truth["data"]):
            return goarch
    return None


STATIC_CROSS = sorted(name for name in FIXTURES if name.startswith("zig-") and name.endswith("-static"))


@pytest.mark.parametrize("name", STATIC_CROSS)
def test_goarch_of_a_plain_file_comes_from_its_elf_header(tmp_path: Path, name: str) -> None:
    goarch = _goarch(FIXTURES[name]["truth"])
    assert goarch is not None, f"no GOARCH known for readelf machine {FIXTURES[name]['truth']['readelf_machine']}"
    config = tmp_path / "linkguard.toml"
    config.write_text(f'[[allow]]\ngoos = "linux"\ngoarch = "{goarch}"\nreason = "matched {goarch}"\n')
    _code, report = run_json(["--config", str(config), *(str(SET / "bin" / n) for n in STATIC_CROSS)])
    allowed = {Path(a["path"]).name for a in report["artifacts"] if a["allowance"] == f"matched {goarch}"}
    assert allowed == {n for n in STATIC_CROSS if _goarch(FIXTURES[n]["truth"]) == goarch}
    assert name in allowed


def _floor(tmp_path: Path, name: str, floor: str) -> Dict[str, Any]:
    config = tmp_path / "linkguard.toml"
    config.write_text(f'[[allow]]\npaths = ["{name}"]\nreason = "dynamic"\nmax-glibc = "{floor}"\n')
    _code, report = run_json(["--config", str(config), str(SET / "bin" / name)])
    (artifact,) = report["artifacts"]
    return artifact


# (fixture, tag, the tag's glibc floor per PEP 513/571/599/600, the expected codes: LG102 when readelf's highest
# GLIBC_ need is above that floor). The expectation is literal; the test re-derives it with its own comparison.
@pytest.mark.parametrize(
    ("name", "tag", "glibc", "expected"),
    [
        ("zig-aarch64-linux-gnu-dynamic", "manylinux2014", "2.17", []),  # needs 2.17
        ("zig-aarch64-linux-gnu-dynamic", "manylinux_2_17", "2.17", []),
        ("zig-aarch64-linux-gnu-dynamic", "manylinux2010", "2.12", ["LG102"]),
        ("zig-x86_64-linux-gnu.2.17-libm", "manylinux1", "2.5", []),  # needs 2.2.5
        ("gcc-glibc-dynamic-libm", "manylinux_2_28", "2.28", ["LG102"]),  # needs 2.34
    ],
)
def test_manylinux_tags_are_the_pep_glibc_floors(
    tmp_path: Path, name: str, tag: str, glibc: str, expected: List[str]
) -> None:
    needed = FIXTURES[name]["truth"]["max_versions"]["GLIBC"]
    assert (numeric_version(needed) > numeric_version(glibc)) == bool(expected)
    artifact = _floor(tmp_path, name, tag)
    codes = [f["code"] for f in artifact["findings"]]
    assert codes == expected
    if expected:
        assert f"GLIBC_{needed} > {tag}" in artifact["findings"][0]["message"]


def test_musllinux_passes_musl_dynamic_and_fails_every_glibc_version(tmp_path: Path) -> None:
    musl = FIXTURES["musl-gcc-dynamic"]["truth"]
    assert musl["max_versions"] == {} and "ld-musl" in musl["interpreter"]
    assert _floor(tmp_path, "musl-gcc-dynamic", "musllinux_1_2")["findings"] == []
    glibc = FIXTURES["zig-x86_64-linux-gnu.2.17-libm"]["truth"]
    artifact = _floor(tmp_path, "zig-x86_64-linux-gnu.2.17-libm", "musllinux_1_2")
    (finding,) = artifact["findings"]
    assert finding["code"] == "LG102"
    glibc_versions = {v for v in glibc["versioned_symbols"] if v.startswith("GLIBC_") and v[6:7].isdigit()}
    assert glibc_versions
    for version in glibc_versions:
        assert any(line.split(": ", 1)[1].startswith(version + " ") for line in finding["evidence"]), version


def test_the_command_line_takes_tags_too() -> None:
    name = "zig-aarch64-linux-gnu-dynamic"
    needed = FIXTURES[name]["truth"]["max_versions"]["GLIBC"]
    assert numeric_version(needed) > numeric_version("2.12")
    args = ["--allow-dynamic", name, str(SET / "bin" / name)]
    code, report = run_json(["--max-glibc", "manylinux2010", *args])
    assert code == 1 and [f["code"] for f in report["artifacts"][0]["findings"]] == ["LG102"]
    code, report = run_json(["--max-glibc", "manylinux2014", *args])
    assert code == 0 and report["artifacts"][0]["findings"] == []
