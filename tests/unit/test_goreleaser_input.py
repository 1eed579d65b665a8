"""inputs/goreleaser.py on hand-written listings: which entries are checked, and where their files are found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from linkguard.inputs.goreleaser import GoreleaserError, read_release


def _release(root: Path, dist: str, entries: List[Dict[str, Any]]) -> Path:
    directory = root / dist
    directory.mkdir(parents=True)
    (directory / "artifacts.json").write_text(json.dumps(entries))
    for entry in entries:
        file = root / entry["path"]
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(b"\x7fELF")
    return directory


def _binary(path: str, goos: str = "linux", goarch: str = "amd64", **extra: str) -> Dict[str, Any]:
    return {"name": Path(path).name, "path": path, "goos": goos, "goarch": goarch, "type": "Binary", **extra}


def test_only_binaries_are_taken_with_their_targets(tmp_path: Path) -> None:
    dist = _release(
        tmp_path,
        "dist",
        [
            {"name": "checksums.txt", "path": "dist/checksums.txt", "type": "Checksum"},
            _binary("dist/a_linux_amd64_v1/a", goamd64="v1", target="linux_amd64_v1"),
            {"name": "a.tar.gz", "path": "dist/a.tar.gz", "goos": "linux", "goarch": "amd64", "type": "Archive"},
            _binary("dist/a_linux_arm_7/a", goarch="arm", goarm="7"),
        ],
    )
    first, second = read_release(str(dist), cwd=str(tmp_path))
    assert (first.argument, first.target_names, first.variant) == (
        "dist/a_linux_amd64_v1/a",
        ("linux_amd64_v1", "linux/amd64"),
        "v1",
    )
    assert (second.goarch, second.variant, second.target_names) == ("arm", "7", ("linux/arm",))


def test_the_listing_file_may_be_named_directly_and_a_custom_dist_is_found(tmp_path: Path) -> None:
    dist = _release(tmp_path, "build/out", [_binary("build/out/app_linux_amd64_v1/app")])
    (binary,) = read_release(str(dist / "artifacts.json"), cwd=str(tmp_path))
    assert binary.argument == "build/out/app_linux_amd64_v1/app"
    assert (tmp_path / binary.argument).is_file()


def test_outside_the_working_directory_paths_are_absolute(tmp_path: Path) -> None:
    dist = _release(tmp_path / "proj", "dist", [_binary("dist/app")])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (binary,) = read_release(str(dist), cwd=str(elsewhere))
    assert binary.argument == str(tmp_path / "proj" / "dist" / "app")


def test_one_file_listed_twice_is_checked_once(tmp_path: Path) -> None:
    dist = _release(tmp_path, "dist", [_binary("dist/app"), _binary("dist/app")])
    assert len(read_release(str(dist), cwd=str(tmp_path))) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[", "not JSON"),
        ("{}", "expected goreleaser's list"),
        ("[1]", "entry 0 is not an object"),
        ('[{"type": "Binary"}]', "entry 0 has no 'path' string"),
        ('[{"type": "Checksum", "path": "x"}]', "lists no artifact of type Binary"),
    ],
)
def test_bad_listings_are_errors(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "artifacts.json").write_text(content)
    with pytest.raises(GoreleaserError, match=message):
        read_release(str(tmp_path))
