"""linkguard.policy: allowances by path and target, expiry, targets derived from ELF facts, and its imports."""

from __future__ import annotations

import ast
import datetime
from pathlib import Path

import pytest

from linkguard.model import ElfFacts, Toolchain
from linkguard.policy import Allowance, Policy, Target, target_from_facts

SRC = Path(__file__).parents[2] / "src" / "linkguard"


def _facts(machine: str, bits: int = 64, endian: str = "little", interpreter: str | None = None) -> ElfFacts:
    return ElfFacts(machine=machine, bits=bits, endian=endian, type="EXEC", linkage="static", interpreter=interpreter)


@pytest.mark.parametrize(
    ("machine", "bits", "endian", "goarch"),
    [
        ("x86_64", 64, "little", "amd64"),
        ("i386", 32, "little", "386"),
        ("aarch64", 64, "little", "arm64"),
        ("arm", 32, "little", "arm"),
        ("riscv", 64, "little", "riscv64"),
        ("ppc64", 64, "little", "ppc64le"),
        ("ppc64", 64, "big", "ppc64"),
        ("s390", 64, "big", "s390x"),
        ("mips", 32, "big", "mips"),
        ("mips", 64, "little", "mips64le"),
    ],
)
def test_goarch_from_the_elf_machine(machine: str, bits: int, endian: str, goarch: str) -> None:
    target = target_from_facts(_facts(machine, bits, endian))
    assert (target.goos, target.goarch) == ("linux", goarch)


def test_triples_name_the_libc_when_the_facts_do() -> None:
    glibc = target_from_facts(_facts("aarch64", interpreter="/lib/ld-linux-aarch64.so.1"))
    assert {"aarch64-linux-gnu", "aarch64-unknown-linux-gnu", "linux/arm64"} <= set(glibc.names)
    musl_static = ElfFacts(
        machine="x86_64", bits=64, endian="little", type="EXEC", linkage="static", toolchain=Toolchain(libc="musl")
    )
    assert "x86_64-unknown-linux-musl" in target_from_facts(musl_static).names
    assert "x86_64-linux" in target_from_facts(_facts("x86_64")).names
    assert "riscv64-unknown-linux" in target_from_facts(_facts("riscv")).names
    assert "mipsel-linux" in target_from_facts(_facts("mips", 32, "little")).names


def test_every_selector_given_must_match() -> None:
    arm = Target(goos="linux", goarch="arm64", names=("linux_arm64_v8.0",))
    amd = Target(goos="linux", goarch="amd64", names=("linux_amd64_v1",))
    by_arch = Allowance(paths=(), reason="r", goarch=("arm64",))
    assert by_arch.matches("dist/app", arm) and not by_arch.matches("dist/app", amd)
    assert not by_arch.matches("dist/app", None)
    both = Allowance(paths=("dist/*",), reason="r", goos=("linux",), targets=("*_v8.0",))
    assert both.matches("dist/app", arm)
    assert not both.matches("other/app", arm)
    assert not both.matches("dist/app", amd)
    assert Allowance(paths=("dist/*",), reason="r").matches("dist/app")
    assert not Allowance(paths=(), reason="r").matches("dist/app", arm)


def test_declared_target_is_completed_from_the_facts() -> None:
    policy = Policy(targets={"dist/app": Target(goos="linux", goarch="arm64", names=("linux_arm64_v8.0",))})
    (target,) = policy.targets_for("dist/app", _facts("aarch64"))
    assert target is not None and target.goarch == "arm64"
    assert {"linux_arm64_v8.0", "aarch64-linux"} <= set(target.names)
    assert policy.targets_for("dist/other", None) == (None,)


def test_an_expired_allowance_no_longer_applies_and_says_when() -> None:
    allowance = Allowance(paths=("*.so",), reason="legacy plugin", expires=datetime.date(2027, 3, 31))
    before = Policy(allowances=(allowance,), today=datetime.date(2027, 3, 31)).for_path("dist/x.so")
    assert before.allowance is allowance and before.expiry_notes() == ()
    after = Policy(allowances=(allowance,), today=datetime.date(2027, 4, 1)).for_path("dist/x.so")
    assert after.allowance is None
    assert after.expiry_notes() == (
        "allowance expired on 2027-03-31 and no longer applies (*.so; reason: legacy plugin)",
    )
    assert after.expiry_suffix() == " (allowance expired 2027-03-31)"
    assert before.expiry_suffix() == ""


