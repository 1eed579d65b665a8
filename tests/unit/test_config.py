from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkguard import config
from linkguard.config import ConfigError, policy_from_table
from linkguard.model import Severity
from linkguard.rules import specs

SCHEMA = Path(__file__).parents[2] / "src" / "linkguard" / "schemas" / "config.schema.json"


def test_defaults_fail_on_error_with_no_allowances() -> None:
    policy = policy_from_table({})
    assert policy.fail_on is Severity.ERROR
    assert policy.for_path("dist/app").allowance is None


def test_allowance_by_glob_with_reason_and_floor() -> None:
    policy = policy_from_table(
        {
            "max-glibc": "2.28",
            "allow": [
                {
                    "paths": ["dist/lib/*.so"],
                    "reason": "plugins load into the host's glibc process",
                    "libraries": ["libc.so.6", "libm.so.6"],
                    "max-glibc": "2.17",
                }
            ],
        }
    )
    here = policy.for_path("dist/lib/libplugin.so")
    assert here.allowance is not None and here.allowance.reason.startswith("plugins")
    assert here.max_versions == {"GLIBC": "2.17"}
    assert policy.for_path("dist/bin/app").allowance is None
    assert policy.for_path("dist/bin/app").max_versions == {"GLIBC": "2.28"}


def test_pattern_without_slash_matches_base_name_and_archive_members() -> None:
    assert config.path_matches("*.so", "dist/lib/libx.so")
    assert config.path_matches("*.so", "dist/pkg.tar.gz!lib/libx.so")
    assert not config.path_matches("lib/*.so", "dist/lib/libx.so")
    assert config.path_matches("dist/*.tar.gz!*", "dist/pkg.tar.gz!bin/app")


@pytest.mark.parametrize(
    ("table", "hint"),
    [
        ({"fail_on": "error"}, "did you mean 'fail-on'"),
        ({"max-glibc": "2.17", "alow": []}, "did you mean 'allow'"),
        ({"allow": [{"paths": ["x"], "reason": "r", "libaries": []}]}, "did you mean 'libraries'"),
        ({"limits": {"second": 3}}, "did you mean 'seconds'"),
        ({"severity": {"dynamic_link": "off"}}, "did you mean 'dynamic-link'"),
    ],
)
def test_unknown_keys_suggest_the_nearest(table: dict, hint: str) -> None:
    with pytest.raises(ConfigError, match=hint):
        policy_from_table(table)


@pytest.mark.parametrize(
    "table",
    [
        {"fail-on": "fatal"},
        {"max-glibc": "two"},
        {"allow": [{"paths": ["x"]}]},
        {"allow": [{"paths": ["x"], "reason": "r", "dynamic": "yes"}]},
        {"severity": {"LG101": "loud"}},
        {"jobs": -1},
        {"limits": {"seconds": 0}},
        {"max-glibc": "manylinux2015"},
        {"max-glibc": "musllinux_1"},
        {"max-versions": {"GLIBCXX": "manylinux2014"}},
        {"allow": [{"reason": "no selector"}]},
        {"allow": [{"goarch": 64, "reason": "r"}]},
        {"allow": [{"paths": "x", "reason": "r", "expires": "next year"}]},
    ],
)
def test_bad_values_are_errors(table: dict) -> None:
    with pytest.raises(ConfigError):
        policy_from_table(table)


def test_severity_override_by_code_or_name_and_off() -> None:
    policy = policy_from_table({"severity": {"upx-packed": "warning", "LG101": "off"}})
    here = policy.for_path("x")
    assert here.severity("LG201", "upx-packed", Severity.ERROR) is Severity.WARNING
    assert here.severity("LG101", "dynamic-link", Severity.ERROR) is None
    assert here.severity("LG901", "unreadable", Severity.ERROR) is Severity.ERROR


