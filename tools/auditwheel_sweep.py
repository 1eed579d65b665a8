"""LG106 against `auditwheel show` on every manylinux wheel found under some directories: a held-out check.

Usage: python tools/auditwheel_sweep.py OUT.jsonl DIR [DIR ...]   (needs `pip install auditwheel==6.8.2`)

For each `*manylinux*.whl` (smallest first; a wheel already in OUT.jsonl is skipped, so a sweep can be resumed):
- auditwheel's verdict: `auditwheel show` prints the most portable policy the wheel is consistent with; the wheel
  keeps its promise when every platform tag of its file name is that policy or a newer one (a lower priority in
  auditwheel's own manylinux-policy.json). A wheel auditwheel calls no platform wheel has no verdict.
- linkguard's: no LG106 finding on any member (`python -m linkguard --no-config -f json WHEEL`, this checkout's
  src/).
One JSON line per wheel; the summary at the end counts agreements and lists every disagreement. Nothing here
imports linkguard: both verdicts come from the tools' output.

Run on 300 wheels of a local mirror (2026-12-08): 268 consistent and 29 inconsistent by both, 3 that auditwheel
calls no platform wheel, no disagreement after one fix (docs/packages-truth.md).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
ARCH = re.compile(r"_(x86_64|aarch64|i686|ppc64le|s390x|armv7l)$")
CONSISTENT = re.compile(r'consistent with the following platform tag:\s+"([^"]+)"')


def priorities() -> Dict[str, int]:
    import auditwheel  # the installed one: its policy file is the truth

    policies = json.loads((Path(auditwheel.__file__).parent / "policy" / "manylinux-policy.json").read_text())
    found: Dict[str, int] = {}
    for policy in policies:
        for name in [policy["name"], *policy.get("aliases", [])]:
            found[name] = policy["priority"]
    return found


def auditwheel_verdict(wheel: Path, priority: Dict[str, int]) -> Dict[str, Any]:
    try:
        shown = subprocess.run(["auditwheel", "show", str(wheel)], capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return {"overall": None, "keeps_promise": None, "note": "auditwheel show timed out"}
    match = CONSISTENT.search(" ".join(shown.stdout.split()))
    if match is None:
        return {"overall": None, "keeps_promise": None, "note": " ".join((shown.stdout + shown.stderr).split())[-300:]}
    overall = priority.get(ARCH.sub("", match.group(1)), 0)
    declared = [ARCH.sub("", tag) for tag in wheel.name[: -len(".whl")].split("-")[-1].split(".")]
    return {"overall": match.group(1), "keeps_promise": all(priority.get(t, -1) <= overall for t in declared)}


def linkguard_verdict(wheel: Path) -> Dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    run = subprocess.run(
        [sys.executable, "-m", "linkguard", "--no-config", "-q", "-f", "json", str(wheel)],
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        return {"keeps_promise": None, "lg106": [], "note": f"linkguard exited {run.returncode}: {run.stderr[-300:]}"}
    lg106 = [
        [artifact["path"].split("!", 1)[-1], finding.get("remedy"), finding["message"][:200]]
        for artifact in report["artifacts"]
        for finding in artifact["findings"]
        if finding["code"] == "LG106"
    ]
    return {"keeps_promise": not lg106, "lg106": lg106[:5]}


def main(argv: List[str]) -> int:
    if len(argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    out = Path(argv[0])
    done = {json.loads(line)["wheel"] for line in out.read_text().splitlines()} if out.exists() else set()
    wheels = sorted(
        {w for d in argv[1:] for w in Path(d).rglob("*.whl") if "manylinux" in w.name and w.name not in done},
        key=lambda w: w.stat().st_size,
    )
    priority = priorities()
    with out.open("a") as sink:
        for wheel in wheels:
            row: Dict[str, Any] = {"wheel": wheel.name, "auditwheel": auditwheel_verdict(wheel, priority)}
            row["linkguard"] = linkguard_verdict(wheel)
            sink.write(json.dumps(row) + "\n")
            sink.flush()
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    judged = [r for r in rows if r["auditwheel"]["keeps_promise"] is not None]
    apart: List[Optional[Dict[str, Any]]] = [
        r for r in judged if r["auditwheel"]["keeps_promise"] != r["linkguard"]["keeps_promise"]
    ]
    print(f"{len(rows)} wheels, {len(judged)} with auditwheel's verdict, {len(judged) - len(apart)} agree")
    for row in apart:
        print(json.dumps(row))
    return 1 if apart else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
