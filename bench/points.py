"""Benchmark: a volunteer's points page and the leaderboard stay fast on a big ledger.

Builds a community with 50,000 volunteers and 1,000,000 point entries (through the
migrations, then bulk inserts: COPY on PostgreSQL), signs in as one volunteer who has
2,000 entries of their own, and serves in the same process, through the app's full request
stack (sessions, sign-in, community scoping, templates):

* ``points.mine``        the volunteer's own points page (balance, level, history page 1),
* ``points.leaderboard`` the community leaderboard,
* a hello-world route added for the run, the floor any page pays.

It prints the median and 95th percentile of each and the ratio of each page to hello
world, on SQLite and on PostgreSQL (a scratch database ``charity_bench`` beside the URL
given, dropped and created anew)::

    .venv/bin/python bench/points.py                        # both databases
    .venv/bin/python bench/points.py --only sqlite
    .venv/bin/python bench/points.py --volunteers 5000 --entries 100000   # a quick look

Target (issue 7): each page's median under 50 ms on both databases at 50,000 volunteers
and 1,000,000 entries. Building the data takes a minute or two per database.
"""

import argparse
import contextlib
import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-2026"
#: Entries of the volunteer whose page is timed: many pages of history.
OWN_ENTRIES = 2_000
KINDS = ["cultural", "elderly_care", "children", "environment", "repair"]


def make_app(database_url):
    from charity import create_app

    tmp = tempfile.mkdtemp(prefix="charity-bench-")
    os.environ["CHARITY_INSTANCE_PATH"] = tmp
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    # Registered before the first request, so it passes through the same hooks as any page.
    app.add_url_rule("/bench/hello", "bench_hello", lambda: "hello")
    return app


def fresh_postgres(url):
    """Drop and create the scratch database named in ``url``; returns the SQLAlchemy URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(database="postgres", drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}"')
        conn.execute(f'CREATE DATABASE "{target.database}"')
    return url


def build(app, volunteers, entries):
    """Schema at head, one community, ``volunteers`` volunteers with accounts and
    ``entries`` point entries; returns the timed volunteer's username."""
    import sqlalchemy as sa

    from charity.accounts import services as accounts
    from charity.cli import upgrade_to_head
    from charity.extensions import db

    with app.app_context():
        with contextlib.redirect_stderr(io.StringIO()):  # alembic's INFO lines
            upgrade_to_head()
        community = accounts.create_community(name="基准社区", slug="bench")
        user = accounts.create_user(community, username="bench-volunteer", display_name="基准志愿者",
                                    password=PASSWORD, roles=["volunteer"], must_change_password=False)
        db.session.commit()
        cid, uid = community.id, user.id
        rng = random.Random(2026)
        now = datetime(2026, 11, 1, tzinfo=timezone.utc)

        t0 = time.perf_counter()
        vol_rows = [(i, cid, f"志愿者{i:05d}", f"139{i:08d}", "", uid if i == 1 else None, now)
                    for i in range(1, volunteers + 1)]
        insert(db, "volunteer", ["id", "community_id", "name", "phone", "tags", "user_id", "created_at"],
               vol_rows)
        acct_rows = [(i, cid, i, 0, 0, 0, 0, rng.random() < 0.05, now) for i in range(1, volunteers + 1)]
        insert(db, "point_account", ["id", "community_id", "volunteer_id", "balance", "held",
                                     "lifetime_points", "lifetime_minutes", "leaderboard_opt_out",
                                     "updated_at"], acct_rows)

        entry_rows = []
        for n in range(1, entries + 1):
            account = 1 if n <= OWN_ENTRIES else rng.randint(2, volunteers)
            at = now - timedelta(minutes=(entries - n))
            if n % 10 == 0:
                entry_rows.append((n, cid, account, "adjust", -1, 0, 0, "基准：人工更正", f"b{n}", at))
            else:
                minutes = rng.choice([30, 60, 90, 120, 180])
                entry_rows.append((n, cid, account, "earn", minutes // 6, 0, minutes,
                                   f"基准活动 {KINDS[n % 5]} 第{n}场", f"b{n}", at))
        insert(db, "point_entry", ["id", "community_id", "account_id", "kind", "points", "held", "minutes",
                                   "memo", "idempotency_key", "created_at"], entry_rows)
        # Account sums from the entries, as verify-points computes them.
        db.session.execute(sa.text("""
            UPDATE point_account SET
              balance = COALESCE((SELECT SUM(points) FROM point_entry e
                                  WHERE e.account_id = point_account.id), 0),
              lifetime_points = COALESCE((SELECT SUM(points) FROM point_entry e
                                  WHERE e.account_id = point_account.id AND e.kind = 'earn'), 0),
              lifetime_minutes = COALESCE((SELECT SUM(minutes) FROM point_entry e
                                  WHERE e.account_id = point_account.id), 0)"""))
        if db.engine.dialect.name == "postgresql":
            for table in ("volunteer", "point_account", "point_entry"):
                db.session.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
        db.session.commit()
        with db.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
        seconds = time.perf_counter() - t0
        print(f"  built {volunteers:,} volunteers and {entries:,} entries in {seconds:.0f} s")
    return "bench-volunteer"


def insert(db, table, columns, rows):
    """Bulk insert: COPY on PostgreSQL, executemany on SQLite."""
    import sqlalchemy as sa

    if db.engine.dialect.name == "postgresql":
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(f":{c}" for c in columns)
    statement = sa.text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})")
    for start in range(0, len(rows), 50_000):
        db.session.execute(statement, [dict(zip(columns, row, strict=True))
                                       for row in rows[start:start + 50_000]])


def timed(client, url, runs):
    for _ in range(10):  # warm up: templates, caches, the database's pages
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url)
        response.get_data()
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, url
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def run(label, database_url, args):
    from flask import url_for

    print(f"== {label}")
    app = make_app(database_url)
    username = build(app, args.volunteers, args.entries)
    client = app.test_client()
    with app.test_request_context():
        login_url, mine_url, board_url = (url_for("accounts.login"), url_for("points.mine"),
                                          url_for("points.leaderboard"))
    response = client.post(login_url, data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    page = client.get(mine_url).get_data(as_text=True)
    assert "基准活动" in page, "the points page does not show the volunteer's history"
    results = {name: timed(client, url, args.runs) for name, url in
               [("hello world", "/bench/hello"), ("my points", mine_url), ("leaderboard", board_url)]}
    hello = results["hello world"][0]
    ok = True
    for name, (median, p95) in results.items():
        line = f"  {name:<12} median {median:6.2f} ms   p95 {p95:6.2f} ms"
        if name != "hello world":
            line += f"   ratio to hello world {median / hello:5.1f}   target < 50 ms"
            ok = ok and median < 50
        print(line)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--volunteers", type=int, default=50_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/charity_bench",
                        help="scratch PostgreSQL database (dropped and created anew)")
    args = parser.parse_args()
    ok = True
    if args.only in (None, "sqlite"):
        tmp = tempfile.mkdtemp(prefix="charity-bench-db-")
        ok = run("SQLite", f"sqlite:///{tmp}/bench.sqlite", args) and ok
    if args.only in (None, "postgresql"):
        ok = run("PostgreSQL", fresh_postgres(args.pg), args) and ok
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
