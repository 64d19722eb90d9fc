"""The ``scorecard`` command: build a demo agency, serve the dashboard, import, export and restore data, report.

Run ``scorecard --help`` for the subcommands.
"""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd
from tqdm import tqdm

from scoring.agency.access import ROLES
from scoring.agency.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from scoring.agency.text import terminal_safe
from scoring.demo.generator import DemoConfig, build_demo
from scoring.domain.dimensions import DEFAULT_WEIGHTS_PCT
from scoring.domain.self_identification import MIN_GROUP_SIZE
from scoring.domain.settings import DATABASE
from scoring.store.db import (
    PROJECT_ROOT,
    Database,
    DatabaseError,
    database_location,
    is_held_by_another_process,
    is_postgres_location,
)

DEFAULT_PORT = 8501
FORCE_HELP = ("replace the database already there: a file is replaced whole, never while another program has it "
              "open; a PostgreSQL database has all its data deleted first")
T = TypeVar("T")


def _progress_bar(description: str):
    """A tqdm bar driven by (message, share done) callbacks; returns (callback, bar)."""
    bar = tqdm(total=100, unit="%", bar_format="{desc:<32} {percentage:3.0f}%|{bar}| {elapsed}")

    def update(message: str, done: float) -> None:
        bar.n = round(100 * done)
        bar.set_description_str(f"{description}: {message}")

    return update, bar


def _with_progress(location: str, description: str, work: Callable[[Database, Callable], T]) -> T:
    """Run ``work(db, progress)`` on the database at ``location`` under a progress bar, then close both."""
    with Database(location) as db:
        update, bar = _progress_bar(description)
        try:
            return work(db, update)
        finally:
            bar.close()


