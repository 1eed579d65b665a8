"""Archives read in place: every type and every hostile case, against the independent truth in the manifest.

Truth: member listings from `tar -tvf`, `unzip -Z`, `dpkg-deb -c` (recorded by tests/data/archives/build.py) and the
`readelf` facts of the committed ELF file that the build script put in each member.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from linkguard.config import Policy
from linkguard.inputs import archives, images, streams
from linkguard.limits import ArchiveLimits
from linkguard.model import ArtifactReport, Report, Skipped
from linkguard.scan import scan
from tests.truth import require_module

DATA = Path(__file__).resolve().parents[1] / "data" / "archives"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
RECORDS = {record["file"]: record for record in MANIFEST["archives"]}
ELF = MANIFEST["elf"]


DEFAULT_LIMITS = ArchiveLimits()


def run(*names: str, limits: ArchiveLimits = DEFAULT_LIMITS, jobs: int = 1) -> Report:
    # allow_empty: these tests look at what an archive yields; a run that meets no executable is LG902's own test
    return scan([str(DATA / n) for n in names], Policy(archives=limits, jobs=jobs, allow_empty=True))


def members(report: Report, name: str) -> Dict[str, List[ArtifactReport]]:
    """Artifact reports by member path (the part after `<archive>!`)."""
    prefix = str(DATA / name) + "!"
    out: Dict[str, List[ArtifactReport]] = {}
    for artifact in report.artifacts:
        if artifact.path.startswith(prefix):
            out.setdefault(artifact.path[len(prefix) :], []).append(artifact)
    return out


def elf_members(report: Report, name: str) -> Dict[str, ArtifactReport]:
    found = {}
    for path, reports in members(report, name).items():
        elf = [r for r in reports if r.format == "elf"]
        assert len(elf) <= 1, path
        if elf:
            found[path] = elf[0]
    return found


def problems(report: Report, path: str) -> List[str]:
    return [a.problem.reason for a in report.artifacts if a.path == path and a.problem is not None]


def assert_matches_readelf(artifact: ArtifactReport, elf_file: str) -> None:
    truth = ELF[elf_file]["truth"]
    facts = artifact.facts
    assert facts is not None, artifact
    assert facts.linkage == truth["linkage"]
    assert facts.interpreter == truth["interpreter"]
    assert list(facts.needed) == truth["needed"]
    assert facts.type == truth["type"]


def listed_files(record: Dict[str, Any]) -> Dict[str, str]:
    """{normalised member name: type letter} of the non-directory entries in the independent listing."""
    return {
        images.normalize(m["name"]): m["type"]
        for m in record["listing"]
        if m["type"] != "d" and not m["name"].endswith("/")
    }


# ------------------------------------------------------------------------------------------- formats

RELEASES = ["release.tar", "release.tar.gz", "release.tar.bz2", "release.tar.xz", "release.zip"]


@pytest.mark.parametrize("name", RELEASES)
def test_release_archive_members_match_listing_and_readelf(name: str) -> None:
    record = RECORDS[name]
    report = run(name)
    found = elf_members(report, name)
    assert set(found) == set(record["elf_members"])
    for member, elf_file in record["elf_members"].items():
        assert_matches_readelf(found[member], elf_file)
    # Every non-directory entry of the listing is accounted for: inspected or skipped with a reason.
    prefix = str(DATA / name) + "!"
    entries = list(
        archives.expand(
            str(DATA / name),
            str(DATA / name),
            (DATA / name).stat().st_size,
            archives.sniff_archive((DATA / name).read_bytes()[:512]) or "?",
            ArchiveLimits(),
            lambda a: None,
        )
    )
    skipped = {s.path[len(prefix) :]: s.reason for s in entries if isinstance(s, Skipped)}
    listing = listed_files(record)
    assert set(found) | set(skipped) == set(listing)
    for member, kind in listing.items():
        if kind == "l":
            assert "symbolic link" in skipped[member] and "not followed" in skipped[member]
    assert all(a.location == str(DATA / name) for a in report.artifacts)  # annotations point at the archive


def test_zstd_tarball_with_the_optional_module() -> None:
    require_module("zstandard", reason="optional zstandard module not installed (pip install .[zstd])")
    record = RECORDS["release.tar.zst"]
    found = elf_members(run("release.tar.zst"), "release.tar.zst")
    assert set(found) == set(record["elf_members"])
    for member, elf_file in record["elf_members"].items():
        assert_matches_readelf(found[member], elf_file)


def test_zstd_tarball_without_the_module_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)  # import fails as if not installed
    report = run("release.tar.zst")
    [reason] = problems(report, str(DATA / "release.tar.zst"))
    assert "zstandard module is not installed" in reason
    assert report.totals.failed  # unknown is not clean


def test_wheel_is_a_zip_recognised_by_magic() -> None:
    name = "spex-1.0-py3-none-manylinux_2_17_x86_64.whl"
    found = elf_members(run(name), name)
    assert set(found) == {"spex/_native.so"} == set(RECORDS[name]["elf_members"])
    assert_matches_readelf(found["spex/_native.so"], "bin/libspex.so")


def test_archive_detected_by_magic_not_name(tmp_path: Path) -> None:
    disguised = tmp_path / "release.bin"
    shutil.copyfile(DATA / "release.tar.xz", disguised)
    report = scan([str(disguised)], Policy(jobs=1))
    assert {a.path for a in report.artifacts} == {f"{disguised}!{m}" for m in RECORDS["release.tar.xz"]["elf_members"]}


def test_single_compressed_binary() -> None:
    name = "spex-linux-amd64.gz"
    found = elf_members(run(name), name)
    assert set(found) == {"spex-linux-amd64"}
    assert_matches_readelf(found["spex-linux-amd64"], "bin/spex-dynamic")


def test_deb_data_members_and_control_skipped() -> None:
    name = "spex_1.0_amd64.deb"
    record = RECORDS[name]
    assert record["ar_members"][:1] == ["debian-binary"]
    data = next(m for m in record["ar_members"] if m.startswith("data.tar"))
    control = next(m for m in record["ar_members"] if m.startswith("control.tar"))
    report = run(name)
    found = elf_members(report, name)
    expected = {f"{data}!{images.normalize(k)}": v for k, v in record["elf_members"].items()}
    assert set(found) == set(expected)
    for member, elf_file in expected.items():
        assert_matches_readelf(found[member], elf_file)
    [control_skip] = [s for s in report.skipped if s.path == f"{DATA / name}!{control}"]
    assert "control" in control_skip.reason


def test_nested_archives_are_followed() -> None:
    name = "nested.tar.gz"
    report = run(name)
    found = elf_members(report, name)
    expected = {}
    for inner, source in RECORDS[name]["nested"].items():
        for member, elf_file in RECORDS[source]["elf_members"].items():
            expected[f"{inner}!{member}"] = elf_file
    assert set(found) == set(expected)
    for member, elf_file in expected.items():
        assert_matches_readelf(found[member], elf_file)


def test_depth_limit_is_a_finding_naming_the_limit() -> None:
    chain = RECORDS["deep.tar"]["chain"]  # l2.tar, l3.tar, l4.tar, spex
    report = run("deep.tar")
    stopped = "!".join([str(DATA / "deep.tar"), *chain[:3]])
    [reason] = problems(report, stopped)
    assert "archive-depth limit 3" in reason
    assert not any(a.format == "elf" for a in report.artifacts)
    deeper = run("deep.tar", limits=ArchiveLimits(max_depth=4))
    found = elf_members(deeper, "deep.tar")
    assert set(found) == {"!".join(chain)}
    assert_matches_readelf(found["!".join(chain)], "bin/spex-dynamic")


# ------------------------------------------------------------------------------------------- images


@pytest.mark.parametrize("name", ["image-docker.tar", "image-oci.tar"])
def test_image_layers_in_order_with_whiteouts(name: str) -> None:
    record = RECORDS[name]
    report = run(name)
    found = elf_members(report, name)
    top = record["layers"][-1]
    # Only the final filesystem is reported: the deleted, hidden and replaced files of the base layer are not.
    assert set(found) == {f"{top}!{path}" for path in record["expected_visible"]}
    for path, elf_file in record["expected_visible"].items():
        assert_matches_readelf(found[f"{top}!{path}"], elf_file)
    base = record["layers"][0]
    assert not any(p.startswith(f"{base}!usr/bin/") for p in members(report, name))
    assert not any(s.path.endswith((".wh.gone", ".wh..wh..opq")) for s in report.skipped)


def test_image_base_layer_really_holds_the_deleted_files() -> None:
    """The whiteout test means something only if the base layer has those files (per `tar -tvf`)."""
    base_listing, top_listing = RECORDS["image-docker.tar"]["layer_listings"]
    base_names = {m["name"] for m in base_listing}
    assert {"usr/bin/gone", "opt/app/old", "usr/bin/spex"} <= base_names
    top_names = {m["name"] for m in top_listing}
    assert {"usr/bin/.wh.gone", "opt/app/.wh..wh..opq"} <= top_names


def test_layers_are_visible_semantics() -> None:
    from linkguard.inputs.images import Layer, visible

    base, middle, top = Layer(), Layer(), Layer()
    for path in ("a/x", "a/y", "b/z", "c"):
        base.record(path, False)
        base.add(path, f"base:{path}")
    middle.record("a/.wh.x", False)
    middle.record("b/.wh..wh..opq", False)
    middle.record("b/new", False)
    middle.add("b/new", "middle:b/new")
    top.record("c", False)
    top.add("c", "top:c")
    assert list(visible([base, middle, top])) == ["base:a/y", "middle:b/new", "top:c"]


# ------------------------------------------------------------------------------------------- hostile


def test_traversal_names_are_findings_and_content_is_still_checked() -> None:
    name = "hostile-traversal.tar"
    record = RECORDS[name]
    listed = {m["name"] for m in record["listing"]}
    report = run(name)
    for raw, defect in record["expect_problems"].items():
        assert any(raw.lstrip("/") in n for n in listed)  # tar -tvf shows it (GNU tar strips the leading /)
        path = f"{DATA / name}!{images.normalize(raw)}"
        [reason] = problems(report, path)
        assert defect in reason and raw in reason
        [elf] = [a for a in report.artifacts if a.path == path and a.format == "elf"]
        assert_matches_readelf(elf, record["elf_members"][raw])


def test_duplicate_names_every_copy_checked() -> None:
    name = "hostile-duplicate.tar"
    record = RECORDS[name]
    assert [m["name"] for m in record["listing"]] == ["bin/spex", "bin/spex"]
    report = run(name)
    path = f"{DATA / name}!bin/spex"
    [reason] = problems(report, path)
    assert "duplicate member name" in reason
    copies = [a for a in report.artifacts if a.path == path and a.format == "elf"]
    assert len(copies) == 2
    for copy, elf_file in zip(copies, record["duplicates"]["bin/spex"]):
        assert_matches_readelf(copy, elf_file)


def test_zip_traversal_and_duplicates() -> None:
    name = "hostile-names.zip"
    report = run(name)
    assert any("parent-directory" in r for r in problems(report, f"{DATA / name}!../escape/spex"))
    assert any("duplicate member name" in r for r in problems(report, f"{DATA / name}!bin/spex"))
    assert len([a for a in report.artifacts if a.path == f"{DATA / name}!bin/spex" and a.format == "elf"]) == 2


def test_encrypted_zip_member() -> None:
    name = "hostile-encrypted.zip"
    assert all(m["encrypted"] for m in RECORDS[name]["listing"])  # zipinfo says so
    [reason] = problems(run(name), f"{DATA / name}!spex/bin/spex")
    assert "encrypted" in reason


@pytest.mark.parametrize("name", ["hostile-bomb.tar.gz", "hostile-bomb.zip"])
def test_decompression_bomb_ratio(name: str) -> None:
    report = run(name)
    [reason] = problems(report, str(DATA / name))
    assert "archive-ratio limit 200 exceeded" in reason
    relaxed = run(name, limits=ArchiveLimits(max_ratio=100_000))
    assert not problems(relaxed, str(DATA / name))


def test_decompression_absolute_cap() -> None:
    name = "hostile-bomb.tar.gz"
    report = run(name, limits=ArchiveLimits(max_ratio=100_000, max_total_bytes=4 << 20))
    [reason] = problems(report, str(DATA / name))
    assert f"archive-bytes limit {4 << 20} exceeded" in reason


def test_zip_absolute_cap() -> None:
    name = "hostile-bomb.zip"
    [reason] = problems(run(name, limits=ArchiveLimits(max_ratio=100_000, max_total_bytes=1 << 20)), str(DATA / name))
    assert "archive-bytes limit" in reason


def test_member_count_limit() -> None:
    name = "hostile-many.tar.gz"
    assert RECORDS[name]["member_count"] == 5000
    report = run(name, limits=ArchiveLimits(max_members=1000))
    [reason] = problems(report, str(DATA / name))
    assert "archive-members limit 1000 exceeded" in reason
    # The archive failed: it is reported as that LG901, never also as "skipped" for the members it did read.
    assert [s for s in report.skipped if s.path == str(DATA / name)] == []
    assert not problems(run(name), str(DATA / name))


def test_zip_member_count_limit() -> None:
    name = "release.zip"
    [reason] = problems(run(name, limits=ArchiveLimits(max_members=2)), str(DATA / name))
    assert "archive-members limit 2 exceeded" in reason


def test_member_bytes_limit() -> None:
    name = "release.tar.gz"
    limit = 15000  # between the sizes of spex-dynamic (14480) and spex-static (17808), per the manifest's files
    sizes = {m["name"]: m["size"] for m in RECORDS[name]["listing"]}
    assert sizes["spex/bin/spex"] < limit < sizes["spex/bin/spex-static"]
    report = run(name, limits=ArchiveLimits(max_member_bytes=limit))
    [reason] = problems(report, f"{DATA / name}!spex/bin/spex-static")
    assert f"member-bytes limit {limit} exceeded" in reason
    assert elf_members(report, name)["spex/bin/spex"].facts is not None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hostile-truncated.tar.gz", "truncated gzip stream"),
        ("hostile-corrupt.tar.gz", "corrupt gzip stream"),
        ("hostile-truncated.tar", "truncated tar member"),
        ("hostile-truncated.zip", "corrupt zip archive"),
    ],
)
def test_truncated_and_corrupt_streams(name: str, expected: str) -> None:
    record = RECORDS[name]
    if "gzip_test" in record:
        assert record["gzip_test"]  # `gzip -t` complained about it when it was built
    report = run(name)
    # One LG901: on the archive, or on the member inside which the archive ends (nothing after it is reachable).
    reasons = [a.problem.reason for a in report.artifacts if a.path.startswith(str(DATA / name)) and a.problem]
    assert len(reasons) == 1 and expected in reasons[0], reasons
    assert report.totals.failed


def test_every_hostile_fixture_fails_the_run_and_nothing_raises() -> None:
    names = sorted(n for n in RECORDS if n.startswith("hostile-"))
    report = run(*names, limits=ArchiveLimits(max_members=1000))  # hostile-many is hostile beyond 1000
    for name in names:
        assert any(a.path.startswith(str(DATA / name)) and a.findings for a in report.artifacts), name


def test_big_members_behind_a_decompressor_use_bounded_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Members above the in-memory threshold are read through ReplayStream: same facts, bounded memory."""
    monkeypatch.setattr(streams, "IN_MEMORY", 1024)
    monkeypatch.setattr(streams.ReplayStream, "CHUNK", 4096)
    monkeypatch.setattr(streams.ReplayStream, "HEAD", 4096)
    monkeypatch.setattr(streams.ReplayStream, "WINDOW", 8192)
    for name in ("release.tar.xz", "nested.tar.gz"):
        small = {p: a.facts for p, a in elf_members(run(name), name).items()}
        assert small
    record = RECORDS["release.tar.xz"]
    found = elf_members(run("release.tar.xz"), "release.tar.xz")
    for member, elf_file in record["elf_members"].items():
        assert_matches_readelf(found[member], elf_file)


