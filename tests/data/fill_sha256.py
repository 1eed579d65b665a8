#!/usr/bin/env python3
"""Record the sha256 of every committed fixture in its manifest, so each binary stays tied to its recorded truth.

    python tests/data/fill_sha256.py          # add missing sha256 fields (never changes a recorded one)
    python tests/data/fill_sha256.py --check  # exit 1 if a field is missing or a file no longer matches

Where the hash goes, per manifest shape (all manifest.json files under tests/data and examples/):
  fixtures[] / files[] / archives[]   "file" -> "sha256"; "original_file" -> "original_sha256"
  helpers[]                           "helper" -> "sha256"
  elf{path: {truth}}                  path -> truth["sha256"]          (tests/data/archives)
examples/manifest.json is created here for examples/dist (built by examples/build.sh) when absent.
A changed binary is never re-hashed silently: its builder re-records its truth, then the field is dropped and
filled again. tests/unit/test_sha256_manifest_truth.py checks every field and that every binary is covered.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_ROOTS = (ROOT / "tests" / "data", ROOT / "examples")
EXAMPLES = ROOT / "examples" / "manifest.json"

# (file path relative to the manifest, the dict that holds its hash, the hash's key): one place names where a
# manifest keeps each file's hash.
Slot = Tuple[str, Dict[str, Any], str]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifests() -> List[Path]:
    return sorted(p for root in MANIFEST_ROOTS for p in root.rglob("manifest.json"))


def slots(document: Dict[str, Any]) -> Iterator[Slot]:
    """Every file a manifest describes, with where its hash is kept."""
    for section in ("fixtures", "files", "archives"):
        for record in document.get(section, []):
            yield record["file"], record, "sha256"
            if record.get("original_file"):
                yield record["original_file"], record, "original_sha256"
    for helper in document.get("helpers", []):
        yield helper["helper"], helper, "sha256"
    elf = document.get("elf")
    if isinstance(elf, dict):
        for path, entry in elf.items():
            yield path, entry["truth"], "sha256"


def recorded(manifest: Path) -> Iterator[Tuple[Path, str | None]]:
    """(file, recorded sha256 or None) for every file a manifest describes."""
    document = json.loads(manifest.read_text())
    for relative, holder, hash_key in slots(document):
        yield manifest.parent / relative, holder.get(hash_key)


def is_binary(path: Path) -> bool:
    """A built fixture, as opposed to a source, script or text manifest: has a NUL byte or is not UTF-8."""
    data = path.read_bytes()
    if b"\0" in data:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _insert_after(holder: Dict[str, Any], relative: str, hash_key: str, value: str) -> None:
    """Put the hash right after the key that names its file, so a reader sees the two together."""
    items = list(holder.items())
    at = next((i + 1 for i, (_, v) in enumerate(items) if v == relative), len(items))
    items.insert(at, (hash_key, value))
    holder.clear()
    holder.update(items)


def write(manifest: Path, document: Dict[str, Any]) -> None:
    manifest.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


def ensure_examples() -> None:
    if EXAMPLES.exists():
        return
    dist = sorted(p for p in (EXAMPLES.parent / "dist").iterdir() if p.is_file())
    write(
        EXAMPLES,
        {
            "generated_by": "tests/data/fill_sha256.py",
            "built_by": "examples/build.sh",
            "notes": "the README's example release; its truth (readelf, upx -t) is re-checked by "
            "tests/acceptance/test_examples.py",
            "fixtures": [{"file": str(p.relative_to(EXAMPLES.parent))} for p in dist],
        },
    )


def fill(check: bool) -> List[str]:
    """Add missing hashes (or only report them under check); return the problems found."""
    problems: List[str] = []
    if not check:
        ensure_examples()
    for manifest in manifests():
        document = json.loads(manifest.read_text())
        changed = False
        for relative, holder, hash_key in slots(document):
            path = manifest.parent / relative
            where = f"{manifest.relative_to(ROOT)}: {relative}"
            if not path.is_file():
                problems.append(f"{where}: file missing")
                continue
            actual = sha256(path)
            if holder.get(hash_key) is None:
                if check:
                    problems.append(f"{where}: no {hash_key}")
                else:
                    _insert_after(holder, relative, hash_key, actual)
                    changed = True
            elif holder[hash_key] != actual:
                problems.append(f"{where}: {hash_key} {holder[hash_key]} != {actual} (re-record its truth first)")
        if changed:
            write(manifest, document)
    return problems


def main(argv: List[str]) -> int:
    problems = fill(check="--check" in argv)
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