def test_found_upward_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.linkguard]\nfail-on = "warning"\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    found = config.find_config(str(nested))
    assert found is not None and found[0] == str(tmp_path / "pyproject.toml")
    assert policy_from_table(found[1]).fail_on is Severity.WARNING


def test_pyproject_without_our_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "linkguard.toml").write_text('max-glibc = "2.17"\n')
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    found = config.find_config(str(inner))
    assert found is not None and found[0].endswith("linkguard.toml")


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "linkguard.toml"
    bad.write_text("fail-on = \n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        config.load_config(str(bad))


def test_published_schema_has_exactly_the_accepted_keys() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert set(schema["properties"]) == set(config.TOP_KEYS)
    allow = schema["properties"]["allow"]["items"]["properties"]
    assert set(allow) == set(config.ALLOW_KEYS)
    assert set(schema["properties"]["limits"]["properties"]) == set(config.LIMIT_KEYS)
    rule_keys = {s.code for s in specs()} | {s.name for s in specs()}
    assert set(schema["properties"]["severity"]["properties"]) == rule_keys


def test_schema_accepts_a_full_example_and_rejects_a_typo() -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    example = {
        "fail-on": "warning",
        "max-glibc": "2.17",
        "exclude": ["**/*.debug"],
        "severity": {"LG301": "error"},
        "allow": [
            {"paths": "dist/lib/*.so", "reason": "plugins", "libraries": ["libc.so.6"], "max-glibc": "2.17"},
            {"goarch": "arm64", "reason": "cgo", "max-glibc": "manylinux2014", "expires": "2027-03-31"},
            {"goos": ["linux"], "targets": ["aarch64-*"], "reason": "musl", "max-glibc": "musllinux_1_2"},
        ],
        "limits": {"seconds": 5, "archive-depth": 2},
    }
    jsonschema.validate(example, schema)
    policy_from_table(example)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"fail_on": "error"}, schema)


@pytest.mark.parametrize(
    ("tag", "floor"),
    [("manylinux_2_17", "manylinux_2_17"), ("manylinux2014", "manylinux2014"), ("musllinux_1_2", "musllinux_1_2")],
)
def test_max_glibc_takes_platform_tags_as_written(tag: str, floor: str) -> None:
    policy = policy_from_table({"max-glibc": tag, "allow": [{"paths": "x", "reason": "r", "max-glibc": tag}]})
    assert policy.max_versions == {"GLIBC": floor}
    assert policy.allowances[0].max_versions == {"GLIBC": floor}
    assert policy_from_table({"max-versions": {"GLIBC": tag}}).max_versions == {"GLIBC": floor}


def test_target_selectors_and_expiry_are_read(tmp_path: Path) -> None:
    import datetime

    conf = tmp_path / "linkguard.toml"
    conf.write_text(
        '[[allow]]\ngoarch = "arm64"\nreason = "cgo"\nexpires = "2027-03-31"\n'
        '[[allow]]\ngoos = ["linux"]\ntargets = ["x86_64-*"]\nreason = "a TOML date"\nexpires = 2027-01-02\n'
    )
    first, second = policy_from_table(config.load_config(str(conf))[1]).allowances
    assert (first.paths, first.goarch, first.expires) == ((), ("arm64",), datetime.date(2027, 3, 31))
    assert (second.goos, second.targets, second.expires) == (("linux",), ("x86_64-*",), datetime.date(2027, 1, 2))


def test_config_no_longer_defines_the_policy_types() -> None:
    from linkguard import policy

    assert config.Policy is policy.Policy and config.Allowance is policy.Allowance
    assert config.path_matches is policy.path_matches


def test_readme_configuration_example_is_accepted(tmp_path: Path) -> None:
    import re

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme[readme.index("## Configuration") :]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    (tmp_path / "pyproject.toml").write_text(block.group(1))
    source, table = config.load_config(str(tmp_path / "pyproject.toml"))
    policy = policy_from_table(table, source)
    assert any(a.goarch == ("arm64",) and a.expires is not None for a in policy.allowances)
