"""Reading the Digital Agency's standard open-data event list (イベント一覧).

Municipalities publish it as CSV with header wording that drifts between
versions of the schema (開始日 or 開始日付, 料金(基本) or 料金) and with
dates and times in separate columns, each written several ways.
"""

import csv
import io
import logging
import re
import unicodedata
from datetime import date
from urllib.parse import urljoin

from app.workers.ingest.dates import ParsedDate, parse_datetime
from app.workers.ingest.items import (
    ExtractedItem,
    Extraction,
    Rules,
    failure,
    finish,
    read_capacity,
    read_fee,
)

logger = logging.getLogger(__name__)

# Field -> header variants, compared in NFKC form without spaces.
_COLUMNS = {
    "municipality": ("市区町村コード", "全国地方公共団体コード", "地方公共団体コード"),
    "number": ("NO", "No", "ID", "番号"),
    "title": ("イベント名", "名称", "イベント名称"),
    "start_date": ("開始日", "開始日付", "開催開始日"),
    "end_date": ("終了日", "終了日付", "開催終了日"),
    "start_time": ("開始時間", "開始時刻"),
    "end_time": ("終了時間", "終了時刻"),
    "date_note": ("開始日時特記事項", "日時特記事項", "開催日時特記事項"),
    "description": ("説明", "概要", "イベント説明"),
    "fee": ("料金(基本)", "料金", "参加費"),
    "venue": ("場所名称", "場所", "会場名", "開催場所"),
    "address": ("住所", "所在地"),
    "capacity": ("定員",),
    "deadline_date": ("参加申込終了日", "申込締切日", "申込終了日"),
    "deadline_time": ("参加申込終了時間", "申込締切時間", "申込終了時間"),
    "url": ("URL", "url", "ホームページ"),
}
# Columns of the schema that have no field here; they stay in ``details``.
_KNOWN = {
    "都道府県名", "市区町村名", "イベント名_カナ", "イベント名_英語", "料金(詳細)",
    "連絡先名称", "連絡先電話番号", "連絡先内線番号", "主催者", "方書", "緯度",
    "経度", "アクセス方法", "駐車場情報", "参加申込方法", "備考", "画像",
    "画像_ライセンス", "参加申込開始日", "参加申込開始時間", "連絡先メールアドレス",
    "連絡先FormURL", "連絡先FAX番号", "対象者", "バリアフリー情報", "カテゴリー",
}  # fmt: skip
_KEY_NOISE = re.compile(r"[\s\ufeff]")
_FIELD_FOR_HEADER = {
    _KEY_NOISE.sub("", unicodedata.normalize("NFKC", header)): name
    for name, headers in _COLUMNS.items()
    for header in headers
}
# 1330 or 0930: a clock time without its colon.
_BARE_TIME = re.compile(r"^\s*(\d{1,2})(\d{2})\s*$")


def extract_event_csv(
    text: str,
    url: str,
    rules: Rules | None = None,
    *,
    reference: date | None = None,
) -> Extraction:
    """Read an イベント一覧 CSV (already decoded) published at ``url``."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return failure("the CSV file is empty")

    header = rows[0]
    fields: dict[str, int] = {}
    warnings: list[str] = []
    for index, name in enumerate(header):
        key = _KEY_NOISE.sub("", unicodedata.normalize("NFKC", name))
        field_name = _FIELD_FOR_HEADER.get(key)
        if field_name is not None and field_name not in fields:
            fields[field_name] = index
        elif field_name is None and key and key not in _KNOWN:
            warnings.append(f"unknown column {name!r}")
    if "title" not in fields or "start_date" not in fields:
        return failure(
            "the CSV has no イベント名 and 開始日 columns; not an event list"
        )

    items = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            warnings.append(
                f"line {line} has {len(row)} columns where the header has {len(header)}"
            )
        values = {name: _cell(row, index) for name, index in fields.items()}
        item = _item(values, url, line, reference)
        item.details = {
            name: row[index].strip()
            for index, name in enumerate(header)
            if index < len(row) and row[index].strip()
        }
        items.append(item)
    return finish(items, rules, warnings)


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _item(
    values: dict[str, str], url: str, line: int, reference: date | None
) -> ExtractedItem:
    link = urljoin(url, values["url"]) if values.get("url") else None
    number = values.get("number") or f"line {line}"
    municipality = values.get("municipality")
    item = ExtractedItem(
        source_id=f"{municipality}:{number}" if municipality else number,
        # Kept as published, a leading ＝ included: exports must quote it.
        title=values["title"],
        link=link,
        description=values.get("description", ""),
        venue=values.get("venue") or None,
        address=values.get("address") or None,
        note=values.get("date_note") or None,
    )
    item.text = "\n".join(
        values[name] for name in ("title", "description") if values.get(name)
    )
    if not values.get("number"):
        item.doubt("source_id", f"no NO column value; the line number {line} stands in")

    start = _moment(values.get("start_date"), values.get("start_time"), reference)
    end = _moment(
        values.get("end_date") or values.get("start_date"),
        values.get("end_time"),
        reference,
    )
    if start is not None:
        item.sessions = [
            ParsedDate(
                raw=" ~ ".join(
                    part
                    for part in (
                        _joined(values.get("start_date"), values.get("start_time")),
                        _joined(values.get("end_date"), values.get("end_time")),
                    )
                    if part
                ),
                starts_at=start.starts_at,
                ends_at=end.starts_at if end else None,
                all_day=start.all_day and (end is None or end.all_day),
                reasons=start.reasons + (end.reasons if end else ()),
            )
        ]
        if item.sessions[0].reasons:
            item.doubt("sessions", "; ".join(item.sessions[0].reasons))
    else:
        item.doubt("sessions", f"unreadable start date {values.get('start_date')!r}")

    if values.get("fee"):
        read_fee(item, values["fee"])
    if values.get("capacity"):
        read_capacity(item, values["capacity"])
    if values.get("deadline_date"):
        item.deadline = _moment(
            values["deadline_date"], values.get("deadline_time"), reference
        )
        if item.deadline is None:
            item.doubt("deadline", f"unreadable date {values['deadline_date']!r}")
    return item


def _joined(day: str | None, clock: str | None) -> str:
    return " ".join(part for part in (day, clock) if part)


def _moment(
    day: str | None, clock: str | None, reference: date | None
) -> ParsedDate | None:
    if not day:
        return None
    if clock:
        bare = _BARE_TIME.match(clock)
        if bare:
            clock = f"{bare[1]}:{bare[2]}"
    return parse_datetime(_joined(day, clock), reference=reference)
