#!/usr/bin/env bash
# Build the macOS framework fixtures with zig cc for aarch64-macos (`pip install ziglang`, 0.17.1), then record the
# truth (make_manifest.py: llvm-objdump --macho, zipinfo, and the paths dyld tries by its documented rules).
#   X.framework: Versions/A/X (install name @rpath/X.framework/Versions/A/X), Versions/A/Resources/Info.plist,
#                and Xcode's symlinks Versions/Current -> A, X -> Versions/Current/X, Resources -> Versions/Current/Resources
#   tree/good/App.app         Contents/MacOS/App (LC_RPATH @executable_path/../Frameworks) + Contents/Frameworks/X.framework
#   tree/good.zip             the same app zipped as released apps are (symlinks kept: zip -y, as `ditto -c -k` does)
#   tree/program/             a plain release directory: bin/app (the same program) + Frameworks/X.framework
#   tree/missing/App.app      the app without its Frameworks directory (and tree/missing.zip)
#   tree/wrong-rpath/App.app  the framework shipped, the program linked with LC_RPATH @executable_path/Frameworks
#                             (the iOS layout): dyld looks in Contents/MacOS/Frameworks
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
Z="$PY -m ziglang cc -Os -target aarch64-macos"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
rm -rf tree
: > build-log.jsonl
log() { "$PY" -c 'import json, sys; print(json.dumps({"file": sys.argv[1], "build": sys.argv[2]}))' "$1" "$2" >> build-log.jsonl; }

framework() { # framework DIR: X.framework with its symlinks under DIR
    F=$1/X.framework
    mkdir -p "$F/Versions/A/Resources"
    cp "$WORK/X" "$F/Versions/A/X"
    cp src/X-Info.plist "$F/Versions/A/Resources/Info.plist"
    ln -s A "$F/Versions/Current"
    ln -s Versions/Current/X "$F/X"
    ln -s Versions/Current/Resources "$F/Resources"
}
app() { # app DIR PROGRAM: DIR/App.app with PROGRAM as its executable, no framework yet
    mkdir -p "$1/App.app/Contents/MacOS"
    cp "$2" "$1/App.app/Contents/MacOS/App"
    cp src/App-Info.plist "$1/App.app/Contents/Info.plist"
}
zipped() { # zipped DIR: DIR.zip of DIR/App.app, fixed times, symlinks stored as symlinks
    find "$1" -exec touch -h -d 2026-01-01T00:00:00Z {} +
    (cd "$1" && TZ=UTC zip -qryX "../$(basename "$1").zip" App.app)
}

BUILD_X="$Z -shared -Wl,-install_name,@rpath/X.framework/Versions/A/X -o \$WORK/X src/x.c"
BUILD_APP="$Z -F\$WORK/fw -framework X -Wl,-rpath,@executable_path/../Frameworks -o \$WORK/App src/app.c"
BUILD_WRONG="$Z -F\$WORK/fw -framework X -Wl,-rpath,@executable_path/Frameworks -o \$WORK/App-wrong src/app.c"
export WORK
bash -c "$BUILD_X"
mkdir -p "$WORK/fw" && framework "$WORK/fw"  # what -framework X links against
bash -c "$BUILD_APP"
bash -c "$BUILD_WRONG"

app tree/good "$WORK/App" && mkdir -p tree/good/App.app/Contents/Frameworks && framework tree/good/App.app/Contents/Frameworks
mkdir -p tree/program/bin tree/program/Frameworks && cp "$WORK/App" tree/program/bin/app && framework tree/program/Frameworks
app tree/missing "$WORK/App"
app tree/wrong-rpath "$WORK/App-wrong" && mkdir -p tree/wrong-rpath/App.app/Contents/Frameworks
framework tree/wrong-rpath/App.app/Contents/Frameworks
zipped tree/good
zipped tree/missing
for x in tree/good/App.app/Contents/Frameworks tree/program/Frameworks tree/wrong-rpath/App.app/Contents/Frameworks; do
    log "$x/X.framework/Versions/A/X" "$BUILD_X"
done
for x in tree/good/App.app/Contents/MacOS/App tree/program/bin/app tree/missing/App.app/Contents/MacOS/App; do
    log "$x" "$BUILD_APP"
done
log tree/wrong-rpath/App.app/Contents/MacOS/App "$BUILD_WRONG"
log tree/good.zip "cd tree/good && zip -qryX ../good.zip App.app"
log tree/missing.zip "cd tree/missing && zip -qryX ../missing.zip App.app"
"$PY" make_manifest.py