def test_a_live_allowance_after_an_expired_one_applies() -> None:
    old = Allowance(paths=("*",), reason="old", expires=datetime.date(2020, 1, 1))
    new = Allowance(paths=("*",), reason="new")
    here = Policy(allowances=(old, new), today=datetime.date(2027, 1, 1)).for_path("x")
    assert here.allowance is new and here.expired == ()


def _linkguard_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("linkguard"):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("linkguard"))
    return names


def test_policy_and_versions_depend_on_nothing_above_them() -> None:
    assert _linkguard_imports(SRC / "policy.py") <= {"linkguard.model", "linkguard.limits", "linkguard.versions"}
    assert _linkguard_imports(SRC / "versions.py") == set()


def test_rules_do_not_import_config_or_readers() -> None:
    for module in (SRC / "rules").glob("*.py"):
        imported = _linkguard_imports(module)
        assert "linkguard.config" not in imported, module.name
        assert not any(name.startswith("linkguard.readers") for name in imported), module.name


def test_compiled_exclude_matcher_agrees_with_path_matches() -> None:
    """`excluded` tests every walked path with one compiled matcher; it must answer as the globs one by one do."""
    from linkguard.policy import _matcher, path_matches

    patterns = ["*.jar", "dist/*.so", "*.debug", "a!b*", "lib*", "*/x/*", "./q", "[ab]*.z"]
    paths = ["dist/x.so", "a/b/c.jar", "./q", "lib/libfoo.so", "x!libz.a", "a!bc", "q", "dir/x/y", "aa.z",
             "bb/cc.z", "./dist/x.so", "deep/dir/file.debug", "c.jar!lib/x.so", "plain"]  # fmt: skip
    for path in paths:
        for count in range(1, len(patterns) + 1):
            chosen = tuple(patterns[:count])
            assert _matcher(chosen)(path) == any(path_matches(p, path) for p in chosen), (path, chosen)


def test_exclude_matcher_fast_forms_agree_with_path_matches() -> None:
    """`*LITERAL` and `*LITERAL*` skip the regular expressions (str.endswith, `in`): they must answer as fnmatch does,
    alone and mixed with other globs, on paths with "./", "!", "/" and empty names."""
    import itertools
    import random

    from linkguard.policy import _matcher, path_matches

    patterns = ["*.jar", "*.tar.*", "*", "**", "*./q", "*!x", "*b/c", "*/", "*.a", "*tar*", "*[ab]", "*?z", "lib*",
                "*.so.*", "*x!*", "*.gz"]  # fmt: skip
    paths = ["", "./", "./q", "q", "a.jar", "dir/a.jar", "x.jar!lib/y.so", "a.tar.gz", "a.tar", "dir/x.tar.d/f",
             "a!x", "a/b/c", "b/c", "dir/", "lib.a", "z.so.1", "libz", "a.tar!x", "y.gz", "./a.jar", "ab",
             "xz"]  # fmt: skip
    for path in paths:
        for pattern in patterns:
            assert _matcher((pattern,))(path) == path_matches(pattern, path), (path, pattern)
    rng = random.Random(19)
    for path, count in itertools.product(paths, range(2, 5)):
        chosen = tuple(rng.sample(patterns, count))
        assert _matcher(chosen)(path) == any(path_matches(p, path) for p in chosen), (path, chosen)
    alphabet = "ab./!*?z"
    for _ in range(3000):
        literal = "".join(rng.choice("ab./!z") for _ in range(rng.randint(0, 3)))
        pattern = "*" + literal
        pattern += rng.choice(["", "*"])
        path = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 7)))
        assert _matcher((pattern,))(path) == path_matches(pattern, path), (path, pattern)
