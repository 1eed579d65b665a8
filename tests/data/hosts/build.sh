#!/usr/bin/env bash
# Build the host fixtures (extension modules and addons whose host is known) from src/, then record the
# truth (make_manifest.py). Needs: gcc and Debian python3-dev (/usr/include/python3.11, libpython3.11.so),
# `python3 -m ziglang` (PyPI ziglang 0.17.1), llvm-dlltool (Debian llvm), npm (node-api-headers@1.9.0), and for
# the truth nm (binutils), delvewheel 1.13.2 (PyPI), llvm-readobj and llvm-objdump (Debian llvm).
# Windows import libraries are made from the .def files in src/ (python312.dll, python3.dll, vcruntime140*.dll,
# msvcp140.dll) and from node-api-headers' own def/node_api.def (which names NODE.EXE), as a linker would get
# them from the SDK or node-gyp: the DLL names in the fixtures' import tables are real.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
PY=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DLLTOOL=$(command -v llvm-dlltool || command -v llvm-dlltool-14)
PYINC=/usr/include/python3.11

(cd "$WORK" && npm pack --silent node-api-headers@1.9.0 >/dev/null && tar xzf node-api-headers-1.9.0.tgz)
NAPI=$WORK/package
for def in python38 python312 python3 vcruntime140 vcruntime140_1 msvcp140 libdep; do
    "$DLLTOOL" -m i386:x86-64 -d "src/$def.def" -l "$WORK/$def.lib"
done
"$DLLTOOL" -m i386:x86-64 -d "$NAPI/def/node_api.def" -l "$WORK/node.lib"

rm -rf bin
mkdir -p bin/linux bin/windows bin/macos
: > build-log.jsonl
ZCC="$PY -m ziglang cc -Os -s"
WIN="$ZCC -target x86_64-windows-gnu -shared"
MINGW="x86_64-w64-mingw32-gcc -O2 -s -shared -Wl,--no-insert-timestamp"
LINUX="gcc -O2 -s -shared -fPIC"

# fx FILE "COMMAND": run it, and log the command with $WORK and $NAPI left unexpanded (build-log.jsonl)
fx() {
    echo "== $1"
    bash -c "$2"
    "$PY" -c 'import json, sys; print(json.dumps({"file": sys.argv[1], "build": sys.argv[2]}))' "$1" "$2" >> build-log.jsonl
}
export WORK NAPI PY

# Linux (gcc, Debian python3-dev)
fx bin/linux/hostmod.cpython-311-x86_64-linux-gnu.so \
   "$LINUX -I$PYINC -o bin/linux/hostmod.cpython-311-x86_64-linux-gnu.so src/hostmod.c"
fx bin/linux/linkspython.cpython-311-x86_64-linux-gnu.so \
   "$LINUX -I$PYINC -o bin/linux/linkspython.cpython-311-x86_64-linux-gnu.so src/hostmod.c -L/usr/lib/x86_64-linux-gnu -lpython3.11"
fx bin/linux/addon.node "$LINUX -I\$NAPI/include -o bin/linux/addon.node src/addon.c"
fx bin/linux/noinit.cpython-311-x86_64-linux-gnu.so \
   "$LINUX -D'__declspec(x)=' -DNO_INIT -o bin/linux/noinit.cpython-311-x86_64-linux-gnu.so src/winmod.c"

# Windows (zig cc x86_64-windows-gnu: the UCRT; MinGW-w64 gcc: msvcrt.dll)
VC="-DWITH_VCRUNTIME \$WORK/vcruntime140.lib \$WORK/vcruntime140_1.lib"
fx bin/windows/winmod.cp312-win_amd64.pyd "$WIN -o bin/windows/winmod.cp312-win_amd64.pyd src/winmod.c \$WORK/python312.lib $VC"
fx bin/windows/winmod.pyd "$WIN -o bin/windows/winmod.pyd src/winmod.c \$WORK/python3.lib $VC"
fx bin/windows/winmod_msvcp.cp312-win_amd64.pyd \
   "$WIN -o bin/windows/winmod_msvcp.cp312-win_amd64.pyd src/winmod.c \$WORK/python312.lib $VC -DWITH_MSVCP \$WORK/msvcp140.lib"
fx bin/windows/foo.pyd "$WIN -DNO_INIT -o bin/windows/foo.pyd src/winmod.c \$WORK/python312.lib $VC"
fx bin/windows/winmod_mingw.cp38-win_amd64.pyd \
   "$MINGW -o bin/windows/winmod_mingw.cp38-win_amd64.pyd src/winmod.c \$WORK/python38.lib"
fx bin/windows/winmod_mingw.cp312-win_amd64.pyd \
   "$MINGW -o bin/windows/winmod_mingw.cp312-win_amd64.pyd src/winmod.c \$WORK/python312.lib"
fx bin/windows/addon.node "$WIN -I\$NAPI/include -o bin/windows/addon.node src/addon.c \$WORK/node.lib"
fx bin/windows/addon_dep.node \
   "$WIN -I\$NAPI/include -DWITH_DEP -o bin/windows/addon_dep.node src/addon.c \$WORK/node.lib \$WORK/libdep.lib"

# macOS (zig cc, aarch64-macos, -undefined dynamic_lookup)
fx bin/macos/machomod.cpython-312-darwin.so \
   "$PY -m ziglang cc -Os -target aarch64-macos -shared -Wl,-undefined,dynamic_lookup -o bin/macos/machomod.cpython-312-darwin.so src/machomod.c"

# Wheels (make_wheel.py) around the Windows modules, for `delvewheel show` (the truth of what CPython provides, as
# delvewheel 1.13.2 decides it) and one `delvewheel repair` that bundles msvcp140.dll (the fix linkguard gives)
mkdir -p "$WORK/dlls"
$ZCC -target x86_64-windows-gnu -shared -o "$WORK/dlls/msvcp140.dll" src/msvcp140_stub.c
wheel() { # wheel CASE TAG MODULE: bin/wheels/CASE/winmod-1.0-TAG.whl
    mkdir -p "bin/wheels/$1"
    fx "bin/wheels/$1/winmod-1.0-$2.whl" "\$PY make_wheel.py bin/wheels/$1/winmod-1.0-$2.whl $2 $3"
}
wheel cp312 cp312-cp312-win_amd64 bin/windows/winmod.cp312-win_amd64.pyd
wheel abi3 cp39-abi3-win_amd64 bin/windows/winmod.pyd
wheel cp38 cp38-cp38-win_amd64 bin/windows/winmod_mingw.cp38-win_amd64.pyd
wheel msvcp-before cp312-cp312-win_amd64 bin/windows/winmod_msvcp.cp312-win_amd64.pyd
mkdir -p bin/wheels/msvcp-repaired
fx bin/wheels/msvcp-repaired/winmod-1.0-cp312-cp312-win_amd64.whl \
   "delvewheel repair --add-path \$WORK/dlls -w bin/wheels/msvcp-repaired bin/wheels/msvcp-before/winmod-1.0-cp312-cp312-win_amd64.whl"

rm -f bin/*/*.lib bin/*/*.pdb
"$PY" make_manifest.py
