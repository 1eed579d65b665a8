"""The target root filesystems of tests/data/targets, built once per test session from Debian's packages.

Building needs apt-get (with a reachable Debian mirror) and dpkg-deb; a host without them skips the tests that
judge against a root (missing(): a failure under LINKGUARD_REQUIRE_TOOLS=1, where .ci/run builds them first).
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict

from tests.truth import load_module, missing

TARGETS = Path(__file__).resolve().parent / "data" / "targets"


def runs() -> Dict[str, Any]:
    """runs.json: per root, per probe, the exit status and the loader's first stderr line, recorded by chroot."""
    return dict(json.loads((TARGETS / "runs.json").read_text())["roots"])


@functools.cache
def _builder() -> Any:
    return load_module("linkguard_test_roots", TARGETS / "roots.py")


@functools.cache
def root(name: str) -> Path:
    """The root filesystem `name`, built (or found built) and holding the probes; missing() when it cannot be."""
    builder = _builder()
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            missing(f"{tool} is not installed: cannot build the target root {name} from Debian's packages")
    dest = builder.default_dest()
    try:
        dest.mkdir(parents=True, exist_ok=True)
        path = builder.build_root(name, dest)
    except (subprocess.CalledProcessError, OSError, SystemExit) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        text = detail.decode(errors="replace")[-300:] if isinstance(detail, bytes) else str(detail)[-300:]
        missing(f"cannot build the target root {name} from Debian's packages ({exc}; {text.strip()})")
    builder.place_payload(path)
    return Path(path)


def image_runs() -> Dict[str, Any]:
    """image-runs.json: per image, its config, entrypoint and every probe run in its materialised filesystem."""
    return dict(json.loads((TARGETS / "image-runs.json").read_text())["images"])


@functools.cache
def image(name: str) -> Path:
    """The docker-save tarball of image `name` (images.py), built from its root; missing() when it cannot be."""
    root(str(load_module("linkguard_test_images", TARGETS / "images.py").IMAGES[name][0]))
    builder = load_module("linkguard_test_images", TARGETS / "images.py")
    return Path(builder.build(name))
