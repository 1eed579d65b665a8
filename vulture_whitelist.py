"""Names vulture (`vulture src vulture_whitelist.py --min-confidence 60`, run by .ci/run) cannot see used.

Each line names a use that happens outside the code vulture reads: a protocol the standard library calls, a
signature imposed by a caller, a field a dataclass fills or a test reads. Anything else it reports is dead: remove it.
"""

# io.RawIOBase protocol: io.BufferedReader, zipfile, tarfile and gzip call these on our streams.
_.readable  # seekable.SeekableReader, inputs/streams.py
_.readinto  # seekable.SeekableReader, inputs/streams.py

# signal.signal() calls a handler with (signum, frame): readers/__init__.py's deadline handler ignores both.
signum
frame

# Dataclass fields set by keyword by their readers and read by tests and reports.
_.listed_path  # inputs/goreleaser.ReleaseBinary: `path` as artifacts.json gives it
_.variant  # inputs/goreleaser.ReleaseBinary: goamd64/goarm/..., tests/unit/test_goreleaser_input.py
_.filter_cto  # readers/upx/layout._PackHeader: UPX's PackHeader field, parsed in order with the rest

# The vocabulary of remedy rows' `when`/`unless` flags, documented here and checked by
# tests/unit/test_remedies.py::test_rows_name_only_known_flags_and_fields.
FLAGS

# packages: names used where vulture cannot see
_.forbidden  # Host.forbidden (packages/hosts.py)
_.python  # packages/tags.WheelTag.python: the PEP 425 triple is kept whole; LG106 reads abi and platform
