"""The unit of work: one transaction, its session, and the repositories that work inside it.

The shape of cosmicpython's unit of work (chapter 6) on SQLAlchemy 2's async session:

    async with units() as uow:
        person = await uow.people.by_telegram_id(...)
        ...
        await uow.commit()

Nothing is written unless the service commits: leaving the block without commit() (a
return, an exception) rolls back. Services never build SQL; they ask the repositories.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import READS_ONLY
from bot.db.repositories.coaching import CheckInRepository, CheckupRepository, HipDayRepository
from bot.db.repositories.deliveries import DeliveryRepository
from bot.db.repositories.dialect import is_postgresql
from bot.db.repositories.levels import LevelRepository
from bot.db.repositories.media import MediaFileRepository
from bot.db.repositories.milestones import MilestoneRepository
from bot.db.repositories.operations import ProcessedUpdateRepository, WorkerRepository, ping
from bot.db.repositories.paid import PaidBroadcastRepository
from bot.db.repositories.pauses import PauseRepository
from bot.db.repositories.people import PeopleRepository
from bot.db.repositories.personal import PersonalDataRepository
from bot.db.repositories.runs import RunRepository
from bot.db.repositories.sets import SetRepository
from bot.db.repositories.teams import TeamRepository


class UnitOfWork:
    """One database transaction and the typed repositories bound to it."""

    people: PeopleRepository
    runs: RunRepository
    sets: SetRepository
    levels: LevelRepository
    pauses: PauseRepository
    deliveries: DeliveryRepository
    milestones: MilestoneRepository
    processed_updates: ProcessedUpdateRepository
    workers: WorkerRepository
    personal_data: PersonalDataRepository
    check_ins: CheckInRepository
    hip_days: HipDayRepository
    checkups: CheckupRepository
    media: MediaFileRepository
    teams: TeamRepository
    paid: PaidBroadcastRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        session = self._sessions()
        self._session = session
        self.people = PeopleRepository(session)
        self.runs = RunRepository(session)
        self.sets = SetRepository(session)
        self.levels = LevelRepository(session)
        self.pauses = PauseRepository(session)
        self.deliveries = DeliveryRepository(session)
        self.milestones = MilestoneRepository(session)
        self.processed_updates = ProcessedUpdateRepository(session)
        self.workers = WorkerRepository(session)
        self.personal_data = PersonalDataRepository(session)
        self.check_ins = CheckInRepository(session)
        self.hip_days = HipDayRepository(session)
        self.checkups = CheckupRepository(session)
        self.media = MediaFileRepository(session)
        self.teams = TeamRepository(session)
        self.paid = PaidBroadcastRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is not None:
            # Closing rolls back whatever was not committed.
            await session.close()

    @property
    def session(self) -> AsyncSession:
        """Return the open session (only inside the `async with` block)."""
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `async with` block")
        return self._session

    async def autocommit(self) -> None:
        """On PostgreSQL, run this unit of work's statements each as its own transaction.

        It saves the BEGIN and the COMMIT or ROLLBACK, two round trips to the server, for a
        unit of work that writes in one statement. Call it before the first statement. SQLite
        keeps its transaction, so a write of two statements there stays atomic. A unit that
        only reads says reads_only() instead.
        """
        session = self.session
        if is_postgresql(session):
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})

    async def reads_only(self) -> None:
        """Declare a unit of work that only reads: its statements run without a transaction.

        At READ COMMITTED a statement reads its own snapshot in a transaction too, so nothing
        is lost, and the transaction's statements are saved: on PostgreSQL the BEGIN and the
        ROLLBACK (two round trips to the server), on SQLite the BEGIN IMMEDIATE (three trips to
        aiosqlite's thread), which would also make the read wait for the write lock and hold it
        from every writer. Call it before the first statement.
        """
        if is_postgresql(self.session):
            await self.autocommit()
        else:
            await self.session.connection(execution_options={READS_ONLY: True})

    async def flush(self) -> None:
        """Send pending changes (new rows get their ids) without ending the transaction."""
        await self.session.flush()

    async def commit(self) -> None:
        """Make everything done in this unit of work permanent."""
        await self.session.commit()

    async def rollback(self) -> None:
        """Undo everything not committed yet."""
        await self.session.rollback()

    async def ping(self) -> None:
        """Raise when the database cannot be reached."""
        await ping(self.session)


UnitOfWorkFactory = Callable[[], UnitOfWork]


def units(sessions: async_sessionmaker[AsyncSession]) -> UnitOfWorkFactory:
    """Return the factory services open their units of work with."""
    return partial(UnitOfWork, sessions)
