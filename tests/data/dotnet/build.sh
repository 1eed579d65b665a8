#!/usr/bin/env bash
# Build the .NET assemblies of this set with Mono's C# compiler (Debian: mono-mcs), take two real ones from the
# pinned clr_loader wheel, and record the truth (record.py). Rebuild: bash tests/data/dotnet/build.sh
# Needs: mcs (mono-mcs), pedump (mono-utils), llvm-readobj (llvm), file, pip.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p bin
# -deterministic: no timestamp or MVID from the clock, so the bytes are the same on every run of this mcs.
mcs -deterministic -platform:anycpu -out:bin/hello-anycpu.exe src/hello.cs
mcs -deterministic -platform:x86 -out:bin/hello-x86.exe src/hello.cs
mcs -deterministic -platform:x64 -target:library -out:bin/hellolib-x64.dll src/hello.cs
# clr_loader 0.2.6 (pythonnet's loader) ships ClrLoader.dll, a mixed-mode assembly (no ILONLY) with native exports.
wheel_dir=$(mktemp -d)
python -m pip download -q --no-deps --only-binary=:all: clr_loader==0.2.6 -d "$wheel_dir"
for arch in amd64 x86; do
  python - "$wheel_dir"/clr_loader-0.2.6-py3-none-any.whl "$arch" <<'PY'
import sys, zipfile
wheel, arch = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    data = archive.read(f"clr_loader/ffi/dlls/{arch}/ClrLoader.dll")
open(f"bin/clr_loader-0.2.6-{arch}-ClrLoader.dll", "wb").write(data)
PY
done
rm -rf "$wheel_dir"
python record.py > manifest.json