# ------------------------------------------------------------------------------------------- streams


class _Counter(streams.Source):
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)
        self.opens = 0

    def open(self) -> Any:
        import io

        self.opens += 1
        return io.BytesIO(self.data)


def test_replay_stream_random_reads_match_and_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    monkeypatch.setattr(streams.ReplayStream, "CHUNK", 1000)
    monkeypatch.setattr(streams.ReplayStream, "HEAD", 3000)
    monkeypatch.setattr(streams.ReplayStream, "WINDOW", 5000)
    monkeypatch.setattr(streams.ReplayStream, "MAX_RESTARTS", 10_000)
    data = bytes(random.Random(1).getrandbits(8) for _ in range(50_000))
    source = _Counter(data)
    stream = streams.ReplayStream(source, len(data))
    rng = random.Random(2)
    for _ in range(300):
        offset, size = rng.randrange(0, 52_000), rng.randrange(0, 3000)
        stream.seek(offset)
        assert stream.read(size) == data[offset : offset + size]
        cached = len(stream._pinned) + len(stream._recent)
        assert cached <= 3 + 5  # HEAD/CHUNK pinned + WINDOW/CHUNK recent
    assert source.opens == stream.restarts + 1


def test_replay_stream_head_and_tail_reads_need_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ELF access pattern (headers, then the end, then back to the start) decompresses once."""
    monkeypatch.setattr(streams.ReplayStream, "CHUNK", 1000)
    monkeypatch.setattr(streams.ReplayStream, "HEAD", 3000)
    monkeypatch.setattr(streams.ReplayStream, "WINDOW", 5000)
    data = bytes(range(256)) * 200
    source = _Counter(data)
    stream = streams.ReplayStream(source, len(data))
    for offset, size in ((0, 64), (64, 500), (len(data) - 2000, 2000), (100, 200), (len(data) - 3900, 100)):
        stream.seek(offset)
        assert stream.read(size) == data[offset : offset + size]
    assert source.opens == 1


def test_the_ratio_is_the_whole_streams_when_its_size_is_known() -> None:
    """A run of repeated data early in a stream is no bomb when the whole stream's ratio is within the limit (Debian
    12's libjs-moment-timezone data.tar.xz: 223 MB from 1.25 MB, 178:1, tripped the check on its first 18 MB).
    Here 20 MiB of zeros and then 150 KB of random bytes, xz-compressed: about 130:1 overall, thousands to one over
    the zeros. With the compressed size known the stream reads to its end; without it (a stream inside a stream),
    the bytes consumed so far are all there is to compare with, and the run is refused as before."""
    import lzma
    import random

    payload = b"\0" * (20 << 20) + random.Random(7).randbytes(150_000)
    blob = lzma.compress(payload, preset=6)
    assert 100 < len(payload) / len(blob) < 200
    source = streams.DecodedSource(_Counter(blob), "xz", ArchiveLimits(), "x.xz")
    with source.open() as stream:
        assert sum(len(chunk) for chunk in iter(lambda: stream.read(1 << 20), b"")) == len(payload)
    unsized = _Counter(blob)
    unsized.size = None  # type: ignore[assignment]
    source = streams.DecodedSource(unsized, "xz", ArchiveLimits(), "x.xz")
    with source.open() as stream, pytest.raises(streams.ArchiveError, match="archive-ratio limit 200"):
        while stream.read(1 << 20):
            pass


def test_metered_stream_names_the_limit() -> None:
    import gzip
    import io

    blob = gzip.compress(b"\0" * (8 << 20))
    source = streams.DecodedSource(_Counter(blob), "gzip", ArchiveLimits(), "x.gz")
    with source.open() as stream, pytest.raises(streams.ArchiveError, match="archive-ratio limit 200") as caught:
        while stream.read(1 << 16):
            pass
    assert caught.value.owner == "x.gz"
    assert isinstance(io.BytesIO(), io.IOBase)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"\xfd7zXZ\x00\x00", "xz"),
        (b"\x28\xb5\x2f\xfd\x00", "zstd"),
        (b"BZh91AY&SY", "bzip2"),
        (b"PK\x03\x04", "zip"),
        (b"!<arch>\ndebian-binary", "ar"),
        (b"\x7fELF\x02\x01\x01", None),
        (b"BZh9not-bzip", None),
        (b"", None),
    ],
)
def test_sniff_archive(head: bytes, kind: str) -> None:
    assert archives.sniff_archive(head) == kind


def test_sniff_plain_tar_from_listing_fixture() -> None:
    head = (DATA / "release.tar").read_bytes()[:512]
    assert archives.sniff_archive(head) == "tar"


@pytest.mark.parametrize(
    ("name", "reason"),
    [("../x", "parent"), ("a/../../x", "parent"), ("/etc/x", "absolute"), ("C:\\x", "absolute"), ("a/b", None)],
)
def test_unsafe_reason(name: str, reason: str) -> None:
    got = archives.unsafe_reason(name)
    assert (got is None) if reason is None else (reason in (got or ""))


def test_safe_name_escapes_control_characters() -> None:
    assert archives.safe_name("a\nb\x1b") == "a\\nb\\x1b"
    assert archives.safe_name("ok/é") == "ok/é"
    assert archives.safe_name("bad\udcff") == "bad\\xff"


def test_static_library_ar_is_skipped(tmp_path: Path) -> None:
    lib = tmp_path / "libx.a"
    lib.write_bytes(b"!<arch>\n" + b"x.o/            0           0     0     644     4         `\n" + b"\x7fELF")
    report = scan([str(lib)], Policy(jobs=1, allow_empty=True))
    assert not report.artifacts
    assert [s.reason for s in report.skipped] == [
        "ar archive that is not a Debian package (a static library?); not opened"
    ]


def test_excluded_members_are_not_inspected() -> None:
    policy = replace(Policy(jobs=1), exclude=("*/libspex.so",))
    report = scan([str(DATA / "release.tar.gz")], policy)
    paths: List[Tuple[str, str]] = [(s.path, s.reason) for s in report.skipped]
    assert (f"{DATA / 'release.tar.gz'}!spex/lib/libspex.so", "excluded by configuration") in paths
    assert all(not a.path.endswith("libspex.so") for a in report.artifacts)
    assert isinstance(report.skipped[0], Skipped)
