"""The independent tools' truth about the package corpus: what record.py writes into manifest.json and what
tests/unit/test_packages_manifest_truth.py re-checks. Never imports linkguard (nor pyelftools): every fact here is
a tool's own output, parsed as little as possible.

Tools and what each one says:
  auditwheel show --json WHEEL             Linux wheels: overall/sym tag, versioned symbols, external libraries
  abi3audit --report WHEEL                 abi3 wheels: each extension's abi3 verdict and non-abi3 symbols
  delvewheel show WHEEL                    Windows wheels: DLLs it would bundle / assumes present (or its refusal)
  readelf -h / -d / -l / --dyn-syms        ELF: machine, NEEDED, RPATH, RUNPATH, SONAME, PT_INTERP, host exports
  llvm-readobj --file-headers / --coff-imports / --coff-exports   PE: machine, imports, delay imports, exports
  llvm-objdump --macho --dylibs-used --private-headers --arch=all Mach-O per slice: cputype, dylibs, rpaths, minos
  llvm-nm --extern-only --defined-only --arch=all                  Mach-O: host exports (PyInit_*, napi_...)
  file -b                                  every binary: its one-line description
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

# First bytes of the executables in a package: ELF, PE (MZ), Mach-O thin (both byte orders, 32/64) and fat.
EXECUTABLE_MAGIC = (
    b"\x7fELF",
    b"MZ",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)

# The Python distributions whose command-line tools give truth here (pinned in .ci/run).
PYTHON_TOOLS = ("auditwheel", "abi3audit", "delvewheel")

# Exports that tell which host loads a module (the CPython and Node.js entry points).
HOST_EXPORT = re.compile(r"^(PyInit_\w+|napi_register_module_v\d+|node_register_module_v\d+)$")
# Imports that only Node.js defines (an addon registering itself from a constructor exports no entry point).
HOST_IMPORT = re.compile(r"^(napi_\w+|node_module_register)$")


def node_imports(path: Path) -> int:
    """How many undefined external symbols of the binary (every slice) only Node.js defines: `llvm-nm
    --extern-only --undefined-only` (`-D` for an ELF's dynamic symbols; Mach-O's leading underscore dropped)."""
    elf = path.read_bytes()[:4] == b"\x7fELF"
    args = ["llvm-nm", "--extern-only", "--undefined-only"] + (["-D"] if elf else ["--arch=all"]) + [str(path)]
    # One name a line ("U name" or the bare name, as llvm-nm prints them); "<file> (for architecture x):" heads.
    names = {line.split()[-1] for line in tool(args).splitlines() if line.strip() and not line.endswith(":")}
    names = {name[1:] if not elf and name.startswith("_") else name for name in names}
    return sum(1 for name in names if HOST_IMPORT.match(name.split("@")[0]))


def tool(args: List[str], cwd: Optional[Path] = None) -> str:
    """stdout of a tool that must succeed."""
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=True, timeout=300).stdout


def tool_any(args: List[str], cwd: Optional[Path] = None) -> Tuple[int, str, str]:
    """(exit status, stdout, stderr) of a tool that may refuse."""
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def format_of(data: bytes) -> Optional[str]:
    if data.startswith(b"\x7fELF"):
        return "elf"
    if data.startswith(b"MZ"):
        return "pe"
    if data.startswith(EXECUTABLE_MAGIC):
        return "macho"
    return None


def package_files(path: Path) -> Dict[str, bytes]:
    """Every regular file of a wheel (zip) or npm tarball, by its path inside the package file."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    files: Dict[str, bytes] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                files[member.name] = handle.read()
    return files


def extract(path: Path, into: Path) -> Dict[str, Path]:
    """Write every file of the package under `into`; return the executables' paths by member name."""
    binaries: Dict[str, Path] = {}
    for name, data in package_files(path).items():
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if format_of(data):
            binaries[name] = target
    return binaries


# ------------------------------------------------------------------ per binary


