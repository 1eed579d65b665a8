"""Compare two linkguard JSON reports of the same tree: the facts and findings per path must be identical.

    python bench/compare_json.py before.json after.json

Keys listed in DOCUMENTED_ADDITIONS (added by later versions) are ignored; everything else must match, path by
path. Prints the differing paths (at most 20) and exits 1 when there are any.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Dict

DOCUMENTED_ADDITIONS = ("alias_of",)


def _artifacts(report: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    out = {}
    for entry in report["artifacts"]:
        entry = {k: v for k, v in entry.items() if k not in DOCUMENTED_ADDITIONS}
        out[entry["path"]] = entry
    return out


def main(before_path: str, after_path: str) -> int:
    with open(before_path, encoding="utf-8") as handle:
        before = json.load(handle)
    with open(after_path, encoding="utf-8") as handle:
        after = json.load(handle)
    old, new = _artifacts(before), _artifacts(after)
    differing = [path for path in old if path in new and old[path] != new[path]]
    missing = [path for path in old if path not in new]
    extra = [path for path in new if path not in old]
    skipped_old = {s["path"]: s["reason"] for s in before.get("skipped_files", [])}
    skipped_new = {s["path"]: s["reason"] for s in after.get("skipped_files", [])}
    skipped_diff = [p for p in skipped_old if skipped_new.get(p) != skipped_old[p]]
    print(
        f"artifacts: {len(old)} before, {len(new)} after; {len(differing)} differ; {len(missing)} missing; "
        f"{len(extra)} extra; skipped entries differing: {len(skipped_diff)}"
    )
    for path in (differing + missing + extra + skipped_diff)[:20]:
        print("  ", path)
        if path in old and path in new:
            for key in sorted(set(old[path]) | set(new[path])):
                if old[path].get(key) != new[path].get(key):
                    print(f"      {key}: {str(old[path].get(key))[:200]} -> {str(new[path].get(key))[:200]}")
    return 1 if differing or missing or extra or skipped_diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