def run_demo(args: argparse.Namespace) -> int:
    """Build a new database holding the generated demo agency, with a progress bar."""
    _make_room(args.db, args.force, "demo")
    config = DemoConfig(candidates=args.candidates, seed=args.seed, as_of=args.as_of or date.today())
    update, bar = _progress_bar("demo")
    try:
        counts = build_demo(args.db, config, update, replace=args.force)
        update("done", 1.0)
    finally:
        bar.close()
    print(f"built {args.db}: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()
                                            if table in ("clients", "candidates", "searches", "scores")))
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Start the dashboard on the database, building the demo agency first when there is none."""
    location = args.db or database_location()
    if not is_postgres_location(location) and not Path(location).exists():
        print(f"no database at {location}: building the demo agency first")
        run_demo(argparse.Namespace(db=location, candidates=DemoConfig.candidates, seed=DemoConfig.seed,
                                    as_of=None, force=False))
    elif _nobody_can_sign_in(location):
        print(_no_account_advice(location), file=sys.stderr)
        return 1
    env = {**os.environ, DATABASE.name: location}
    threading.Thread(target=warm_up, args=(args.address, args.port), daemon=True).start()
    return subprocess.call(dashboard_command(args.port, args.address), env=env)


def dashboard_command(port: int, address: str) -> list[str]:
    """The ``streamlit run`` that serves the dashboard on ``address:port``.

    A served dashboard's code does not change under it, so no file watcher runs (Streamlit would
    otherwise watch every module the pages import, polling them where the system offers no change
    notices); the script health check is on for :func:`warm_up`.
    """
    return [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
            "--server.port", str(port), "--server.address", address,
            "--browser.gatherUsageStats", "false", "--server.headless", "true",
            "--client.toolbarMode", "viewer", "--server.scriptHealthCheckEnabled", "true",
            "--server.fileWatcherType", "none"]


def warm_up(address: str, port: int, wait_s: float = 120) -> bool:
    """Once the server answers, have it run ``app.py`` once (its script health check).

    That run imports the app's modules and starts the background computation of the heavy reports
    (:mod:`ui.shared_reads`), so the first visitor finds a warm server instead of paying for both.
    Returns True once the server has answered, even when the run failed (the first visitor then reads
    why, such as a database out of reach); False when it never answered within ``wait_s`` seconds.
    """
    host = "127.0.0.1" if address in ("", "0.0.0.0", "::") else address
    url = f"http://{host}:{port}/_stcore/script-health-check"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=60):
                return True
        except urllib.error.HTTPError:      # it answered: the run failed
            return True
        except OSError:                     # not listening yet
            time.sleep(0.5)
    return False


# -- starting a new agency, and the accounts behind the sign-in -------------------------------------

class Refused(Exception):
    """The command was refused before it changed anything; the message says why."""


def _make_room(location: str, force: bool, command: str, advice: str = "") -> None:
    """Refuse, before anything is asked for or built, to make a new database where one already is.

    A database file is replaced only with ``force``, and never while another program (a running
    dashboard) has it open; a PostgreSQL database that holds data is emptied first only with
    ``force``. The refusal says what the database holds; ``advice`` is added to it.
    """
    from scoring.store.replacing import describe, file_contents, refuse_if_in_use
    from scoring.store.tables import rows_beyond_seed

    if is_postgres_location(location):
        with Database(location) as db, db.cursor() as cur:
            filled = rows_beyond_seed(cur)
        if filled and not force:
            raise Refused(f"{location} already holds data: {describe(filled)}. scorecard {command} fills an empty "
                          f"database; give --force to delete all of that data first.{advice} Nothing was changed.")
        return
    if not Path(location).exists():
        return
    counts = file_contents(location)                 # refused here when another program has the file open
    if not force:
        what = "is not a scorecard database" if counts is None else f"holds {describe(counts)}"
        raise Refused(f"{location} already exists and {what}. scorecard {command} makes a new database and "
                      f"replaces an existing file only when given --force.{advice} Nothing was changed.")
    refuse_if_in_use(location)


def _read_password(from_stdin: bool) -> str:
    """The new password: the first line of standard input, or typed twice at a prompt; long enough."""
    if from_stdin:                      # like docker login --password-stdin: one line, no echo, scriptable
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("The same password again: ") != password:
            raise Refused("the two passwords differ; nothing was changed")
    if not password:
        raise Refused("the password is empty; nothing was changed")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Refused(f"a password needs at least {MIN_PASSWORD_LENGTH} characters; nothing was changed")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Refused(f"a password may have at most {MAX_PASSWORD_LENGTH:,} characters; nothing was changed")
    return password


def _existing_database(location: str) -> Database:
    """The database at ``location``, refusing to create one: only ``init`` makes new databases."""
    if not is_postgres_location(location) and not Path(location).exists():
        raise Refused(f"there is no database at {location}; make one with: scorecard init --db {location} "
                      "--admin-email EMAIL")
    return Database(location)


def run_init(args: argparse.Namespace) -> int:
    """Make a new, empty database whose one account is its first admin, then say what to do next."""
    from scoring.store.accounts import check_email, create_operator_account
    from scoring.store.bulk import clear_data
    from scoring.store.db import storable_text
    from scoring.store.replacing import new_database_file
    from scoring.store.tables import rows_beyond_seed

    location = args.db
    _make_room(location, args.force, "init", advice=" To add an admin to it instead: scorecard accounts add "
               f"--db {location} --role admin --email EMAIL --name NAME.")
    check_email(args.admin_email)
    storable_text("display_name", args.name.strip(), "name")
    password = _read_password(args.password_stdin)

    def create(db: Database) -> None:
        create_operator_account(db, email=args.admin_email, display_name=args.name, role="admin", password=password)

    if is_postgres_location(location):
        with Database(location) as db:
            with db.cursor() as cur:
                filled = rows_beyond_seed(cur)
            if filled and not args.force:      # filled since the check above
                raise Refused(f"{location} already holds data; init only fills an empty database")
            if filled:
                db.write(clear_data)
            create(db)
    else:
        with new_database_file(location, replace=args.force) as partial:   # a refused init leaves no file
            with Database(partial) as db:
                create(db)
    print(terminal_safe(f"created {location}: an empty database with one admin account, {args.admin_email.strip()} "
                        f"({args.name.strip()}), and the default weights "
                        f"{'/'.join(map(str, DEFAULT_WEIGHTS_PCT.values()))}."))
    print(f"""Next steps:
  1. Bring in your history (the format is in docs/import-format.md, examples in data/samples/):
       scorecard import FILES_OR_DIRECTORIES --db {location}
  2. Start the dashboard and sign in as {args.admin_email.strip()}:
       scorecard serve --db {location}
  3. Add your colleagues' accounts (or on the dashboard's Admin page):
       scorecard accounts add --db {location} --email EMAIL --name NAME --role reviewer""")
    return 0


def _text_table(columns: dict[str, pd.Series]) -> str:
    """Columns of text as a left-aligned plain-text table with a header line; cells escaped for the terminal."""
    rows = [list(columns), *zip(*(column.astype(str).map(terminal_safe) for column in columns.values()))]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def _no_account_advice(location: str) -> str:
    return (f"{location} has no active account with a password, so nobody could sign in. Run one of:\n"
            f"  scorecard accounts add --db {location} --role admin --email EMAIL --name NAME\n"
            "      to add an admin to this database\n"
            f"  scorecard accounts reset-password --db {location} --email EMAIL\n"
            f"      to give an account it holds a password (scorecard accounts list --db {location} lists them)\n"
            "  scorecard init --db NEW_PATH --admin-email EMAIL\n"
            "      to start a new, empty database with its first admin")


def _nobody_can_sign_in(location: str) -> bool:
    """Whether no active account has a password. init and ``accounts add`` always set one, so a
    deployment with single sign-on has one too (its first admin), and is never refused for this."""
    from scoring.store.accounts import accounts_able_to_sign_in

    with Database(location) as db:
        return accounts_able_to_sign_in(db, with_password=True) == 0


def run_accounts(args: argparse.Namespace) -> int:
    """List, add, disable, enable or reset the password of the sign-in accounts of a database."""
    from scoring.store import accounts

    with _existing_database(args.db) as db:
        if args.action == "list":
            table = accounts.operator_accounts(db)
            if table.empty:
                print(_no_account_advice(args.db))
                return 0
            print(_text_table({
                "email": table["email"], "name": table["display_name"], "role": table["role"],
                "active": table["active"].map({True: "yes", False: "no"}),
                "locked until": table["locked_until"].map(lambda t: "" if pd.isna(t) else f"{t:%Y-%m-%d %H:%M}"),
            }))
        elif args.action == "add":
            accounts.check_new_account(db, args.email, args.name, args.role)     # before the password is asked for
            password = _read_password(args.password_stdin)
            accounts.create_operator_account(db, email=args.email, display_name=args.name, role=args.role,
                                             password=password)
            print(terminal_safe(f"added {args.role} account {args.email.strip()} ({args.name.strip()}) to {args.db}"))
        elif args.action in ("disable", "enable"):
            accounts.operator_set_active(db, args.email, active=args.action == "enable")
            print(terminal_safe(f"{args.action}d the account {args.email.strip()} in {args.db}"))
        else:
            accounts.check_known_email(db, args.email)
            password = _read_password(args.password_stdin)
            accounts.operator_reset_password(db, args.email, password)
            print(terminal_safe(f"reset the password of {args.email.strip()} in {args.db}; any lock-out is lifted"))
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Check and import CSV or Parquet files (through a mapping when given), all or nothing, listing problems."""
    from scoring.importing.mapping import MappingError, load_mapping, parse_mapping
    from scoring.importing.validation import LISTED_PROBLEMS
    from scoring.store.import_mappings import operator_saved_mapping
    from scoring.store.importer import import_paths

    try:
        if not args.mapping:
            mapping = None
        elif Path(args.mapping).exists():
            mapping = load_mapping(args.mapping)
        else:       # not a file: a mapping saved on the Import page, by its name
            with Database(args.db) as db:
                mapping = parse_mapping(operator_saved_mapping(db, args.mapping), args.mapping)
    except MappingError as error:
        print(terminal_safe(f"the mapping {error.source} cannot be used; nothing was written:"), file=sys.stderr)
        for fault in error.errors:
            print(terminal_safe(f"  {fault}"), file=sys.stderr)
        return 1
    result = _with_progress(args.db, "import", lambda db, update: import_paths(
        db, args.paths, progress=update, check_only=args.check, limit=LISTED_PROBLEMS, mapping=mapping))
    for name, table, rows in result.files:         # names and problems quote the files: escaped for the terminal
        print(terminal_safe(f"{name}: {table or 'unrecognised'}, {rows:,} rows"))
    if not result.ok:
        for problem in result.problems:
            print(terminal_safe(str(problem)))
        listed = len(result.problems)
        more = f" (the first {listed:,} listed)" if listed < result.total_problems else ""
        print(f"{result.total_problems:,} problems{more}; nothing was written.", file=sys.stderr)
        return 1
    if args.check:
        print("no problems found; nothing was written (--check).")
        return 0
    for table, counts in result.counts.items():
        print(f"{table}: {counts.inserted:,} new, {counts.updated:,} updated, {counts.unchanged:,} unchanged")
    print(f"imported into {args.db}" if result.changed else f"no changes: {args.db} already holds these rows")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write every table of the database to Parquet files in a directory, with a manifest of checksums."""
    from scoring.store.archive import operator_export

    if not is_postgres_location(args.db) and not Path(args.db).exists():
        print(f"no database at {args.db}", file=sys.stderr)
        return 1
    manifest = _with_progress(args.db, "export",
                              lambda db, update: operator_export(db, args.directory, progress=update))
    rows = sum(entry["rows"] for entry in manifest["tables"])
    print(f"exported {len(manifest['tables'])} tables ({rows:,} rows) to {args.directory}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Restore an export (a directory or its zip file) into an empty or new database, after checking it whole."""
    from scoring.store.archive import restore_database, unpack_zip, verify_export
    from scoring.store.replacing import new_database_file

    holder = unpack_zip(args.source) if Path(args.source).is_file() else None
    source = holder.name if holder else args.source
    try:
        verify_export(source)                     # before the target file is even created
        _make_room(args.db, args.force, "restore")
        if is_postgres_location(args.db):         # restored in one transaction, emptied first with --force
            counts = _with_progress(args.db, "restore", lambda db, update: restore_database(
                db, source, progress=update, replace=args.force))
        else:                                     # restored into a new file that then takes the old one's place
            with new_database_file(args.db, replace=args.force) as partial:
                counts = _with_progress(str(partial), "restore",
                                        lambda db, update: restore_database(db, source, progress=update))
    finally:
        if holder:
            holder.cleanup()
    print(f"restored {sum(counts.values()):,} rows in {len(counts)} tables into {args.db} "
          "(the reference tables stages, dimensions and tools matched the export)")
    return 0


