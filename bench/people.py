"""Bulk-load people with a reminder schedule straight into the database (SQL, not the bot)."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from bench.common import Database

COLUMNS = (
    "telegram_id",
    "chat_id",
    "first_name",
    "timezone",
    "created_at",
    "updated_at",
    "reminders_on",
    "remind_at",
    "remind_days",
    "remind_routine",
    "blocked",
    "next_reminder_at",
    "next_reminder_day",
    "next_reminder_seq",
)
EVERY_DAY = 127
CHUNK = 50_000


@dataclass(frozen=True)
class Crowd:
    """Who to load: `count` people, `due` of them due now, the rest later or with reminders off.

    Due people are scattered among the ids (not the first rows), their instants within
    `due_window` before `now`; the others come due up to `later` after `now`, except an
    `off_share` with reminders off (no schedule at all).
    """

    count: int
    due: int
    now: datetime
    first_id: int = 1_000_000
    due_window: timedelta = timedelta(seconds=50)
    later: timedelta = timedelta(days=7)
    off_share: float = 0.1
    seed: int = 1
    zone: str = "UTC"

    def due_ids(self) -> list[int]:
        """Return the telegram ids of the people due now, in id order."""
        rng = random.Random(self.seed)
        return sorted(self.first_id + i for i in rng.sample(range(self.count), self.due))

    def schedule(self) -> Iterator[tuple[int, bool, datetime | None, date | None]]:
        """Yield (telegram id, reminders on, next reminder instant, its local day) per person."""
        rng = random.Random(self.seed + 1)
        due = set(self.due_ids())
        zone = ZoneInfo(self.zone)
        soon = self.now + timedelta(minutes=1)
        later = self.later.total_seconds()
        for index in range(self.count):
            telegram_id = self.first_id + index
            if telegram_id in due:
                at = self.now - self.due_window * rng.random()
            elif rng.random() < self.off_share:
                yield telegram_id, False, None, None
                continue
            else:
                at = soon + timedelta(seconds=later * rng.random())
            yield telegram_id, True, at, at.astimezone(zone).date()

    def rows(self) -> Iterator[tuple[object, ...]]:
        """Yield one tuple per person, in COLUMNS order, with Python values."""
        nine = time(9, 0)
        for telegram_id, on, at, day in self.schedule():
            yield (
                telegram_id,
                telegram_id,
                f"P{telegram_id}",
                self.zone,
                self.now,
                self.now,
                on,
                nine,
                EVERY_DAY,
                "desk",
                False,
                at,
                day,
                0,
            )

    def sqlite_rows(self) -> Iterator[tuple[object, ...]]:
        """Yield the rows as SQLAlchemy's SQLite types store them (text dates, 0/1)."""
        now = _sqlite_instant(self.now)
        for telegram_id, on, at, day in self.schedule():
            yield (
                telegram_id,
                telegram_id,
                f"P{telegram_id}",
                self.zone,
                now,
                now,
                int(on),
                "09:00:00.000000",
                EVERY_DAY,
                "desk",
                0,
                None if at is None else _sqlite_instant(at),
                None if day is None else day.isoformat(),
                0,
            )


# Zones a long way apart; midday_zone() picks one where it is about noon.
ZONES = (
    "UTC",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Pacific/Honolulu",
    "Pacific/Auckland",
)


def midday_zone(at: datetime) -> str:
    """Return a zone where `at` is close to local noon, so a run never crosses local midnight.

    A reminder still unsent when the person's local day ends is recorded as late, not sent.
    """

    def distance(zone: str) -> float:
        local = at.astimezone(ZoneInfo(zone))
        return abs(local.hour + local.minute / 60 - 12)

    return min(ZONES, key=distance)


def _sqlite_instant(at: datetime) -> str:
    """Return an aware instant as SQLAlchemy stores it on SQLite: UTC, no offset."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _load_sqlite(path: str, crowd: Crowd) -> None:
    connection = sqlite3.connect(path)
    try:
        # A bulk load: no journal, no syncs, and a cache the indexes fit in (the bot sets its
        # own journal mode and sync level when it connects).
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-524288")
        # Secondary indexes are dropped and made again from their own definitions: one sort
        # instead of a million random inserts.
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = 'people' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        sql = (
            f"INSERT INTO people ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
        )
        batch: list[tuple[object, ...]] = []
        with connection:
            for row in crowd.sqlite_rows():
                batch.append(row)
                if len(batch) >= CHUNK:
                    connection.executemany(sql, batch)
                    batch.clear()
            if batch:
                connection.executemany(sql, batch)
            for _, definition in indexes:
                connection.execute(definition)
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


async def _load_postgresql(dsn: str, crowd: Crowd) -> None:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        # As on SQLite: secondary indexes are made again after the load, from their definitions.
        indexes = await connection.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.tablename = 'people' AND NOT x.indisunique AND NOT x.indisprimary"
        )
        for index in indexes:
            await connection.execute(f'DROP INDEX "{index["indexname"]}"')
        rows = crowd.rows()
        while True:
            chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
            if not chunk:
                break
            await connection.copy_records_to_table("people", records=chunk, columns=COLUMNS)
        for index in indexes:
            await connection.execute(index["indexdef"])
        # Autovacuum would do this soon after a load this size; do it now, as it would.
        await connection.execute("VACUUM ANALYZE people")
    finally:
        await connection.close()


async def load(db: Database, crowd: Crowd) -> None:
    """Insert the crowd into a migrated database."""
    if db.kind == "sqlite":
        assert db.path is not None
        await asyncio.to_thread(_load_sqlite, str(db.path), crowd)
    else:
        await _load_postgresql(db.dsn, crowd)
