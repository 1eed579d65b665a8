"""Vendor auditwheel's manylinux and musllinux policies into src/linkguard/data/wheel_policies.json.

Usage: python tools/wheel_policies.py            (needs `pip install auditwheel==6.8.2`)
       python tools/wheel_policies.py --check    (exit 1 when the vendored file differs from the installed auditwheel)

The policies are auditwheel's own data (auditwheel/policy/manylinux-policy.json and musllinux-policy.json): per
policy its name, legacy aliases, priority (a higher priority is an older, more portable policy), the library
whitelist, the symbol versions per prefix and architecture, and the blacklisted symbols per library. They are copied
unchanged (the generic `linux` entry included), with the auditwheel version they came from, so that
`packages/tags.py` judges a wheel's tag as auditwheel does without importing auditwheel at run time.
tests/unit/test_tags_policies.py compares this file with the installed auditwheel in CI. The named bases of
`--target manylinux_*` (src/linkguard/data/bases/) are generated from the same source by
tests/data/targets/policy_bases.py: they model a root filesystem, this file the policy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict

OUT = Path(__file__).resolve().parents[1] / "src" / "linkguard" / "data" / "wheel_policies.json"


def from_auditwheel() -> Dict[str, Any]:
    """The document this tool writes, built from the installed auditwheel."""
    from importlib.metadata import version

    import auditwheel

    folder = Path(auditwheel.__file__).parent / "policy"
    return {
        "source": {
            "generated_by": "tools/wheel_policies.py",
            "auditwheel": version("auditwheel"),
            "files": ["auditwheel/policy/manylinux-policy.json", "auditwheel/policy/musllinux-policy.json"],
        },
        "manylinux": json.loads((folder / "manylinux-policy.json").read_text()),
        "musllinux": json.loads((folder / "musllinux-policy.json").read_text()),
    }


def render(document: Dict[str, Any]) -> str:
    return json.dumps(document, indent=None, sort_keys=True, separators=(",", ":")) + "\n"


def main(argv: list[str]) -> int:
    text = render(from_auditwheel())
    if argv == ["--check"]:
        same = OUT.read_text() == text
        print("up to date" if same else f"{OUT} differs from the installed auditwheel: re-run tools/wheel_policies.py")
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
