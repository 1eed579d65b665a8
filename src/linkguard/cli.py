"""The `linkguard` command: the one place that reads argv, prints, writes files and maps errors to exit codes.

Exit codes: 0 nothing at or above the fail level; 1 findings at or above it; 2 usage or configuration error;
3 internal error (a bug); 141 standard output closed early by its reader (`linkguard dist | head -1`), quietly,
as a shell reports a program that SIGPIPE ended.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Dict, List, Mapping, Optional, Sequence, TextIO, Tuple

from linkguard import __version__

if TYPE_CHECKING:
    from linkguard.baseline import Ratchet
    from linkguard.config import Policy
    from linkguard.report import RenderOptions, Reporter

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_STDOUT_CLOSED = 128 + 13  # 141: as a shell reports a program that SIGPIPE ended
ISSUES_URL = "https://github.com/linkguard/linkguard/issues"


class UsageError(Exception):
    """Bad command-line usage (exit code 2)."""


def build_parser() -> argparse.ArgumentParser:
    from linkguard.report import REPORTERS

    parser = argparse.ArgumentParser(
        prog="linkguard",
        description=(
            "Check that release artifacts (ELF, PE and Mach-O files, also inside release archives) are "
            "self-contained: fail on a library the target OS does not ship, a too-new glibc, Windows or macOS "
            "floor, or UPX packing; explain why in the terms of the toolchain that built them, and say how to fix it."
        ),
        epilog=(
            "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or configuration error, 3 internal error, "
            "141 standard output closed before the report was written (e.g. piped into `head`), as for SIGPIPE."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files, directories or release archives to check")
    parser.add_argument(
        "-f",
        "--format",
        choices=sorted(REPORTERS),
        help="output format (default: text, or github when GITHUB_ACTIONS=true)",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of standard output")
    parser.add_argument("--output-json", metavar="FILE", help="also write the JSON report to FILE")
    parser.add_argument("--output-sarif", metavar="FILE", help="also write a SARIF 2.1.0 report to FILE")
    parser.add_argument("--output-junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    parser.add_argument(
        "--output-gitlab", metavar="FILE", help="also write a GitLab Code Quality (Code Climate JSON) report to FILE"
    )
    parser.add_argument(
        "--sarif-category",
        metavar="CATEGORY",
        help="SARIF runAutomationDetails.id: one category per report uploaded for a commit (e.g. linkguard-arm64)",
    )
    parser.add_argument("--no-annotations", action="store_true", help="github format: no workflow-command annotations")
    parser.add_argument("--no-summary", action="store_true", help="github format: no job summary")
    parser.add_argument(
        "--only-branches",
        metavar="REGEX",
        help="check only when the branch (PRE_COMMIT_REMOTE_BRANCH, GITHUB_BASE_REF, GITHUB_REF, else the "
        "checked-out one) matches REGEX; otherwise print one line and exit 0",
    )
    parser.add_argument("-c", "--config", metavar="FILE", help="read this linkguard.toml or pyproject.toml")
    parser.add_argument("--no-config", action="store_true", help="ignore configuration files")
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning", "note", "never"),
        help="lowest severity that fails the run (default: error)",
    )
    parser.add_argument(
        "--max-glibc",
        metavar="VERSION",
        help="highest GLIBC_ symbol version allowed where dynamic linking is allowed (e.g. 2.17, manylinux2014; "
        "musllinux_1_2 allows none)",
    )
    parser.add_argument(
        "--max-windows",
        metavar="VERSION",
        help="oldest Windows the artifacts must run on, as the configuration's max-windows (rule LG104)",
    )
    parser.add_argument(
        "--max-macos",
        metavar="VERSION",
        help="oldest macOS the artifacts must run on, judged per slice against minos (rule LG104)",
    )
    parser.add_argument(
        "--allow-dynamic",
        action="append",
        default=[],
        metavar="GLOB",
        help="let matching paths be dynamically linked (then --max-glibc and allow-lists judge them)",
    )
    parser.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="RULE=LEVEL",
        help="set a rule's level (error, warning, note, off), by code or name; repeatable",
    )
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching paths")
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="TARGET",
        help="a system the artifacts must start on (repeatable): a root filesystem directory, an image tarball, "
        "`image` (the image an artifact was found in), or a named base (debian-12, manylinux_2_28, rhel-9, "
        "alpine-3.20, windows-10, macos-13, ...); each program is resolved as that system's own loader would, and "
        "LG105 says what it would print (docs/targets.md)",
    )
    parser.add_argument(
        "--require-static",
        action="store_true",
        help="with --target: keep LG101 even for artifacts that start on every target",
    )
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="pass when the paths hold no executable at all (default: fail with LG902 no-artifacts)",
    )
    parser.add_argument(
        "--no-archives",
        action="store_true",
        help="keep archives closed: check only the files themselves and skip each archive file (tar, zip, jar, "
        "wheel, .deb, compressed) unopened (config archives = false)",
    )
    parser.add_argument(
        "--goreleaser",
        metavar="DIR",
        help="also check the binaries goreleaser listed in DIR/artifacts.json (usually dist/), each with its "
        "target (goos, goarch) for allowances to match on",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="known findings (a previous JSON report or a baseline file) do not fail; they are shown as notes",
    )
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="rewrite --baseline FILE keeping only the known findings that still occur (never adds any)",
    )
    parser.add_argument("--today", metavar="YYYY-MM-DD", help=argparse.SUPPRESS)  # judge allowance expiry as of
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes (default: one per core)")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="text: each artifact's evidence, cause and fix; also skipped files and parse warnings",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="text: print only artifacts with findings")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour text output")
    parser.add_argument("--list-rules", action="store_true", help="print the rules and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    parser.add_argument("--version", action="version", version=f"linkguard {__version__}")
    return parser


class StdoutClosed(Exception):
    """Whoever read standard output stopped reading (`linkguard dist | head -1`): not an error of the run."""


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # --help and --version print here
    except BrokenPipeError:
        return _stdout_closed()
    try:
        return run(args)
    except StdoutClosed:
        return _stdout_closed()
    except UsageError as exc:
        print(f"linkguard: error: {_harmless(str(exc))}", file=sys.stderr)  # it may quote a path or a value
        _annotate(args, "linkguard: usage or configuration error", str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("linkguard: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the one boundary that turns a bug into exit code 3
        if args.debug:
            raise
        message = (
            f"linkguard: internal error: {_describe_with_class(exc)}\n"
            f"Please report it at {ISSUES_URL} (rerun with --debug for the traceback)."
        )
        print(_harmless(message), file=sys.stderr)
        _annotate(args, "linkguard: internal error", message)
        return EXIT_INTERNAL


def _harmless(text: str) -> str:
    """`text` for a terminal or a CI log: control characters escaped, CI command prefixes broken."""
    from linkguard.report.escape import neutralize

    return neutralize(text)


def _annotate(args: argparse.Namespace, title: str, message: str) -> None:
    """Under GitHub Actions, also say why the run stopped as an error annotation: a step's stderr is easy to miss,
    an annotation is shown on the run's page."""
    if args.format != "github" and os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from linkguard.report.github import command_formatter

    try:
        _stdout_write(command_formatter()("error", {"title": title}, _harmless(message)) + "\n")
        _stdout_flush()
    except StdoutClosed:
        pass  # nobody reads standard output: stderr has said it