def elf_truth(path: Path) -> Dict[str, Any]:
    header = tool(["readelf", "-h", "-W", str(path)])
    dynamic = tool(["readelf", "-d", "-W", str(path)])
    program = tool(["readelf", "-l", "-W", str(path)])
    machine = re.search(r"^\s*Machine:\s*(.+)$", header, re.M)
    interp = re.search(r"\[Requesting program interpreter: (.+)\]", program)

    def entries(tag: str) -> List[str]:
        return re.findall(r"\(" + tag + r"\)\s+[^\[]*\[(.*)\]", dynamic)

    symbols = tool(["readelf", "--dyn-syms", "-W", str(path)])
    # Defined dynamic symbols (Ndx not UND), without their @version suffix.
    defined = re.findall(r"^\s*\d+: \S+\s+\d+\s+\S+\s+\S+\s+\S+\s+(?!UND)\S+\s+([^@\s]+)", symbols, re.M)
    return {
        "readelf_machine": machine.group(1).strip() if machine else None,
        "interpreter": interp.group(1) if interp else None,
        "needed": entries("NEEDED"),
        "soname": (entries("SONAME") or [None])[0],
        "rpath": entries("RPATH"),
        "runpath": entries("RUNPATH"),
        "host_exports": sorted({name for name in defined if HOST_EXPORT.match(name)}),
        "node_imports": node_imports(path),
    }


def pe_truth(path: Path) -> Dict[str, Any]:
    headers = tool(["llvm-readobj", "--file-headers", str(path)])
    imports = tool(["llvm-readobj", "--coff-imports", str(path)])
    exports = tool(["llvm-readobj", "--coff-exports", str(path)])
    machine = re.search(r"^\s*Machine: (\S+)", headers, re.M)
    exported = re.findall(r"^\s*Name: (\S+)$", exports, re.M)
    return {
        "machine": machine.group(1) if machine else None,
        "imports": re.findall(r"^Import \{\n\s*Name: (.+)$", imports, re.M),
        "delay_imports": re.findall(r"^DelayImport \{\n\s*Name: (.+)$", imports, re.M),
        # Only the host entry points are listed (a DLL such as geos exports thousands of names); the count says
        # how many there are in all (a node-gyp addon may export none: it registers from a constructor).
        "exports": len(exported),
        "host_exports": sorted(name for name in exported if HOST_EXPORT.match(name)),
    }


_LOAD_COMMANDS = ("LC_LOAD_DYLIB", "LC_LOAD_WEAK_DYLIB", "LC_REEXPORT_DYLIB", "LC_LOAD_UPWARD_DYLIB")


def macho_truth(path: Path) -> Dict[str, Any]:
    """Per slice, from llvm-objdump's load commands: architecture, filetype, id, dylibs, rpaths, minos, sdk."""
    text = tool(["llvm-objdump", "--macho", "--dylibs-used", "--private-headers", "--arch=all", str(path)])
    slices: List[Dict[str, Any]] = []
    # A fat file prints "<path> (architecture X):" before each slice; a thin one prints "<path>:" once.
    parts = re.split(r"^\S.*?(?: \(architecture (\S+)\))?:\n", text, flags=re.M)
    for arch, body in zip(parts[1::2], parts[2::2]):
        if "Load command" not in body:
            continue
        header = re.search(r"^\s*MH_MAGIC\S*\s+(\S+)\s+\S+\s+\S+\s+(\S+)", body, re.M)
        commands = re.split(r"^Load command \d+\n", body, flags=re.M)[1:]
        dylibs: List[str] = []
        rpaths: List[str] = []
        install_name = None
        minos = sdk = None
        for command in commands:
            kind = re.search(r"^\s*cmd (\S+)", command, re.M)
            name = re.search(r"^\s*(?:name|path) (.+) \(offset \d+\)", command, re.M)
            if kind is None:
                continue
            if kind.group(1) in _LOAD_COMMANDS and name:
                dylibs.append(name.group(1))
            elif kind.group(1) == "LC_ID_DYLIB" and name:
                install_name = name.group(1)
            elif kind.group(1) == "LC_RPATH" and name:
                rpaths.append(name.group(1))
            elif kind.group(1) == "LC_BUILD_VERSION":
                minos = re.search(r"^\s*minos (\S+)", command, re.M).group(1)  # type: ignore[union-attr]
                sdk = re.search(r"^\s*sdk (\S+)", command, re.M).group(1)  # type: ignore[union-attr]
            elif kind.group(1) == "LC_VERSION_MIN_MACOSX":
                minos = re.search(r"^\s*version (\S+)", command, re.M).group(1)  # type: ignore[union-attr]
                sdk = re.search(r"^\s*sdk (\S+)", command, re.M).group(1)  # type: ignore[union-attr]
        slices.append(
            {
                "arch": arch or (header.group(1).lower() if header else None),
                "cputype": header.group(1) if header else None,
                "filetype": header.group(2) if header else None,
                "install_name": install_name,
                "dylibs": dylibs,
                "rpaths": rpaths,
                "minos": minos,
                "sdk": sdk,
            }
        )
    # Exported entry points (C names: Mach-O prefixes an underscore), over all slices.
    symbols = tool(["llvm-nm", "--extern-only", "--defined-only", "--arch=all", str(path)])
    names = {name[1:] for name in re.findall(r"^\S+ [A-Z] (\S+)$", symbols, re.M) if name.startswith("_")}
    return {
        "slices": slices,
        "host_exports": sorted(name for name in names if HOST_EXPORT.match(name)),
        "node_imports": node_imports(path),
    }


