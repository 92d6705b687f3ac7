"""The command line: the one place that turns errors into exit codes.

    paperdesk run SCAN [SCAN ...] --online EXPORT [--out DIR] [--form NAME] [--jobs N] [--archive DIR]
    paperdesk watch FOLDER --online EXPORT [--out DIR] [--archive DIR] [--poll]
    paperdesk report --db PATH_OR_URL [--out DIR] [--archive DIR]
    paperdesk serve --db PATH_OR_URL [--host 127.0.0.1] [--port 8000] [--allowed-host NAME] [--secure-cookies]
    paperdesk user add|passwd|remove NAME --db PATH_OR_URL

Exit status: 0 when the batch ran (whatever it found), 1 when it could not
run at all, 130 on Ctrl-C; never a traceback unless ``-v``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from forms.errors import ConfigError, PaperdeskError
from paperdesk import __version__

if TYPE_CHECKING:
    from paperdesk.options import RunOptions

log = logging.getLogger("paperdesk")

# What --archive makes, for run, watch and report alike.
ARCHIVE_HELP = "write one searchable PDF/A per nomination (编号_技术名称.pdf) and index.xlsx into DIR"

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperdesk",
        description="Check mailed, stamped paper nomination forms against the online submissions.",
    )
    parser.add_argument("--version", action="version", version=f"paperdesk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logs and tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="read a batch of scans and reconcile it with the online export")
    run.add_argument("scans", nargs="+", type=Path, metavar="SCAN", help="files or folders (walked)")
    run.add_argument("--online", required=True, type=Path, metavar="EXPORT", help="XLSX, CSV, JSON or JSONL")
    run.add_argument("--out", type=Path, default=Path("out"), metavar="DIR", help="output folder (default ./out)")
    run.add_argument("--form", default="kczg-2020", metavar="NAME",
                     help="form template: a built-in name or a path to a template TOML file (default kczg-2020)")
    run.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    run.add_argument("--dpi", type=int, default=300, help="resolution to render scanned PDF pages at")
    run.add_argument("--ocr-engine", choices=["tesseract", "rapidocr", "hybrid"], default="hybrid")
    run.add_argument("--count-rule", choices=["word", "chars"], default="word", help="how 字 are counted")
    run.add_argument("--db", default=None, help="store: SQLAlchemy URL or SQLite path (default DIR/paperdesk.db)")
    run.add_argument("--cluster", default=None, metavar="tcp://HOST:PORT", help="Dask scheduler to send pages to")
    run.add_argument("--force", action="store_true", help="re-read inputs even when already read")
    run.add_argument("--debug", type=Path, default=None, metavar="DIR", help="write annotated pages to DIR")
    run.add_argument("--sender", default="学会联合体秘书处", help="who signs the notices to units")
    run.add_argument("--reply-by", type=_date, default=None, metavar="YYYY-MM-DD", help="deadline in the notices")
    run.add_argument("--batch-date", type=_date, default=None, metavar="YYYY-MM-DD", help="date of the notices")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    run.add_argument("--archive", type=Path, default=None, metavar="DIR", help=ARCHIVE_HELP)

    watch = sub.add_parser("watch", help="read what the scanner saves into a folder, as it arrives (Ctrl-C stops)")
    watch.add_argument("folder", type=Path, metavar="FOLDER", help="the folder the scanner saves into")
    for action in run._actions:  # every option of run, shared (what argparse's parents= does)
        if action.dest not in ("scans", "help", "force"):
            watch._add_action(action)
    watch.add_argument("--poll", action="store_true", help="poll the folder (network shares send no events)")
    watch.add_argument("--settle", type=float, default=None, metavar="SECONDS",
                       help="a file is complete when unchanged this long (default 3)")

    report = sub.add_parser("report", help="write the reports again from the store (with review decisions)")
    report.add_argument("--db", required=True, help="SQLAlchemy URL or SQLite path")
    report.add_argument("--out", type=Path, default=None, metavar="DIR", help="default: the batch's own folder")
    report.add_argument("--archive", type=Path, default=None, metavar="DIR", help=ARCHIVE_HELP)

    serve = sub.add_parser("serve", help="the review screen for clerks")
    serve.add_argument("--db", required=True, help="SQLAlchemy URL or SQLite path")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--secure-cookies", action="store_true", help="mark the session cookie Secure (behind an https proxy)"
    )
    serve.add_argument(
        "--allowed-host", action="append", default=[], metavar="NAME",
        help="a host name the screen answers besides --host (the name behind a proxy); repeatable",
    )

    user = sub.add_parser("user", help="manage review-screen users")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_sub.add_parser("add", help="add a user (asks for the password)")
    add.add_argument("name")
    add.add_argument("--db", required=True, help="SQLAlchemy URL or SQLite path")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    passwd = user_sub.add_parser("passwd", help="set a user's password (ends their open sessions)")
    passwd.add_argument("name")
    passwd.add_argument("--db", required=True, help="SQLAlchemy URL or SQLite path")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    remove = user_sub.add_parser("remove", help="remove a user (ends their open sessions; decisions stay)")
    remove.add_argument("name")
    remove.add_argument("--db", required=True, help="SQLAlchemy URL or SQLite path")
    return parser


def _run_options(args: argparse.Namespace, scans: list[Path]) -> RunOptions:
    """The batch options of ``run`` and ``watch``, validated once."""
    from paperdesk.options import RunOptions

    fields = {
        "scans": scans,
        "online": args.online,
        "out": args.out,
        "form": args.form,
        "dpi": args.dpi,
        "ocr_engine": args.ocr_engine,
        "count_rule": args.count_rule,
        "db": args.db,
        "cluster": args.cluster,
        "force": getattr(args, "force", False),  # watch has no --force: it would read the folder again every batch
        "debug_dir": args.debug,
        "quiet": args.quiet,
        "verbose": args.verbose,
        "sender": args.sender,
        "reply_by": args.reply_by,
    }
    if args.jobs is not None:
        fields["jobs"] = args.jobs
    if args.batch_date is not None:
        fields["batch_date"] = args.batch_date
    try:
        options = RunOptions(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "options"
        raise ConfigError(f"--{where.replace('_', '-')}: {first['msg']}") from exc
    return options


def _cmd_run(args: argparse.Namespace) -> int:
    options = _run_options(args, args.scans)
    if options.cluster is None:
        from paperdesk.parallel import start_fork_server

        start_fork_server()  # the page workers' imports run beside the runner's (issue 14)
    from paperdesk.runner import run_batch

    summary = run_batch(options)
    print(summary.line(), file=sys.stderr)
    if args.archive is not None:
        _archive(options.db_url, args.archive)
    return EXIT_OK


def _archive(db: str, folder: Path) -> None:
    from paperdesk.archive import write_archive

    print(write_archive(db, folder).line(), file=sys.stderr)


def _cmd_watch(args: argparse.Namespace) -> int:
    from paperdesk.watch import SETTLE_SECONDS, WatchOptions, watch

    settle = SETTLE_SECONDS if args.settle is None else args.settle
    if settle < 0:
        raise ConfigError("--settle: a number of seconds, 0 or more")
    options = WatchOptions(run=_run_options(args, [args.folder]), archive=args.archive, poll=args.poll, settle=settle)
    watch(options)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from paperdesk.runner import regenerate_reports

    out = regenerate_reports(args.db, args.out)
    print(f"Reports written to {out}", file=sys.stderr)
    if args.archive is not None:
        _archive(args.db, args.archive)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from paperdesk.web.app import serve

    serve(args.db, host=args.host, port=args.port, secure_cookies=args.secure_cookies,
          allowed_host=args.allowed_host)
    return EXIT_OK


def _cmd_user(args: argparse.Namespace) -> int:
    from paperdesk.web.users import add_user_interactive, remove_user_command, set_password_interactive

    if args.user_command == "add":
        add_user_interactive(args.db, args.name, from_stdin=args.password_stdin)
    elif args.user_command == "passwd":
        set_password_interactive(args.db, args.name, from_stdin=args.password_stdin)
    else:
        remove_user_command(args.db, args.name)
    return EXIT_OK


COMMANDS = {"run": _cmd_run, "watch": _cmd_watch, "report": _cmd_report, "serve": _cmd_serve, "user": _cmd_user}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt as exc:
        # The runner's BatchInterrupted carries the one-line summary of how far it got.
        print(str(exc) or "paperdesk: interrupted; what was read is kept and a new run resumes from there", file=sys.stderr)
        return EXIT_INTERRUPTED
    except PaperdeskError as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"paperdesk: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        # A file or folder the batch itself needs (out/, the export) cannot be used.
        if args.verbose:
            traceback.print_exc()
        where = f": {exc.filename}" if exc.filename else ""
        print(f"paperdesk: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