def _stdout_closed() -> int:
    """Stop quietly, as a program killed by SIGPIPE would, and exit EXIT_STDOUT_CLOSED (141, what a shell reports
    for such a program). Standard output is pointed at /dev/null so the interpreter's own flush at exit cannot
    print an error about the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (replaced in-process): nothing to silence
        pass
    return EXIT_STDOUT_CLOSED


def _describe_with_class(exc: BaseException) -> str:
    from linkguard.errors import describe_with_class

    return describe_with_class(exc)


def run(args: argparse.Namespace) -> int:
    from linkguard.config import ConfigError

    if args.list_rules:
        return _list_rules()
    if not args.paths and not args.goreleaser:
        raise UsageError("no PATH given (try: linkguard dist/)")
    if args.update_baseline and not args.baseline:
        raise UsageError("--update-baseline needs --baseline FILE")
    try:
        policy = _policy(args)
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    paths = _expand_patterns(args.paths)
    if args.goreleaser:
        policy, paths = _with_release(args.goreleaser, policy, paths)
    ratchet = _ratchet(args.baseline) if args.baseline else None
    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    if not _branch_selected(args.only_branches or policy.only_branches, fmt):
        return EXIT_CLEAN

    from linkguard.report import RenderOptions, get_reporter, streaming

    options = RenderOptions(
        color=_color(args),
        verbose=args.verbose,
        workspace=os.environ.get("GITHUB_WORKSPACE") or os.getcwd(),
        annotations=not args.no_annotations,
        summary=not args.no_summary,
        quiet=args.quiet,
        sarif_category=args.sarif_category,
    )
    outputs = [(fmt, args.output)]
    outputs += [(name, path) for name, path in _side_outputs(args) if path]
    reporters = [(get_reporter(name), path) for name, path in outputs]
    for _, path in outputs:
        if path is not None:
            _output_directory(path)  # a report that cannot be written is said before the scan, not after it
    progress = _ProgressLine.for_run(fmt)
    try:
        if all(streaming(reporter) for reporter, _ in reporters):
            failed, notices = _stream(paths, policy, progress, reporters, options, ratchet)
        else:
            failed, notices = _collect(paths, policy, progress, reporters, options, fmt, ratchet)
    finally:
        if progress is not None:
            progress.close()
    for notice in notices:
        print(f"linkguard: note: {notice}", file=sys.stderr)
    if ratchet is not None and args.update_baseline:
        text, removed = ratchet.updated()
        _write(text, ratchet.baseline.source)
        print(f"linkguard: baseline {ratchet.baseline.source}: {removed} entries removed", file=sys.stderr)
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _expand_patterns(arguments: Sequence[str]) -> List[str]:
    """Each argument, or the files a glob pattern in it names when no such path exists: a pattern the shell did
    not expand (quoted, or passed by a CI system or a hook without a shell) is expanded here as the shell would,
    sorted, with `**` reaching any depth. A pattern that matches nothing stays as given and is reported as such."""
    import glob

    from linkguard.inputs.files import has_pattern

    paths: List[str] = []
    for argument in arguments:
        matches = sorted(glob.glob(argument, recursive=True)) if has_pattern(argument) else []
        if matches and not os.path.lexists(argument):
            paths.extend(matches)
        else:
            paths.append(argument)
    return paths


def _side_outputs(args: argparse.Namespace) -> List[Tuple[str, Optional[str]]]:
    """(format, file) of every `--output-FORMAT FILE`: reports written beside the main output in the same run."""
    return [
        ("json", args.output_json),
        ("sarif", args.output_sarif),
        ("junit", args.output_junit),
        ("gitlab", args.output_gitlab),
    ]


def _collect(
    paths: Sequence[str],
    policy: Policy,
    progress: Optional[_ProgressLine],
    reporters: List[Tuple[Reporter, Optional[str]]],
    options: RenderOptions,
    fmt: str,
    ratchet: Optional[Ratchet] = None,
) -> Tuple[bool, Tuple[str, ...]]:
    """Check everything, then render each output from the whole Report (formats that need all of it)."""
    from linkguard.scan import scan

    report = scan(paths, policy, progress)
    if ratchet is not None:
        from linkguard.baseline import apply

        report = apply(report, ratchet)
    if progress is not None:
        progress.close()
    (main_reporter, main_path), *side = reporters
    side_outputs: Dict[str, str] = {}
    for reporter, path in side:
        assert path is not None
        _write(reporter.render(report, options).text, path)
        side_outputs[reporter.name] = os.path.abspath(path)
    rendered = main_reporter.render(report, options)
    text = rendered.text
    if fmt == "text" and main_path is None and os.environ.get("GITHUB_ACTIONS") == "true":
        from linkguard.report.github import stop_commands

        text = stop_commands(text)  # the pre-commit hook inside a workflow: names cannot issue commands
    _write(text, main_path)
    if fmt == "github":
        _write_github_files(rendered.step_summary, {**rendered.step_outputs, **side_outputs})
    totals = report.totals
    return totals.failed, totals.notices


def _stream(
    paths: Sequence[str],
    policy: Policy,
    progress: Optional[_ProgressLine],
    reporters: List[Tuple[Reporter, Optional[str]]],
    options: RenderOptions,
    ratchet: Optional[Ratchet] = None,
) -> Tuple[bool, Tuple[str, ...]]:
    """Check and write at once: every output is written as outcomes arrive; only the totals are kept."""
    from contextlib import ExitStack

    from linkguard import __version__
    from linkguard.model import Skipped, Tally
    from linkguard.report import RunInfo, streaming
    from linkguard.scan import check_chunks

    info = RunInfo(tool_version=__version__, fail_on=policy.fail_on)
    tally = Tally(policy.fail_on)
    with ExitStack() as files:
        main_reporter, main_path = reporters[0]
        if main_reporter.name == "text" and main_path is None and os.environ.get("GITHUB_ACTIONS") == "true":
            import secrets

            from linkguard.report.github import resume_line, stop_line

            token = secrets.token_hex(32)  # the pre-commit hook inside a workflow: names cannot issue commands
            _stdout_write(stop_line(token))
            files.callback(_stdout_write, resume_line(token))  # also when the run stops early
        streams = []
        for reporter, path in reporters:
            write: Callable[[str], object] = (
                _stdout_write if path is None else files.enter_context(_open_output(path)).write
            )
            chosen = streaming(reporter)
            assert chosen is not None
            streams.append(chosen.stream(info, options, write))
        skip_writers = [stream.skipped for stream in streams]
        for outcomes in check_chunks(paths, policy, progress):
            for outcome in outcomes:
                if isinstance(outcome, Skipped):  # most files of a tree: counted, and listed by some formats
                    tally.skipped += 1
                    for skip in skip_writers:
                        skip(outcome)
                    continue
                if ratchet is not None:
                    outcome = ratchet.judge(outcome)
                tally.add(outcome)
                for stream in streams:
                    stream.artifact(outcome)
        if progress is not None:
            progress.close()
        tally.notices = policy.unmatched_allowances(tally.matched_allowances)
        totals = tally.totals
        for stream in streams:
            stream.finish(totals)
    _stdout_flush()
    return totals.failed, totals.notices


def _stdout_write(text: str) -> None:
    try:
        sys.stdout.write(text)
    except BrokenPipeError as exc:
        raise StdoutClosed() from exc


def _stdout_flush() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError as exc:
        raise StdoutClosed() from exc


class _ProgressLine:
    """A one-line progress indicator on stderr for long scans (only on a terminal, never in GitHub mode)."""

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self._last = self._clock()
        self._shown = False

    @classmethod
    def for_run(cls, fmt: str) -> Optional[_ProgressLine]:
        if fmt == "github" or os.environ.get("GITHUB_ACTIONS") == "true" or not sys.stderr.isatty():
            return None
        return cls()

    def __call__(self, done: int, artifacts: int, path: str) -> None:
        now = self._clock()
        if now - self._last < 0.2:
            return
        self._last = now
        width = shutil.get_terminal_size((80, 20)).columns
        from linkguard.report.escape import neutralize

        text = f"linkguard: {done} paths, {artifacts} artifacts ... {neutralize(path)}"  # names reach a terminal
        sys.stderr.write("\r\033[K" + (text if len(text) < width else text[: width - 4] + "..."))
        sys.stderr.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self._shown = False


def _branch_selected(pattern: Optional[str], fmt: str) -> bool:
    """False (after saying so in one line) when --only-branches rules this run out."""
    if not pattern:
        return True
    from linkguard.branches import decide

    try:
        decision = decide(pattern, os.environ)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if decision.run:
        return True
    print(f"linkguard: {decision.reason}", file=sys.stderr)
    if fmt == "github":
        _write_github_files(None, {"skipped": "true", "errors": "0", "warnings": "0", "notes": "0", "failed": "false"})
    return False


def _write_github_files(summary: Optional[str], outputs: Mapping[str, str]) -> None:
    """Append the job summary and step outputs to the files GitHub names in the environment (when set)."""
    from linkguard.report.github import output_file_text

    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary is not None and summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(summary)
    output_path = os.environ.get("GITHUB_OUTPUT")
    if outputs and output_path:
        with open(output_path, "a", encoding="utf-8", newline="\n") as handle:
            handle.write(output_file_text(outputs))


def _policy(args: argparse.Namespace) -> Policy:
    from linkguard.config import (
        Allowance,
        ConfigError,
        Policy,
        find_config,
        load_config,
        parse_fail_on,
        policy_from_table,
    )

    policy = Policy()
    if args.config:
        source, table = load_config(args.config)
        policy = policy_from_table(table, source)
    elif not args.no_config:
        found = find_config(os.getcwd())
        if found is not None:
            policy = policy_from_table(found[1], found[0])
    if args.fail_on:
        policy = replace(policy, fail_on=parse_fail_on(args.fail_on))
    for key, value in (("max-glibc", args.max_glibc), ("max-windows", args.max_windows), ("max-macos", args.max_macos)):
        if value:  # parsed as the configuration file's key is, so both spell a floor alike
            floors = policy_from_table({key: value}, f"--{key}").max_versions
            policy = replace(policy, max_versions={**policy.max_versions, **floors})
    if args.allow_dynamic:
        allowance = Allowance(paths=tuple(args.allow_dynamic), reason="--allow-dynamic on the command line")
        policy = replace(policy, allowances=(allowance, *policy.allowances))
    if args.severity:
        pairs = {}
        for item in args.severity:
            key, sep, level = item.partition("=")
            if not sep:
                raise ConfigError(f"--severity takes RULE=LEVEL, not {item!r}")
            pairs[key] = level
        levels = policy_from_table({"severity": pairs}, "--severity").severities
        policy = replace(policy, severities={**policy.severities, **levels})
    if args.exclude:
        policy = replace(policy, exclude=(*policy.exclude, *args.exclude))
    if args.target:
        policy = replace(policy, run_targets=tuple(dict.fromkeys((*args.target, *policy.run_targets))))
    if args.require_static:
        policy = replace(policy, require_static=True)
    _open_targets(policy)
    if args.allow_empty:
        policy = replace(policy, allow_empty=True)
    if args.no_archives:
        policy = replace(policy, open_archives=False)
    if args.jobs is not None:
        if args.jobs < 0:
            raise ConfigError("--jobs must be 0 (one per core) or more")
        policy = replace(policy, jobs=args.jobs)
    if args.today:
        import datetime

        try:
            policy = replace(policy, today=datetime.date.fromisoformat(args.today))
        except ValueError as exc:
            raise ConfigError(f"--today takes YYYY-MM-DD, not {args.today!r}") from exc
    return policy


def _open_targets(policy: Policy) -> None:
    """Open every target up front, so that one that names nothing readable is a usage error, not a finding."""
    specs = policy.all_run_targets()
    if not specs:
        return  # targets/ and resolve/ stay unimported: most runs have no target
    from linkguard.config import ConfigError
    from linkguard.resolve.native import names as native_names
    from linkguard.targets import TargetError, open_target

    for spec in specs:
        if spec == "image" or spec in native_names():  # opened per image tarball checked; data, not files
            continue
        try:
            open_target(spec, policy.limits)
        except TargetError as exc:
            raise ConfigError(str(exc)) from exc


def _with_release(dist: str, policy: Policy, paths: List[str]) -> Tuple[Policy, List[str]]:
    """The paths plus goreleaser's binaries, and the policy knowing each binary's declared target."""
    from linkguard.inputs.goreleaser import GoreleaserError, read_release
    from linkguard.policy import Target

    try:
        release = read_release(dist)
    except GoreleaserError as exc:
        raise UsageError(str(exc)) from exc
    targets = {b.argument: Target(goos=b.goos, goarch=b.goarch, names=b.target_names) for b in release}
    extra = [b.argument for b in release if b.argument not in paths]
    return replace(policy, targets={**policy.targets, **targets}), [*paths, *extra]


def _ratchet(path: str) -> Ratchet:
    from linkguard.baseline import BaselineError, Ratchet, load

    try:
        return Ratchet(load(path))
    except BaselineError as exc:
        raise UsageError(str(exc)) from exc


def _list_rules() -> int:
    from linkguard.rules import specs

    for spec in specs():
        _stdout_write(f"{spec.code}  {spec.name:<22} {spec.default_severity.value:<8} {spec.summary}\n")
    _stdout_flush()
    return EXIT_CLEAN


def _color(args: argparse.Namespace) -> bool:
    if args.color == "always":
        return True
    if args.color == "never" or args.output or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _output_directory(path: str) -> None:
    """Create the missing parent directories of an output file; exit 2 naming the path when that fails or when
    the path is a directory."""
    if os.path.isdir(path):
        raise UsageError(f"cannot write {path}: it is a directory")
    parent = os.path.dirname(path)
    if parent and os.path.exists(parent) and not os.path.isdir(parent):
        raise UsageError(f"cannot write {path}: {parent} is not a directory")
    try:
        if parent:
            os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc} ({parent})") from exc


def _open_output(path: str) -> TextIO:
    """`path` opened for writing, its missing parent directories created; a path that cannot be written is the
    user's to fix (exit 2, naming it), never an internal error."""
    _output_directory(path)
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _write(text: str, output: Optional[str]) -> None:
    if output:
        with _open_output(output) as handle:
            handle.write(text)
        return
    _stdout_write(text)
    _stdout_flush()


__all__: List[str] = ["main"]