def binary_truth(path: Path) -> Dict[str, Any]:
    fmt = format_of(path.read_bytes()[:8])
    facts: Dict[str, Any] = {"format": fmt, "file": tool(["file", "-b", str(path)]).strip()}
    if fmt == "elf":
        facts.update(elf_truth(path))
    elif fmt == "pe":
        facts.update(pe_truth(path))
    elif fmt == "macho":
        facts.update(macho_truth(path))
    return facts


# ------------------------------------------------------------------ per package


def auditwheel_truth(wheel: Path) -> Dict[str, Any]:
    """`auditwheel show --json` as auditwheel prints it (run from the wheel's folder: it echoes the name)."""
    return json.loads(tool(["auditwheel", "show", "--json", wheel.name], cwd=wheel.parent))  # type: ignore[no-any-return]


def abi3audit_truth(wheel: Path) -> Dict[str, Any]:
    """abi3audit's JSON report for one wheel: the per-extension results (its exit status says 'violations')."""
    status, out, _ = tool_any(["abi3audit", "--report", wheel.name], cwd=wheel.parent)
    report = json.loads(out)
    return {"exit_status": status, "results": report["specs"][wheel.name]["wheel"]}


def delvewheel_truth(wheel: Path) -> Dict[str, Any]:
    """`delvewheel show`: the DLLs it would copy in and those it assumes present, or the line it refuses with."""
    status, out, err = tool_any(["delvewheel", "show", wheel.name], cwd=wheel.parent)
    lines = [line.rstrip() for line in (out + err).splitlines()]
    copied: List[str] = []
    assumed: List[str] = []
    current: Optional[List[str]] = None
    refusal = None
    for line in lines:
        if line.startswith("The following DLLs will be copied"):
            current = copied
        elif line.startswith("The following DLLs are assumed to be present"):
            current = assumed
        elif "has already repaired this wheel" in line:
            refusal = line.strip()
        elif line.startswith("    ") and current is not None and line.strip() != "None":
            current.append(line.strip())
        elif not line.strip():
            continue
        elif not line.startswith("Analyzing"):
            current = None
    return {"exit_status": status, "copied": copied, "assumed_present": assumed, "refusal": refusal}


def wheel_tags(files: Dict[str, bytes]) -> List[str]:
    """WHEEL's `Tag:` lines."""
    wheel = next(data for name, data in files.items() if name.endswith(".dist-info/WHEEL"))
    return [line[4:].strip() for line in wheel.decode().splitlines() if line.startswith("Tag:")]


def npm_declared(files: Dict[str, bytes]) -> Dict[str, Any]:
    manifest = json.loads(files["package/package.json"])
    return {key: manifest.get(key) for key in ("name", "version", "os", "cpu", "libc")}


def file_list(files: Dict[str, bytes]) -> List[str]:
    return sorted(files)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def dumps(document: Any) -> str:
    buffer = io.StringIO()
    json.dump(document, buffer, indent=1, ensure_ascii=False)
    return buffer.getvalue() + "\n"
