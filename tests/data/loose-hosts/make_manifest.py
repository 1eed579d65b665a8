"""Write manifest.json for the loose-host fixtures with truth from independent tools only (run by build.sh).

Per file: its build command (build-log.jsonl), sha256 and the literal output lines of
- Mach-O: `llvm-nm -u`, `llvm-objdump --macho --exports-trie`, `--lazy-bind` and `--dylibs-used`;
- ELF: `readelf -d` NEEDED, `nm -D --defined-only`, `auditwheel show` of a manylinux_2_17 wheel holding the module
  alone (auditwheel names the libraries a manylinux wheel must eliminate) and what Debian's python3.11 prints
  importing the module.
The hand-written fields are INTENT's: what the source means (the host, the verdict linkguard must give); main()
checks each against the tools' lines, so intent and truth cannot drift apart.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
EMBED = "bin/linux/embed/embedmod.cpython-311-x86_64-linux-gnu.so"
FIXED = "bin/linux/fixed/embedmod.cpython-311-x86_64-linux-gnu.so"
ADDON_WHY = "registers from a constructor (napi_module_register): exports no napi_register_module_v1"

# file -> the host that loads it, the verdict linkguard must give alone (`expect`), why the fixture exists
INTENT: Dict[str, Dict[str, Any]] = {
    "bin/macos/looseaddon-aarch64.node": {"host": "node", "expect": [], "why": ADDON_WHY},
    "bin/macos/looseaddon-x86_64.node": {"host": "node", "expect": [], "why": ADDON_WHY},
    EMBED: {
        "host": "cpython",
        "expect": [{"rule": "LG101", "remedy": "extension-libpython", "with_allow_dynamic": True}],
        "why": "linked with `python3-config --ldflags --embed`: needs libpython3.11.so.1.0, which auditwheel "
        "says a manylinux wheel must eliminate",
    },
    FIXED: {
        "host": "cpython",
        "expect": [],  # with --allow-dynamic (a loose plug-in); without it LG101 `shared-library`, as any .so alone
        "why": "the fix linkguard gives: `python3-config --ldflags` without --embed; auditwheel finds nothing to "
        "eliminate and Debian's python3.11 imports it",
    },
}


def run(args: List[str], check: bool = True) -> List[str]:
    out = subprocess.run(args, capture_output=True, text=True, check=check, cwd=HERE)
    return [line.rstrip() for line in (out.stdout + out.stderr).splitlines() if line.strip()]


def macho_truth(path: str) -> Dict[str, Any]:
    undefined = run(["llvm-nm", "-u", path])
    trie = run(["llvm-objdump", "--macho", "--exports-trie", path])
    lazy = run(["llvm-objdump", "--macho", "--lazy-bind", path])
    used = run(["llvm-objdump", "--macho", "--dylibs-used", path])
    return {
        "llvm_nm_u": undefined,
        "exports_trie": trie,
        "lazy_bind": lazy,
        "dylibs_used": used,
        "exports": [line.split()[-1] for line in trie if line.startswith("0x")],
        "flat_namespace": [line.split()[-1] for line in lazy if " flat-namespace " in line],
        "dylibs": [line.strip().split(" (")[0] for line in used[1:]],
    }


def wheel_around(module: Path, directory: str) -> Path:
    """A minimal manylinux_2_17 wheel holding only `module` (PEP 427: WHEEL, METADATA, RECORD)."""
    tag = "cp311-cp311-manylinux_2_17_x86_64"
    out = Path(directory) / f"embedmod-1.0-{tag}.whl"
    dist = "embedmod-1.0.dist-info"
    files = {
        module.name: module.read_bytes(),
        f"{dist}/METADATA": b"Metadata-Version: 2.1\nName: embedmod\nVersion: 1.0\n",
        f"{dist}/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n".encode(),
    }
    record = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
        archive.writestr(f"{dist}/RECORD", "\n".join([*record, f"{dist}/RECORD,,"]) + "\n")
    return out


def elf_truth(path: str) -> Dict[str, Any]:
    nm = run(["nm", "-D", "--defined-only", path])
    needed = [m.group(1) for line in run(["readelf", "-d", path]) if (m := re.search(r"\(NEEDED\).*\[(.*)\]", line))]
    readelf = _elffacts().readelf_facts(str(HERE / path))  # readelf -hlWd, as tests/data/remedies records it
    assert readelf["needed"] == needed
    with tempfile.TemporaryDirectory() as work:
        show = run(["auditwheel", "show", str(wheel_around(HERE / path, work))])
    show = show[1:]  # the first line names the temporary wheel's path
    eliminate = sorted({line.strip() for i, line in enumerate(show) if i and "eliminated" in show[i - 1]})
    imported = run(
        [
            "/usr/bin/python3.11",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import embedmod; print(embedmod.answer())",
            str((HERE / path).parent),
        ],
        check=False,
    )
    return {
        **{key: readelf[key] for key in ("type", "interpreter", "linkage", "max_versions")},
        "nm_defined": nm,
        "exports": [line.split()[-1] for line in nm],
        "needed": needed,
        "auditwheel_show": show,
        "auditwheel_eliminate": eliminate,
        "python3_11_import": imported,
    }


def _elffacts() -> Any:
    spec = importlib.util.spec_from_file_location("lg_fixture_elffacts", HERE.parent / "upx" / "elffacts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    builds = {}
    for line in (HERE / "build-log.jsonl").read_text().splitlines():
        record = json.loads(line)
        builds[record["file"]] = record["build"]
    assert set(builds) == set(INTENT), "build.sh and INTENT list different files"
    fixtures = []
    for file, intent in INTENT.items():
        path = HERE / file
        if file.startswith("bin/macos/"):
            truth = macho_truth(file)
            undefined = [s for s in truth["llvm_nm_u"] if s.startswith("_napi_")]
            assert undefined and not [e for e in truth["exports"] if "napi_register_module" in e], file
            assert set(undefined) <= set(truth["flat_namespace"]), f"{file}: napi_* not bound flat"
        else:
            truth = elf_truth(file)
            assert "PyInit_embedmod" in truth["exports"], file
            assert ("libpython3.11.so.1.0" in truth["auditwheel_eliminate"]) == (file == EMBED), truth
            assert truth["python3_11_import"] == ["42"], truth
        fixtures.append(
            {
                "file": file,
                "build": builds[file],
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                **intent,
                "truth": truth,
            }
        )
    tools = {
        "zig": run(["python3", "-m", "ziglang", "version"])[0],
        "gcc": run(["gcc", "--version"])[0],
        "llvm-objdump": next(line.strip() for line in run(["llvm-objdump", "--version"]) if "LLVM version" in line),
        "nm": run(["nm", "--version"])[0],
        "auditwheel": run(["auditwheel", "--version"])[0].split(" installed")[0],
        "python3-config": run(["/usr/bin/python3.11", "--version"])[0] + " (Debian python3-dev)",
    }
    manifest = {
        "generated_by": "tests/data/loose-hosts/build.sh + make_manifest.py",
        "tools": tools,
        "fixtures": fixtures,
    }
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