def _report_refusal(args: argparse.Namespace) -> str | None:
    """Why a report's period or database cannot be used, or None."""
    if args.start and args.end and args.start > args.end:
        return f"report refused: --from {args.start} is after --to {args.end}"
    if not is_postgres_location(args.db) and not Path(args.db).exists():
        return f"no database at {args.db}"
    return None


def _dated_report_options(counted: str) -> argparse.ArgumentParser:
    """The options every report as of a date shares (``--db``, ``--as-of``, ``--from``, ``--to``), the ones
    :func:`_report_refusal` checks; ``counted`` names what the period limits, in the help."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--db", default=database_location(), help="database to read")
    options.add_argument("--as-of", type=date.fromisoformat, required=True, metavar="YYYY-MM-DD",
                         help="audit date (YYYY-MM-DD): nothing dated after it is used")
    options.add_argument("--from", dest="start", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                         help=f"only {counted} on or after this date (default: no limit)")
    options.add_argument("--to", dest="end", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                         help=f"only {counted} on or before this date (default: no limit)")
    return options


def run_report_ops(args: argparse.Namespace) -> int:
    """Write the ops audit of the promises as of a date, as JSON or CSV."""
    from scoring.agency.access import OPERATOR
    from scoring.reports.ops_export import ops_audit, to_csv, to_json
    from scoring.store.searches import SearchFilter

    if (refused := _report_refusal(args)) is not None:
        print(refused, file=sys.stderr)
        return 1
    with Database(args.db) as db:
        document = ops_audit(db.reader(), OPERATOR, SearchFilter(start=args.start, end=args.end), args.as_of)
    Path(args.out).write_bytes(to_json(document) if args.format == "json" else to_csv(document))
    print(f"wrote the ops audit as of {args.as_of} ({args.format}) to {args.out}")
    return 0


def run_report_fairness(args: argparse.Namespace) -> int:
    """Write the adverse-impact audit as of a date, on behalf of an auditor or admin account."""
    from scoring.reports.fairness import fairness_report, to_json
    from scoring.reports.fairness_document import fairness_document, file_name
    from scoring.store.accounts import account_for_email

    if (refused := _report_refusal(args)) is not None:
        print(refused, file=sys.stderr)
        return 1
    with Database(args.db) as db:
        actor = account_for_email(db, args.account)
        if actor is None or not actor.may("read_fairness"):
            print(f"report refused: --account {args.account} is not an active auditor or admin account; "
                  "self-identification is read only on their behalf", file=sys.stderr)
            return 1
        report = fairness_report(db.reader(), actor, args.as_of, args.start, args.end, args.by, args.min_group)
    out = Path(args.out or file_name(report, args.format))
    out.write_bytes(to_json(report) if args.format == "json" else fairness_document(report, actor).encode("utf-8"))
    print(f"wrote adverse impact by {args.by} as of {args.as_of} ({args.format}) to {out}")
    return 0


def run_report_client(args: argparse.Namespace) -> int:
    """Write one client's monthly report as a self-contained HTML file."""
    from scoring.agency.access import OPERATOR
    from scoring.reports.client_document import client_document, file_name
    from scoring.reports.client_month import client_month_report

    with _existing_database(args.db) as db:
        try:
            report = client_month_report(db.reader(), OPERATOR, args.client, args.month, db.agency_today())
        except ValueError as refusal:
            raise Refused(f"{refusal}. Nothing was written.") from None
    out = Path(args.out or file_name(report.client_ref, report.month))
    out.write_text(client_document(report), encoding="utf-8")
    print(terminal_safe(f"wrote the monthly report of {report.client} for {report.month_label} "
                        f"(as of {report.as_of}) to {out}"))
    return 0


