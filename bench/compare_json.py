"""Compare two linkguard JSON reports of the same tree: facts and verdicts per path must be identical.

    python bench/compare_json.py before.json after.json

What may differ, and is counted apart rather than failing:
- keys in DOCUMENTED_ADDITIONS (added by later versions, e.g. `alias_of`);
- the prose of findings (message, cause, fix, evidence lines): the reporters' to improve; codes, rules, severities
  and the remedy chosen must stay;
- PE and Mach-O files (and archive members) that an ELF-only version skipped as "not an ELF file": artifacts now
  (or LG901 where their headers cannot be read, e.g. a PE debug file without section data), and the archive
  summaries whose not-ELF member counts dropped by exactly the number of such members.
Prints up to 20 differing paths; exits 1 on any other difference.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Dict, List

DOCUMENTED_ADDITIONS = ("alias_of",)
PROSE = ("message", "cause", "fix", "evidence", "remedy_evidence")


def _artifacts(report: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    out = {}
    for entry in report["artifacts"]:
        out[entry["path"]] = {k: v for k, v in entry.items() if k not in DOCUMENTED_ADDITIONS}
    return out


def _verdict(entry: Dict[str, Any]) -> Dict[str, Any]:
    """An artifact's facts and findings without the findings' prose."""
    findings = [{k: v for k, v in f.items() if k not in PROSE} for f in entry.get("findings", [])]
    return {**{k: v for k, v in entry.items() if k != "findings"}, "findings": findings}


def _native(entry: Dict[str, Any]) -> bool:
    """A PE or Mach-O artifact, or one that announced itself as PE/Mach-O and could not be read (LG901)."""
    if entry.get("format") in ("pe", "macho"):
        return True
    reason = (entry.get("problem") or {}).get("reason", "")
    return entry.get("format") == "unreadable" and ("PE" in reason or "Mach-O" in reason)


def _was_not_elf(path: str, skipped_old: Dict[str, str]) -> bool:
    if "!" not in path:
        return skipped_old.get(path) == "not an ELF file"
    reason = skipped_old.get(path.split("!", 1)[0], "")
    return "not ELF files" in reason or "not an ELF file" in reason


def _not_elf_members(reason: object) -> int:
    match = re.match(r"archive: (\d+) members? (?:is|are) not", str(reason or ""))
    return int(match.group(1)) if match else 0


def main(before_path: str, after_path: str) -> int:
    with open(before_path, encoding="utf-8") as handle:
        before = json.load(handle)
    with open(after_path, encoding="utf-8") as handle:
        after = json.load(handle)
    old, new = _artifacts(before), _artifacts(after)
    skipped_old = {s["path"]: s["reason"] for s in before.get("skipped_files", [])}
    skipped_new = {s["path"]: s["reason"] for s in after.get("skipped_files", [])}

    changed = [path for path in old if path in new and old[path] != new[path]]
    differing = [path for path in changed if _verdict(old[path]) != _verdict(new[path])]
    reworded = len(changed) - len(differing)
    missing = [path for path in old if path not in new]
    native = [path for path in new if path not in old and _native(new[path]) and _was_not_elf(path, skipped_old)]
    extra = [path for path in new if path not in old and path not in native]
    now_read: Dict[str, int] = {}
    for path in native:
        if "!" in path:
            archive = path.split("!", 1)[0]
            now_read[archive] = now_read.get(archive, 0) + 1
    skipped_diff = [
        path
        for path, reason in skipped_old.items()
        if skipped_new.get(path) != reason
        and path not in native
        and not (
            now_read.get(path) and _not_elf_members(reason) - _not_elf_members(skipped_new.get(path)) == now_read[path]
        )
    ]
    print(
        f"artifacts: {len(old)} before, {len(new)} after; facts or verdicts differ: {len(differing)}; "
        f"missing: {len(missing)}; unexplained extra: {len(extra)}; skipped entries differing: {len(skipped_diff)}"
    )
    print(
        f"documented: {reworded} differ in the findings' wording only; {len(native)} PE/Mach-O files or members "
        f"are artifacts now (skipped as not ELF before)"
    )
    shown: List[str] = (differing + missing + extra + skipped_diff)[:20]
    for path in shown:
        print("  ", path)
        if path in old and path in new:
            a, b = _verdict(old[path]), _verdict(new[path])
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    print(f"      {key}: {str(a.get(key))[:160]} -> {str(b.get(key))[:160]}")
        elif path in skipped_old:
            print(f"      skipped: {skipped_old[path]!r} -> {skipped_new.get(path)!r}")
    return 1 if differing or missing or extra or skipped_diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
