"""Measure partner-site ingestion: 100 sources of 50 items from a local server.

Run with ``.venv/bin/python bench/ingest.py``. It builds a throwaway SQLite
database by the migrations, serves generated RSS feeds on 127.0.0.1, and runs
every source twice:

- first run: every item is new and becomes a pending draft;
- second run: the server answers 304 to the stored ETag, so nothing is parsed.

As a baseline in the same run it also times fetching, decoding and extracting
the same feeds without storing anything, so the cost of storing shows as a
ratio rather than as seconds that depend on the machine. The last line is
``RESULT key=value ...``.
"""

import argparse
import hashlib
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from app import create_app
from app.extensions import db
from app.models import Municipality, Source
from app.models.types import SourceKind
from app.reference import load_reference_data
from app.workers.ingest import run
from app.workers.ingest.decoding import decode
from app.workers.ingest.extract import extract
from app.workers.ingest.fetch import HostPacer, Robots, fetch

MUNICIPALITIES = ("13112", "13113", "13115", "13204", "13211")


def feed(source: int, items: int) -> bytes:
    start = datetime(2027, 1, 10, 1, 0, tzinfo=UTC)
    entries = []
    for number in range(items):
        day = start + timedelta(days=number)
        entries.append(
            f"""<item>
  <title>【募集】地域の見守り活動 第{number + 1}回（会{source}）</title>
  <link>http://127.0.0.1/source/{source}/item/{number}</link>
  <guid isPermaLink="false">source-{source}-item-{number}</guid>
  <pubDate>{format_datetime(day)}</pubDate>
  <description>日時: {day:%Y年%m月%d日} 10:00〜12:00 会場: 区民センター</description>
</item>"""
        )
    body = "\n".join(entries)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>会{source}</title>
<link>http://127.0.0.1/</link><description>募集</description>
{body}
</channel></rss>""".encode()


class Feeds(BaseHTTPRequestHandler):
    bodies: dict[str, bytes] = {}

    def do_GET(self):  # noqa: N802 (the standard library's name)
        body = self.bodies.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--items", type=int, default=50)
    args = parser.parse_args()

    Feeds.bodies = {f"/feed/{n}.xml": feed(n, args.items) for n in range(args.sources)}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Feeds)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    folder = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
            "REDIS_URL": None,
            "MAIL_SERVER": None,
            "MAIL_OUTBOX_DIR": str(folder / "outbox"),
            "LOG_LEVEL": "WARNING",
        }
    )
    run.HOST_INTERVAL = 0
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        load_reference_data()
        municipalities = {
            m.code: m.id
            for m in db.session.scalars(
                db.select(Municipality).where(Municipality.code.in_(MUNICIPALITIES))
            )
        }
        ids = []
        for n in range(args.sources):
            source = Source(
                name=f"会{n}",
                url=f"{base}/feed/{n}.xml",
                kind=SourceKind.FEED,
                municipality_id=municipalities[MUNICIPALITIES[n % len(MUNICIPALITIES)]],
            )
            db.session.add(source)
            db.session.flush()
            ids.append(source.id)
        db.session.commit()
        total = args.sources * args.items

        # Baseline: fetch, decode and extract only.
        robots, pacer = Robots(), HostPacer(0)
        started = time.perf_counter()
        for n in range(args.sources):
            result = fetch(f"{base}/feed/{n}.xml", robots=robots, pacer=pacer)
            text = decode(result.body, result.content_type).text
            extract("feed", text, result.final_url)
        baseline = time.perf_counter() - started

        robots, pacer = Robots(), HostPacer(0)
        started = time.perf_counter()
        new = 0
        for source_id in ids:
            outcome = run.run_source(source_id, robots=robots, pacer=pacer)
            new += outcome["new"]
        first = time.perf_counter() - started

        started = time.perf_counter()
        untouched = 0
        for source_id in ids:
            outcome = run.run_source(source_id, robots=robots, pacer=pacer)
            untouched += outcome["outcome"] in ("not_modified", "unchanged")
        second = time.perf_counter() - started
    server.shutdown()

    print(f"sources={args.sources} items per source={args.items} items={total}")
    print(
        f"baseline (fetch+decode+extract): {baseline:.2f} s, "
        f"{total / baseline:.0f} items/s"
    )
    print(
        f"first run (new drafts stored):    {first:.2f} s, {total / first:.0f} items/s"
    )
    print(f"second run (304, nothing parsed): {second:.2f} s")
    print(
        f"RESULT items={total} new={new} first_items_per_s={total / first:.0f} "
        f"baseline_items_per_s={total / baseline:.0f} "
        f"first_to_baseline={first / baseline:.2f} second_s={second:.2f} "
        f"second_to_first={second / first:.3f} unchanged_sources={untouched}"
    )


if __name__ == "__main__":
    main()
