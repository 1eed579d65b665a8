"""Issue 15 item 12, digits that are not ASCII: a version name such as `GLIBC_2.²` is a need, not LG901.

tests/data/elf/odd-versions/make_odd_versions.py renames one version need of a real glibc binary; the names come
from `readelf -VW` (manifest.json). glibc's loader compares version names as exact strings, so a name whose
"digits" are not ASCII is a version no glibc defines: listed as a need (like GLIBC_PRIVATE), never a floor, and
never a reason to fail the whole file as unreadable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

from linkguard import versions
from tests.conftest import DATA, load_manifest, run_cli, validate_report

HERE = DATA / "elf" / "odd-versions"
FILES = {f["file"]: f for f in load_manifest(HERE / "manifest.json")}
# The highest dotted-ASCII GLIBC version among readelf's names for each file, written out by hand.
HIGHEST = {"glibc-superscript-two": "2.34", "glibc-arabic-indic": "2.34", "glibc-fullwidth": "2.29"}


def _artifact(tmp_path: Path, name: str) -> Dict[str, Any]:
    config = tmp_path / "linkguard.toml"
    config.write_text('[[allow]]\npaths = ["*"]\ndynamic = true\nreason = "test"\nmax-glibc = "2.17"\n')
    _, text = run_cli(["--format", "json", "-j", "1", "-c", str(config), str(HERE / name)])
    report = json.loads(text)
    validate_report(report)
    (artifact,) = report["artifacts"]
    return dict(artifact)


@pytest.mark.parametrize("name", sorted(HIGHEST))
def test_non_ascii_version_is_a_need_not_lg901(tmp_path: Path, name: str) -> None:
    artifact = _artifact(tmp_path, name)
    assert artifact["problem"] is None
    listed = [n["version"] for n in artifact["version_needs"]]
    assert sorted(listed) == sorted(FILES[name]["readelf_version_names"])
    assert artifact["max_versions"] == {"GLIBC": HIGHEST[name]}
    codes = [f["code"] for f in artifact["findings"]]
    assert codes == ["LG102"]
    assert f"GLIBC_{HIGHEST[name]} > GLIBC_2.17" in artifact["findings"][0]["message"]


@pytest.mark.parametrize("text", ["2.\u00b2", "2.\u0663", "\uff12.17", "2.1_7", "2. 17", "+2.17", "2." + "9" * 5000])
def test_floors_and_versions_take_ascii_digits_only(text: str) -> None:
    assert not versions.is_dotted(text)
    assert versions.split_version("GLIBC_" + text) is None
    with pytest.raises(ValueError):
        versions.parse_floor(text)


@pytest.mark.parametrize("text", ["manylinux_\u0662_17", "manylinux_2_\uff117", "musllinux_\uff11_2"])
def test_platform_tags_take_ascii_digits_only(text: str) -> None:
    assert not versions.is_platform_tag(text)
    with pytest.raises(ValueError):
        versions.parse_floor(text)


def test_os_versions_stop_at_the_first_part_that_is_not_ascii() -> None:
    assert versions.numeric_prefix("11.\u00b2") == (11,)
    assert versions.numeric_prefix("\u0661\u0661.0") == ()
    assert versions.leading_number("21rc2") == 21
    assert versions.leading_number("\u00b21") is None


def test_trailing_zeros_never_matter() -> None:
    assert versions.numeric_prefix("11") == versions.numeric_prefix("11.0") == versions.numeric_prefix("11.0.0")
    assert not versions.numeric_prefix("11.0") > versions.numeric_prefix("11")
    assert versions.numeric_prefix("11.0.1") > versions.numeric_prefix("11")
    gcc3, gcc30 = versions.split_version("GCC_3"), versions.split_version("GCC_3.0")
    assert gcc3 is not None and gcc30 is not None and gcc3[1] == gcc30[1] and not gcc30[1] > gcc3[1]
    assert versions.parse_floor("3") == (3, 0)
    assert (3, 0) == versions.parse_floor("3")  # noqa: SIM300 - the reflected comparison is the point
    assert versions.max_versions(["GCC_3", "GCC_3.0"]) == {"GCC": "3"}  # the first spelling met is kept
    assert versions.format_version(versions.numeric_prefix("10.0")) == "10.0"  # printed as written
