#!/usr/bin/env python3
"""The CPU one executable costs a worker, split by phase (read, place, judge), measured in-process.

    PYTHONPATH=src python bench/executable_cost.py                     # the artifacts of the tree's report
    PYTHONPATH=src python bench/executable_cost.py --profile 30        # and the top 30 of a cProfile (CPU clock)
    PYTHONPATH=src python bench/executable_cost.py --check             # and compare each artifact's JSON entry

The artifacts are those of a `--no-archives` JSON report of the benchmark tree (`--report`; made by this script with
the linkguard under test when the file does not exist yet, read once). Each file is read as
scan.py's `_check_file` reads it (read_artifact on the open file, then its placement, then judge); an alias (a
symlink or hard link to a file met before) is only placed and judged on its primary's facts, as scan.py's
`_alias_outcomes` does. `--check` renders every outcome as the JSON reporter does and compares it with the report's
entry: the figures are only worth something while the output is the same. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from dataclasses import replace
from typing import Any, Dict, List

TREE = ["/usr/bin", "/usr/lib", "/usr/libexec", "/usr/sbin"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", default="/tmp/linkguard-bench/tree-noarch.json")
    parser.add_argument("--profile", type=int, metavar="N", help="print the top N functions by cumulative CPU")
    parser.add_argument("--sort", default="tottime", help="pstats sort key for --profile")
    parser.add_argument("--check", action="store_true", help="compare every outcome with the report's entry")
    parser.add_argument("--repeat", type=int, default=1, help="passes over the files; each phase's least is shown")
    args = parser.parse_args()

    from linkguard import scan
    from linkguard.config import Policy
    from linkguard.inputs.files import FileArtifact
    from linkguard.readers import deadline, read_artifact
    from linkguard.report.json import artifact_dict

    if not os.path.exists(args.report):
        import subprocess

        print(f"making {args.report} (a --no-archives JSON report of the tree)", file=sys.stderr)
        os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
        command = [sys.executable, "-m", "linkguard", "--no-config", "-q", "--no-archives", "-f", "json"]
        subprocess.run([*command, "-o", args.report, *TREE], check=False)  # exit status 1: the tree has findings
    with open(args.report, encoding="utf-8") as handle:
        entries: List[Dict[str, Any]] = json.load(handle)["artifacts"]
    entries = [e for e in entries if e["format"] in ("elf", "pe")]
    policy = replace(Policy(), open_archives=False, jobs=1)

    def root_of(path: str) -> str:
        return next((r for r in TREE if path.startswith(r + "/")), "")

    clock = time.process_time
    # One artifact first, untimed: the lazy imports of the readers, rules and remedies are paid once per worker.
    warm = entries[0]
    with open(warm["location"], "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        warm_artifact = FileArtifact(warm["path"], warm["location"], size, root=root_of(warm["path"]))
        inspection = read_artifact(scan._Opened(warm_artifact, handle), policy.limits)
    scan.judge(warm["path"], warm["location"], inspection, policy, scan._placement(warm_artifact, inspection, policy))
    best = {"read": float("inf"), "place": float("inf"), "judge": float("inf")}
    mismatched = 0
    profiler = cProfile.Profile(clock) if args.profile else None
    for _ in range(args.repeat):
        spent = {"read": 0.0, "place": 0.0, "judge": 0.0}
        facts: Dict[str, Any] = {}
        if profiler is not None:
            profiler.enable()
        for entry in entries:
            path, location = entry["path"], entry["location"]
            artifact = FileArtifact(path, location, os.stat(location).st_size, root=root_of(path))
            primary = entry["alias_of"]
            t0 = clock()
            with deadline(policy.limits.seconds):  # as _check_file arms it: the readers' own then costs nothing
                if primary is None:
                    with open(location, "rb") as handle:
                        inspection = read_artifact(scan._Opened(artifact, handle), policy.limits)
                    facts[path] = inspection
                else:
                    inspection = facts[primary]
                t1 = clock()
                placement = scan._placement(artifact, inspection, policy)
                t2 = clock()
                report = scan.judge(path, location, inspection, policy, placement)
            if primary is not None:
                report = replace(report, alias_of=primary)
            t3 = clock()
            spent["read"] += t1 - t0
            spent["place"] += t2 - t1
            spent["judge"] += t3 - t2
            if args.check and json.loads(json.dumps(artifact_dict(report))) != entry:
                mismatched += 1
                if mismatched <= 3:
                    print(f"differs: {path}", file=sys.stderr)
        if profiler is not None:
            profiler.disable()
        best = {phase: min(best[phase], spent[phase]) for phase in best}
    spent = best
    total = sum(spent.values())
    count = len(entries)
    print(f"{count} executables ({sum(1 for e in entries if e['alias_of'] is None)} read)")
    for phase, seconds in spent.items():
        print(f"  {phase:6} {seconds:7.3f} s  {seconds / count * 1e6:7.1f} us/executable")
    print(f"  total  {total:7.3f} s  {total / count * 1e6:7.1f} us/executable")
    if args.check:
        print(f"  {mismatched} differ from the report" if mismatched else "  all identical to the report")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
