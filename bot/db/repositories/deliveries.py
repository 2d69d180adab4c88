"""Deliveries: one row per scheduled message per person and local day, so it goes out once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TypedDict

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Delivery
from bot.db.repositories.dialect import insert_for
from bot.domain.delivery import DeliveryKind, DeliveryStatus

DeliveryKey = tuple[int, DeliveryKind, date, int]


class NewDelivery(TypedDict):
    """The columns of a delivery row about to be claimed."""

    person_id: int
    kind: DeliveryKind
    local_date: date
    seq: int
    status: DeliveryStatus
    due_at: datetime
    claimed_at: datetime
    claimed_by: str
    detail: str | None


class DeliveryRepository:
    """Rows of the deliveries table."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def insert_once(self, rows: Sequence[NewDelivery]) -> dict[DeliveryKey, int]:
        """Insert many deliveries in one statement, skipping any that already exist.

        Returns the new ids by (person_id, kind, local_date, seq); a key that is missing was
        already there: the unique key is what makes a second send for the same day impossible,
        whatever else goes wrong.
        """
        if not rows:
            return {}
        insert = insert_for(self._session)
        statement = (
            insert(Delivery)
            .values([dict(row) for row in rows])
            .on_conflict_do_nothing(index_elements=["person_id", "kind", "local_date", "seq"])
            .returning(
                Delivery.id, Delivery.person_id, Delivery.kind, Delivery.local_date, Delivery.seq
            )
        )
        result = await self._session.execute(statement)
        return {(row[1], DeliveryKind(row[2]), row[3], row[4]): row[0] for row in result.all()}

    async def get(self, delivery_id: int, *, lock: bool = False) -> Delivery | None:
        """Return a delivery, locking its row until commit when asked."""
        return await self._session.get(Delivery, delivery_id, with_for_update=lock)

    async def stale_claims(self, older_than: datetime, limit: int) -> Sequence[Delivery]:
        """Lock and return claims taken before an instant and never settled (a stopped process)."""
        rows = await self._session.scalars(
            select(Delivery)
            .where(
                Delivery.status.in_([DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]),
                Delivery.claimed_at < older_than,
            )
            .order_by(Delivery.claimed_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return rows.all()

    async def claimed_by(self, worker: str) -> Sequence[Delivery]:
        """Return the claims of one process that were not handed to Telegram yet."""
        rows = await self._session.scalars(
            select(Delivery).where(
                Delivery.claimed_by == worker, Delivery.status == DeliveryStatus.CLAIMED
            )
        )
        return rows.all()

    async def set_status(self, delivery_id: int, status: DeliveryStatus, **values: object) -> None:
        """Record what became of a delivery, in one UPDATE without loading it."""
        await self._session.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(status=status, **values)
        )

    async def mark_many(
        self, sending: Sequence[int], sent: Sequence[tuple[int, int, datetime]]
    ) -> None:
        """Mark deliveries as sending (one UPDATE) and as sent (one UPDATE for all of them)."""
        if sending:
            await self._session.execute(
                update(Delivery)
                .where(Delivery.id.in_(list(sending)))
                .values(status=DeliveryStatus.SENDING)
            )
        if sent:
            table = Delivery.__table__
            assert isinstance(table, Table)
            await self._session.execute(
                update(table)
                .where(table.c.id == bindparam("delivery_id"))
                .values(
                    status=DeliveryStatus.SENT,
                    sent_at=bindparam("at"),
                    message_id=bindparam("message"),
                )
                .execution_options(synchronize_session=False),
                [
                    {"delivery_id": delivery_id, "message": message_id, "at": at}
                    for delivery_id, message_id, at in sent
                ],
            )

    async def remove(self, delivery: Delivery) -> None:
        """Delete a delivery (a claim given back: nothing was sent)."""
        await self._session.delete(delivery)

    async def count_by_status(self, since: datetime) -> dict[str, int]:
        """Return how many deliveries were claimed since an instant, by status."""
        rows = await self._session.execute(
            select(Delivery.status, func.count())
            .where(Delivery.claimed_at >= since)
            .group_by(Delivery.status)
        )
        return {str(status): int(count) for status, count in rows.all()}

    async def reminded_before(
        self, person_ids: Sequence[int], excluding: Sequence[int]
    ) -> set[int]:
        """Return who of these people already had a daily reminder reach them (one statement).

        excluding: the deliveries being claimed now, which do not count.
        """
        if not person_ids:
            return set()
        reached = [
            DeliveryStatus.SENDING,
            DeliveryStatus.SENT,
            DeliveryStatus.SNOOZED,
            DeliveryStatus.DISMISSED,
            DeliveryStatus.UNKNOWN,
        ]
        rows = await self._session.scalars(
            select(Delivery.person_id)
            .where(
                Delivery.person_id.in_(list(person_ids)),
                Delivery.kind == DeliveryKind.DAILY,
                Delivery.status.in_(reached),
                Delivery.id.not_in(list(excluding)),
            )
            .distinct()
        )
        return set(rows.all())
