"""Write a minimal wheel around one extension module: `python make_wheel.py OUT.whl TAG FILE` puts FILE in package
`winmod/` with an empty `__init__.py`, a METADATA, a WHEEL with `Tag: TAG` and a RECORD (PEP 427), which is all
delvewheel and pip read. Zip timestamps are fixed (1980-01-01) so the same inputs give the same bytes."""

from __future__ import annotations

import base64
import hashlib
import sys
import zipfile
from pathlib import Path


def main(out: str, tag: str, module: str) -> None:
    body = Path(module).read_bytes()
    dist = "winmod-1.0.dist-info"
    files = {
        "winmod/__init__.py": b"",
        f"winmod/{Path(module).name}": body,
        f"{dist}/METADATA": b"Metadata-Version: 2.1\nName: winmod\nVersion: 1.0\n",
        f"{dist}/WHEEL": f"Wheel-Version: 1.0\nGenerator: make_wheel.py\nRoot-Is-Purelib: false\nTag: {tag}\n".encode(),
    }
    record = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
        record.append(f"{dist}/RECORD,,")
        archive.writestr(zipfile.ZipInfo(f"{dist}/RECORD", (1980, 1, 1, 0, 0, 0)), "\n".join(record) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
