"""`--goreleaser DIR` on a release of a cgo C shared library (tests/data/goreleaser-cshared, make_release.py).

goreleaser lists a `buildmode: c-shared` build as type "C Shared Library", not "Binary": such entries were neither
checked nor counted (a dist with only them was a usage error). The library's facts come from readelf, recorded in
the manifest; linkguard must check it as the shared library readelf says it is.
"""

from __future__ import annotations

import hashlib
import json
import os

from tests.conftest import DATA, run_json

SET = DATA / "goreleaser-cshared"
DIST = SET / "project" / "dist"
MANIFEST = json.loads((SET / "manifest.json").read_text())
[LIBRARY] = MANIFEST["libraries"]


def test_the_fixture_is_what_the_manifest_says() -> None:
    assert json.loads((DIST / "artifacts.json").read_text()) == MANIFEST["artifacts_json_entries"]
    data = (SET / LIBRARY["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == LIBRARY["sha256"]
    listed = [e for e in MANIFEST["artifacts_json_entries"] if e["type"] == "C Shared Library"]
    assert [e["path"] for e in listed] == [LIBRARY["file"].removeprefix("project/")]
    # readelf's facts: a shared object (no interpreter) that needs libc.so.6, up to GLIBC_2.34.
    assert LIBRARY["readelf"]["type"] == "DYN" and LIBRARY["readelf"]["interpreter"] is None
    assert LIBRARY["readelf"]["needed"] == ["libc.so.6"]
    assert LIBRARY["readelf"]["max_versions"] == {"GLIBC": "2.34"}


def test_a_c_shared_library_listed_by_goreleaser_is_checked_and_counted() -> None:
    code, report = run_json(["--goreleaser", str(DIST)])
    path = os.path.relpath(SET / LIBRARY["file"])
    [artifact] = report["artifacts"]
    assert artifact["path"] == path
    assert artifact["format"] == "elf"
    assert artifact["needed"] == LIBRARY["readelf"]["needed"]
    assert artifact["max_versions"] == LIBRARY["readelf"]["max_versions"]
    assert artifact["interpreter"] is None and artifact["type"] == "DYN"
    assert [f["code"] for f in artifact["findings"]] == ["LG101"]  # a shared library: needs libc.so.6
    assert report["summary"]["artifacts"] == 1 and report["summary"]["skipped"] == 0  # the header is not listed
    assert code == 1
