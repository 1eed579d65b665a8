"""Generate the manylinux and musllinux named bases (src/linkguard/data/bases/) from auditwheel's own policies.

Usage: python tests/data/targets/policy_bases.py          (needs `pip install auditwheel`)
       python tests/data/targets/policy_bases.py record   (auditwheel's verdict on each probe: auditwheel-runs.json)

A `manylinux_X_Y` base is what the policy of that name promises a wheel may use, as auditwheel defines it
(auditwheel/policy/manylinux-policy.json): the libraries of its `lib_whitelist`, each defining the versions
of `symbol_versions` for the architecture whose prefix that library carries (GLIBC_ for glibc's libraries,
GLIBCXX_ and CXXABI_ for libstdc++, GCC_ for libgcc_s, ZLIB_ for libz, LIBATOMIC_ for libatomic), laid out as the
manylinux images lay them out (/lib64, no multiarch directories, glibc's loader /lib64/ld-linux-x86-64.so.2 or
/lib/ld-linux-aarch64.so.1). auditwheel checks versions per prefix, not per library; so does this data, so that a
verdict on a named policy agrees with auditwheel's. `musllinux_1_X` is musl's loader (which is libc.so itself) and
the policy's libraries. Written for x86_64 (`manylinux_2_28`) and aarch64 (`manylinux_2_28_aarch64`);
a legacy alias (`manylinux2014`) names the same data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List

OUT = Path(__file__).resolve().parents[2].parent / "src" / "linkguard" / "data" / "bases"
ARCHES = {
    "x86_64": ("x86_64", "/lib64/ld-linux-x86-64.so.2", "/lib64"),
    "aarch64": ("aarch64", "/lib/ld-linux-aarch64.so.1", "/lib64"),
}
MUSL_LOADER = {"x86_64": "/lib/ld-musl-x86_64.so.1", "aarch64": "/lib/ld-musl-aarch64.so.1"}
GLIBC_LIBS = (
    "libc.so.6",
    "libm.so.6",
    "libmvec.so.1",
    "libanl.so.1",
    "libdl.so.2",
    "librt.so.1",
    "libnsl.so.1",
    "libutil.so.1",
    "libpthread.so.0",
    "libresolv.so.2",
    "libcrypt.so.1",
)
PREFIXES = {
    "libstdc++.so.6": ("GLIBCXX", "CXXABI"),
    "libgcc_s.so.1": ("GCC",),
    "libz.so.1": ("ZLIB",),
    "libatomic.so.1": ("LIBATOMIC",),
}


def versions_for(library: str, symbol_versions: Dict[str, List[str]]) -> List[str]:
    prefixes = ("GLIBC",) if library in GLIBC_LIBS else PREFIXES.get(library, ())
    return [f"{p}_{v}" for p in prefixes for v in symbol_versions.get(p, [])]


def manylinux(policy: Dict[str, Any], arch: str, source: str) -> Dict[str, Any]:
    machine, loader, libdir = ARCHES[arch]
    symbols = policy["symbol_versions"][arch]
    objects: Dict[str, Any] = {
        loader: {
            "machine": machine,
            "bits": 64,
            "soname": loader.rsplit("/", 1)[1],
            "needed": [],
            "version_defs": versions_for("libc.so.6", symbols),
            "package": source,
        },
    }
    for library in policy["lib_whitelist"]:
        objects[f"{libdir}/{library}"] = {
            "machine": machine,
            "bits": 64,
            "soname": library,
            "needed": [],
            "version_defs": [library, *versions_for(library, symbols)],
            "package": source,
        }
    return {"cpu": machine, "loaders": [loader], "multiarch": False, "links": {}, "objects": objects, "ld_so_cache": []}


def musllinux(policy: Dict[str, Any], arch: str, source: str) -> Dict[str, Any]:
    machine = ARCHES[arch][0]
    loader = MUSL_LOADER[arch]
    objects = {
        loader: {
            "machine": machine,
            "bits": 64,
            "soname": "libc.so",
            "needed": [],
            "version_defs": [],
            "package": source,
        }
    }
    for library in policy["lib_whitelist"]:
        if library != "libc.so":  # musl's loader answers libc.so itself
            objects[f"/lib/{library}"] = {
                "machine": machine,
                "bits": 64,
                "soname": library,
                "needed": [],
                "version_defs": [],
                "package": source,
            }
    return {"cpu": machine, "loaders": [loader], "multiarch": False, "links": {}, "objects": objects, "ld_so_cache": []}


PROBES = (
    "/bin/hello-gcc",
    "/bin/hello-glibc217",
    "/bin/mathpow-gcc",
    "/bin/mathpow-glibc217",
    "/bin/strl-glibc238",
    "/bin/cxx-gxx",
    "/bin/crypt-gcc",
    "/bin/gocgo",
    "/bin/hello-musl",
)
RUNS = Path(__file__).resolve().parent / "auditwheel-runs.json"


def wheel_of(program: Path, folder: Path) -> Path:
    """A minimal wheel holding `program` (tagged linux_x86_64): what `auditwheel show` judges."""
    import zipfile

    wheel = folder / f"probe-0.0-py3-none-linux_{'x86_64'}.whl"
    files = {
        "probe/prog": program.read_bytes(),
        "probe-0.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: probe\nVersion: 0.0\n",
        "probe-0.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: linkguard-tests\nRoot-Is-Purelib: false\n"
        b"Tag: py3-none-linux_x86_64\n",
    }
    record = "".join(f"{name},,\n" for name in [*files, "probe-0.0.dist-info/RECORD"])
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            archive.writestr(info, data)
        archive.writestr("probe-0.0.dist-info/RECORD", record)
    return wheel


def auditwheel_tag(program: Path) -> str:
    """The platform tag `auditwheel show` says the probe is consistent with (`linux_x86_64` when none)."""
    import re
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            ["auditwheel", "show", str(wheel_of(program, Path(scratch)))], capture_output=True, text=True
        )
    text = " ".join(done.stdout.split())
    found = re.search(r'is consistent with the following platform tag: "([^"]+)"', text)
    return found.group(1) if found else f"unrecognised: {text[:200]}"


def record() -> int:
    from importlib.metadata import version

    payload = Path(__file__).resolve().parent / "payload"
    runs = {probe: auditwheel_tag(payload / probe.lstrip("/")) for probe in PROBES}
    document = {"tool": f"auditwheel {version('auditwheel')} show", "tags": runs}
    RUNS.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(f"wrote {RUNS}")
    return 0


def main() -> int:
    if sys.argv[1:] == ["record"]:
        return record()
    from importlib.metadata import version

    import auditwheel

    folder = Path(auditwheel.__file__).parent / "policy"
    written = 0
    for kind, build in (("manylinux", manylinux), ("musllinux", musllinux)):
        for policy in json.loads((folder / f"{kind}-policy.json").read_text()):
            if policy["name"] == "linux":
                continue
            for arch in ARCHES:
                if arch not in policy["symbol_versions"]:
                    continue
                source = f"auditwheel {version('auditwheel')} {kind}-policy.json ({policy['name']}, {arch})"
                data = build(policy, arch, source)
                for name in [policy["name"], *policy.get("aliases", [])]:
                    full = name if arch == "x86_64" else f"{name}_{arch}"
                    data.update(
                        {
                            "name": full,
                            "description": f"the {policy['name']} policy ({arch}) as auditwheel defines it",
                            "source": {"generated_by": "tests/data/targets/policy_bases.py", "policy": source},
                        }
                    )
                    (OUT / f"{full}.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
                    written += 1
    print(f"wrote {written} bases into {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
