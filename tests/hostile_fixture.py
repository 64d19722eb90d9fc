"""The small demo agency with hostile text in every free-text field, for the download and rendering tests.

Two kinds of hostile text are planted, straight into the tables (as an import or a careless form
could store them), never through the checks of the store:

* :data:`FORMULAS`, which a spreadsheet would run if a CSV download held them as they are
  (OWASP's CSV injection examples: ``=``, ``+``, ``-``, ``@`` and a leading tab);
* :data:`MARKUP`, which would load an outside image, make a link or render HTML if a page put it
  into Markdown or a Plotly chart as it is. Every address in it is on :data:`HOST` (TEST-NET-3,
  RFC 5737), which nothing on the page may ever contact.

Where they go: client, candidate and account names, role titles, reviewers' notes and not-assessed
reasons, tooling evidence, the weight version note, replacement references and charge reasons,
adjudicated decisions and their reasons, amendment reasons, calibration exercise names and audit
log entries.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from itertools import cycle, islice
from pathlib import Path

import duckdb

from scoring.store.bulk import advance_sequences

HOST = "203.0.113.9"
FORMULAS = [f'=HYPERLINK("http://{HOST}","Acme")', "+1", "@SUM(A1)", "\tTabbed name", "-5"]
MARKUP = [
    f"![x](http://{HOST}/x.png)",
    f'<a href="http://{HOST}">Acme</a>',
    f"<img src=http://{HOST}/y.png>",
    f"[see the notes](http://{HOST}/notes)",
    f"http://{HOST}/bare",
    f"<http://{HOST}/auto>",
    f"someone@{HOST}",
    f"www.{HOST}.example",
    f'<span style="background:url(http://{HOST}/s.png)">styled</span>',
]
HOSTILE = FORMULAS + MARKUP
#: The demo's sign-in accounts get a markup name each, so every role sees one in its sidebar.
ACCOUNT_NAMES = {
    "reviewer@demo.example": f"<img src=http://{HOST}/y.png>",
    "lead@demo.example": f'<a href="http://{HOST}">Lead</a>',
    "ops@demo.example": f"![x](http://{HOST}/ops.png)",
    "admin@demo.example": f"[admin](http://{HOST}/admin)",
}


def _cycled(count: int, offset: int = 0) -> list[str]:
    return list(islice(cycle(HOSTILE[offset:] + HOSTILE[:offset]), count))


def _update_each(con: duckdb.DuckDBPyConnection, table: str, key: str, column: str, where: str = "TRUE",
                 offset: int = 0) -> None:
    """Give every row of ``table`` matching ``where`` the next hostile text in ``column``."""
    keys = [row[0] for row in con.execute(f"SELECT {key} FROM {table} WHERE {where} ORDER BY {key}").fetchall()]
    values = _cycled(len(keys), offset)
    con.execute(f"CREATE OR REPLACE TEMP TABLE hostile AS SELECT * FROM (VALUES {', '.join(['(?, ?)'] * len(keys))}) "
                f"AS t(k, v)", [item for pair in zip(keys, values) for item in pair])
    con.execute(f"UPDATE {table} SET {column} = hostile.v FROM hostile WHERE {table}.{key} = hostile.k")


def plant(path: Path) -> None:
    """Put hostile text into every free-text field of the database file at ``path``."""
    con = duckdb.connect(str(path))
    try:
        _update_each(con, "clients", "client_id", "name")
        _update_each(con, "candidates", "candidate_id", "full_name", offset=3)
        _update_each(con, "searches", "search_id", "role_title", offset=7)
        _update_each(con, "accounts", "account_id", "display_name", offset=5)
        for email, name in ACCOUNT_NAMES.items():
            con.execute("UPDATE accounts SET display_name = ? WHERE email = ?", [name, email])
        _update_each(con, "weight_versions", "version_id", "note", offset=5)
        _update_each(con, "replacements", "replacement_id", "cost_reason", offset=1)
        prefixes = cycle(("=", "+", "@", "-"))
        for (replacement_id, ref) in con.execute("SELECT replacement_id, external_id FROM replacements "
                                                 "ORDER BY replacement_id").fetchall():
            con.execute("UPDATE replacements SET external_id = ? WHERE replacement_id = ?",
                        [next(prefixes) + ref, replacement_id])
        con.execute("UPDATE tooling_evidence SET evidence = ? WHERE (candidate_id + tool_id) % 2 = 0", [MARKUP[0]])
        con.execute("UPDATE tooling_evidence SET evidence = ? WHERE (candidate_id + tool_id) % 2 = 1", [FORMULAS[0]])
        # Notes: every note written, each to a hostile text.
        con.execute("CREATE OR REPLACE TEMP TABLE noted AS SELECT scorecard_id, dimension_id, "
                    "row_number() OVER (ORDER BY scorecard_id, dimension_id) AS n FROM scores WHERE note <> ''")
        for position, text in enumerate(HOSTILE):
            con.execute("UPDATE scores SET note = ? FROM noted WHERE scores.scorecard_id = noted.scorecard_id "
                        "AND scores.dimension_id = noted.dimension_id AND noted.n % ? = ?",
                        [text, len(HOSTILE), position])
        # One dimension of some submitted scorecards marked not assessed, with a hostile reason.
        con.execute("CREATE OR REPLACE TEMP TABLE skipped AS SELECT scorecard_id, "
                    "row_number() OVER (ORDER BY scorecard_id) AS n FROM scorecards "
                    "WHERE status = 'submitted' AND scorecard_id % 37 = 0")
        for position, text in enumerate(HOSTILE):
            con.execute("UPDATE scores SET rating = NULL, not_assessed_reason = ? FROM skipped "
                        "WHERE scores.scorecard_id = skipped.scorecard_id AND scores.dimension_id = 5 "
                        "AND skipped.n % ? = ?", [text, len(HOSTILE), position])
        _update_each(con, "scorecards", "scorecard_id", "amendment_reason", where="scorecard_id % 50 = 0", offset=2)
        _plant_decisions_and_exercises(con)
        _plant_audit_entries(con)
    finally:
        con.close()


def _plant_decisions_and_exercises(con: duckdb.DuckDBPyConnection) -> None:
    lead = con.execute("SELECT account_id FROM accounts WHERE email = 'lead@demo.example'").fetchone()[0]
    admin = con.execute("SELECT account_id FROM accounts WHERE email = 'admin@demo.example'").fetchone()[0]
    now = datetime.now().replace(microsecond=0)
    scored = [row[0] for row in con.execute(
        "SELECT DISTINCT application_id FROM scorecards WHERE status = 'submitted' AND stage_id = 3 "
        "ORDER BY application_id LIMIT 40").fetchall()]
    for application_id, reason in zip(scored, _cycled(len(scored), 4)):
        con.execute("INSERT INTO final_decisions VALUES (?, 'hold', ?, ?, ?)", [application_id, reason, lead, now])
    next_set = con.execute("SELECT coalesce(max(set_id), 0) + 1 FROM calibration_sets").fetchone()[0]
    for offset, name in enumerate((MARKUP[1], FORMULAS[0])):
        set_id = next_set + offset
        con.execute("INSERT INTO calibration_sets VALUES (?, ?, ?, ?)", [set_id, name, admin, now])
        for application_id in scored[offset * 3: offset * 3 + 3]:
            con.execute("INSERT INTO calibration_items VALUES (?, ?, 3)", [set_id, application_id])
    advance_sequences(con)          # an exercise created later gets the next id


def _plant_audit_entries(con: duckdb.DuckDBPyConnection) -> None:
    admin = con.execute("SELECT account_id FROM accounts WHERE email = 'admin@demo.example'").fetchone()[0]
    for text in HOSTILE:
        con.execute("INSERT INTO audit_log (actor_id, action, entity, entity_key, before, after) "
                    "VALUES (?, 'update', 'client', ?, NULL, ?)", [admin, text, json.dumps({"name": text})])


def build(demo_file: Path, path: Path) -> Path:
    """A copy of the demo database ``demo_file`` at ``path``, with hostile text planted."""
    shutil.copy(demo_file, path)
    plant(path)
    return path