def run_digest(args: argparse.Namespace) -> int:
    """Send (or, with --dry-run, print) the daily digests by e-mail and to the ops channel's webhook."""
    from scoring.agency.access import OPERATOR, SERVER
    from scoring.reports.delivery import FAILED, SENT, DeliverySettings, SettingsError, send_digests, webhook_body
    from scoring.reports.digest import Recipient, daily_digests, since_days
    from scoring.store.digests import digest_recipients, sent_digests

    try:
        settings = DeliverySettings.from_environment()
    except SettingsError as error:
        raise Refused(f"{error}. Nothing was sent.") from None
    if not args.dry_run and not (settings.sends_email or settings.posts_webhook):
        raise Refused("no mail server (SCORECARD_SMTP_HOST) and no webhook (SCORECARD_DIGEST_WEBHOOK) are set, so "
                      "there is nowhere to send the digest; give --dry-run to print it instead. Nothing was sent.")
    with _existing_database(args.db) as db:
        recipients = []
        if settings.sends_email or args.dry_run:
            recipients = [Recipient(str(row.display_name), str(row.role), int(row.account_id), str(row.email))
                          for row in digest_recipients(db).itertuples()]
        sent = sent_digests(db, args.as_of)
        if settings.posts_webhook:
            recipients.append(Recipient("the ops channel", "webhook"))
        print(f"composing {len(recipients)} digests as of {args.as_of}")
        # The reviewers drifting are read as the background identity that computes the calibration page's
        # shared figures (it may only read); ops's digest carries only their names, dimension and direction.
        digests = daily_digests(db.reader(), OPERATOR, args.as_of, recipients, since_days(recipients, sent, args.as_of),
                                drift_reader=SERVER)
        if args.dry_run:
            for digest in digests:
                if digest.recipient.email:
                    shown = f"To: {digest.recipient.email}\nSubject: {digest.subject}\n\n{digest.text}"
                else:
                    shown = f"To: the webhook, as JSON\n{webhook_body(digest).decode()}"
                print("\n" + "\n".join(terminal_safe(line) for line in f"=== {shown}".splitlines()))
            print(f"dry run: {len(digests)} digests printed; nothing was sent or recorded")
            return 0
        outcomes = send_digests(db, digests, settings, say=lambda line: print(terminal_safe(line)))
    counts = {status: sum(o.status == status for o in outcomes) for status in (SENT, FAILED)}
    skipped = len(outcomes) - counts[SENT] - counts[FAILED]
    print(f"digest of {args.as_of}: {counts[SENT]} sent, {skipped} skipped, {counts[FAILED]} failed")
    if counts[FAILED]:
        print("the failed digests were not recorded as sent; run the command again to retry them", file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="scorecard", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="build a new database holding a generated demo agency")
    demo.add_argument("--db", default=database_location(), help="database file to create (an existing one is "
                                                                "replaced only with --force)")
    demo.add_argument("--candidates", type=int, default=DemoConfig.candidates, help="number of candidates")
    demo.add_argument("--seed", type=int, default=DemoConfig.seed, help="random seed: same seed, same data")
    demo.add_argument("--as-of", type=date.fromisoformat, default=None,
                      help="the demo's today (YYYY-MM-DD); default: today")
    demo.add_argument("--force", action="store_true", help=FORCE_HELP)
    demo.set_defaults(run=run_demo)

    init = commands.add_parser("init", help="make a new, empty database with one admin account")
    init.add_argument("--db", default=database_location(), help="database file to create (an existing one is "
                                                                "replaced only with --force), or an empty PostgreSQL "
                                                                "database")
    init.add_argument("--admin-email", required=True, metavar="EMAIL", help="the first admin's email (sign-in name)")
    init.add_argument("--name", default="Administrator", help="the first admin's display name")
    init.add_argument("--password-stdin", action="store_true",
                      help="read the password from the first line of standard input instead of a prompt")
    init.add_argument("--force", action="store_true", help=FORCE_HELP)
    init.set_defaults(run=run_init)

    serve = commands.add_parser("serve", help="start the dashboard (building the demo database if missing)")
    serve.add_argument("--db", default=None,
                       help=f"database location (default: ${DATABASE.name} or {DATABASE.default})")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--address", default="127.0.0.1")
    serve.set_defaults(run=run_serve)

    people = commands.add_parser("accounts", help="list, add, disable, enable accounts or reset a password "
                                                  "(audited, without a signed-in account)")
    actions = people.add_subparsers(dest="action", required=True)
    located = argparse.ArgumentParser(add_help=False)
    located.add_argument("--db", default=database_location(), help="database holding the accounts")
    by_email = argparse.ArgumentParser(add_help=False)
    by_email.add_argument("--email", required=True, help="the account's email")
    from_stdin = argparse.ArgumentParser(add_help=False)
    from_stdin.add_argument("--password-stdin", action="store_true",
                            help="read the password from the first line of standard input instead of a prompt")
    actions.add_parser("list", parents=[located], help="every account: email, name, role, active, locked until")
    add = actions.add_parser("add", parents=[located, by_email, from_stdin], help="add an account with a password")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--role", required=True, help=f"one of {', '.join(ROLES)}")
    actions.add_parser("disable", parents=[located, by_email], help="stop an account from signing in")
    actions.add_parser("enable", parents=[located, by_email], help="let a disabled account sign in again")
    actions.add_parser("reset-password", parents=[located, by_email, from_stdin],
                       help="set a new password and lift a lock-out")
    people.set_defaults(run=run_accounts)

    load = commands.add_parser("import", help="import CSV or Parquet files (see docs/import-format.md); "
                                              "all or nothing")
    load.add_argument("paths", nargs="+", metavar="PATH", help="files, or directories of .csv/.parquet files")
    load.add_argument("--db", default=database_location(), help="database to import into (created if missing)")
    load.add_argument("--check", action="store_true", help="only validate: list the problems, write nothing")
    load.add_argument("--mapping", metavar="FILE_OR_NAME",
                      help="the files are another system's export: read them through this mapping (a TOML file, see "
                           "docs/import-mapping.md, or the name of a mapping saved on the Import page)")
    load.set_defaults(run=run_import)

    export = commands.add_parser("export", help="write every table to Parquet with a manifest of checksums")
    export.add_argument("directory", metavar="DIR", help="new or empty directory to write to")
    export.add_argument("--db", default=database_location(), help="database to export")
    export.set_defaults(run=run_export)

    restore = commands.add_parser("restore", help="restore an export into an empty or new database")
    restore.add_argument("source", metavar="DIR", help="export directory (or a zip of one)")
    restore.add_argument("--db", default=database_location(), help="database to restore into: a new file, or an "
                                                                   "empty PostgreSQL database")
    restore.add_argument("--force", action="store_true", help=FORCE_HELP)
    restore.set_defaults(run=run_restore)

    report = commands.add_parser("report", help="write a report's figures to a file, reproducibly")
    reports = report.add_subparsers(dest="report", required=True)
    audit = reports.add_parser("ops", parents=[_dated_report_options("searches opened")],
                               help="the ops audit as of a date, as the ops page shows it with all clients "
                                    "and seniorities (fields in docs/ops-report.md)")
    audit.add_argument("--format", choices=("json", "csv"), required=True, help="json, or csv in the long "
                                                                                 "layout section,item,field,value")
    audit.add_argument("--out", required=True, metavar="FILE", help="file to write (replaced if it exists)")
    audit.set_defaults(run=run_report_ops)
    fair = reports.add_parser("fairness", parents=[_dated_report_options("decisions (stage entries, for the score)")],
                              help="adverse impact per stage and for the weighted score, by "
                                   "self-identified group (auditors and admins; docs/fairness.md)")
    fair.add_argument("--account", required=True, metavar="EMAIL",
                      help="the active auditor or admin account the report is read for")
    fair.add_argument("--by", choices=("sex", "race_ethnicity", "sex_and_race"), default="sex",
                      help="how groups are formed (default: sex)")
    fair.add_argument("--min-group", type=int, default=MIN_GROUP_SIZE, metavar="N",
                      help=f"fewest decisions a group needs to be judged (default: {MIN_GROUP_SIZE})")
    fair.add_argument("--format", choices=("json", "html"), required=True,
                      help="json (the figures), or html (one self-contained page with charts, the method and its "
                           "sources, that prints to PDF)")
    fair.add_argument("--out", default=None, metavar="FILE", help="file to write (replaced if it exists); default: "
                                                                  "fairness_GROUPING_YYYYMMDD.json or .html here")
    fair.set_defaults(run=run_report_fairness)
    monthly = reports.add_parser("client", help="one client's monthly report as a self-contained HTML file that "
                                                "prints to PDF (docs/ops-report.md)")
    monthly.add_argument("--db", default=database_location(), help="database to read")
    monthly.add_argument("--client", required=True, metavar="REF", help="the client's reference (CL-0001)")
    monthly.add_argument("--month", required=True, metavar="YYYY-MM",
                         help="the month reported, as of its last day (or today, while it runs)")
    monthly.add_argument("--out", default=None, metavar="FILE",
                         help="file to write (replaced if it exists); default: client-report-REF-YYYY-MM.html here")
    monthly.set_defaults(run=run_report_client)

    digest = commands.add_parser("digest", help="send each hiring lead and ops the day's digest of promises at risk, "
                                                "breached and due, by e-mail and to the webhook, once per date")
    digest.add_argument("--db", default=database_location(), help="database to read")
    digest.add_argument("--as-of", type=date.fromisoformat, default=date.today(), metavar="YYYY-MM-DD",
                        help="the digest's date: nothing dated after it is used (default: today)")
    digest.add_argument("--dry-run", action="store_true", help="print every digest instead of sending it; "
                                                               "nothing is sent or recorded")
    digest.set_defaults(run=run_digest)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "candidates", 1) < 1:
        parser().error("--candidates must be at least 1")
    try:
        return args.run(args)
    except (DatabaseError, Refused) as refusal:     # the store's refusals say which row and why
        print(terminal_safe(f"{args.command} refused: {refusal}"), file=sys.stderr)
        return 1
    except duckdb.Error as error:
        if not is_held_by_another_process(error):
            raise
        location = getattr(args, "db", None) or database_location()
        print(terminal_safe(f"{args.command} refused: {location} is open in another program (a running dashboard "
                            "or another scorecard command); stop that program first. Nothing was changed."),
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
