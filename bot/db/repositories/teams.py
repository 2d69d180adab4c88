"""Teams: a group chat's team, its members' stays, its days off, posts and milestones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TypedDict

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Person, Team, TeamMember, TeamMilestone, TeamPause, TeamPost
from bot.db.repositories.dialect import insert_for
from bot.domain.delivery import DeliveryKind, DeliveryStatus

TeamPostKey = tuple[int, DeliveryKind, date]

# A team post that reached the group (or may have): the board lives in its message.
REACHED = (DeliveryStatus.SENDING, DeliveryStatus.SENT, DeliveryStatus.UNKNOWN)


class NewTeamPost(TypedDict):
    """The columns of a team post about to be claimed."""

    team_id: int
    kind: DeliveryKind
    local_date: date
    status: DeliveryStatus
    due_at: datetime
    claimed_at: datetime
    claimed_by: str
    detail: str | None


# Every finish asks which boards show the person: built once, its parameters named.
_BOARDS_OF_PERSON = (
    select(TeamPost.id, Team.chat_id)
    .join(Team, Team.id == TeamPost.team_id)
    .where(
        TeamPost.team_id.in_(
            select(TeamMember.team_id).where(
                TeamMember.person_id == bindparam("person_id"), TeamMember.left_on.is_(None)
            )
        ),
        TeamPost.kind == DeliveryKind.DAILY,
        TeamPost.local_date.in_(bindparam("days", expanding=True)),
        TeamPost.status.in_(REACHED),
        TeamPost.message_id.is_not(None),
    )
)


class TeamRepository:
    """Rows of the teams table and the tables that belong to a team."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- teams --------------------------------------------------------------------------------

    async def by_chat(self, chat_id: int, *, lock: bool = False) -> Team | None:
        """Return the team of a group chat, locking its row until commit when asked."""
        query = select(Team).where(Team.chat_id == chat_id)
        if lock:
            query = query.with_for_update()
        return (await self._session.scalars(query)).first()

    async def by_code(self, code: str) -> Team | None:
        """Return the team a join link names."""
        return (await self._session.scalars(select(Team).where(Team.code == code))).first()

    async def get(self, team_id: int, *, lock: bool = False) -> Team | None:
        """Return a team by id."""
        return await self._session.get(Team, team_id, with_for_update=lock)

    def add(self, team: Team) -> None:
        """Add a new team."""
        self._session.add(team)

    async def remove(self, team_id: int) -> None:
        """Delete a team and everything that belongs to it (children first: no cascade needed)."""
        for table in (TeamPost, TeamPause, TeamMilestone, TeamMember):
            await self._session.execute(delete(table).where(table.team_id == team_id))
        await self._session.execute(delete(Team).where(Team.id == team_id))

    async def gone_since(self, before: datetime, limit: int) -> list[int]:
        """Return teams whose group the bot left before an instant (their data is due to go)."""
        rows = await self._session.scalars(
            select(Team.id).where(Team.left_at.is_not(None), Team.left_at < before).limit(limit)
        )
        return list(rows.all())

    async def due(self, now: datetime, limit: int) -> list[Team]:
        """Lock and return teams whose next post is due, oldest first (as people.due)."""
        if limit <= 0:
            return []
        rows = await self._session.scalars(
            select(Team)
            .where(Team.next_post_at.is_not(None), Team.next_post_at <= now)
            .order_by(Team.next_post_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows.all())

    # --- members ------------------------------------------------------------------------------

    async def stays(self, team_id: int) -> list[tuple[int, date, date | None]]:
        """Return (person id, joined, left) of every stay in the team, oldest first."""
        rows = await self._session.execute(
            select(TeamMember.person_id, TeamMember.joined_on, TeamMember.left_on)
            .where(TeamMember.team_id == team_id)
            .order_by(TeamMember.id)
        )
        return [(person_id, joined, left) for person_id, joined, left in rows.all()]

    async def first_names(self, person_ids: Sequence[int]) -> dict[int, str]:
        """Return the first name of each of these people (the only thing a group sees)."""
        if not person_ids:
            return {}
        rows = await self._session.execute(
            select(Person.id, Person.first_name).where(Person.id.in_(list(person_ids)))
        )
        return {person_id: name for person_id, name in rows.all()}

    async def open_stay(self, team_id: int, person_id: int) -> TeamMember | None:
        """Return the person's current stay in the team, if they are a member."""
        rows = await self._session.scalars(
            select(TeamMember).where(
                TeamMember.team_id == team_id,
                TeamMember.person_id == person_id,
                TeamMember.left_on.is_(None),
            )
        )
        return rows.first()

    def add_stay(self, team_id: int, person_id: int, joined_on: date, now: datetime) -> None:
        """Record that a person joined the team today."""
        self._session.add(
            TeamMember(team_id=team_id, person_id=person_id, joined_on=joined_on, joined_at=now)
        )

    async def teams_of(self, person_id: int) -> list[Team]:
        """Return the teams the person is a member of now, in the order they joined."""
        rows = await self._session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.person_id == person_id, TeamMember.left_on.is_(None))
            .order_by(TeamMember.id)
        )
        return list(rows.unique().all())

    async def members_posted_since(self, person_ids: Sequence[int], since: datetime) -> set[int]:
        """Return who of these people is in a team whose daily post went out since an instant.

        One statement for a whole batch of due reminders.
        """
        if not person_ids:
            return set()
        rows = await self._session.scalars(
            select(TeamMember.person_id)
            .join(TeamPost, TeamPost.team_id == TeamMember.team_id)
            .where(
                TeamMember.person_id.in_(list(person_ids)),
                TeamMember.left_on.is_(None),
                TeamPost.kind == DeliveryKind.DAILY,
                TeamPost.status.in_(REACHED),
                TeamPost.claimed_at >= since,
            )
            .distinct()
        )
        return set(rows.all())

    # --- pauses -------------------------------------------------------------------------------

    async def pauses(self, team_id: int) -> list[tuple[date, date | None]]:
        """Return (first day, last day or None while it goes on) of the team's pauses."""
        rows = await self._session.execute(
            select(TeamPause.first_day, TeamPause.last_day)
            .where(TeamPause.team_id == team_id)
            .order_by(TeamPause.first_day)
        )
        return [(first, last) for first, last in rows.all()]

    async def start_pause(self, team_id: int, first: date) -> None:
        """Pause the team from a day on, unless a pause is going on already."""
        going = await self._session.scalar(
            select(TeamPause.id).where(TeamPause.team_id == team_id, TeamPause.last_day.is_(None))
        )
        if going is None:
            self._session.add(TeamPause(team_id=team_id, first_day=first, last_day=None))

    async def end_pause(self, team_id: int, today: date) -> None:
        """End the pause going on so that today is not paused (a pause of only today vanishes)."""
        await self._session.execute(
            delete(TeamPause).where(
                TeamPause.team_id == team_id,
                TeamPause.last_day.is_(None),
                TeamPause.first_day >= today,
            )
        )
        await self._session.execute(
            update(TeamPause)
            .where(TeamPause.team_id == team_id, TeamPause.last_day.is_(None))
            .values(last_day=today - timedelta(days=1))
        )

    # --- posts --------------------------------------------------------------------------------

    async def insert_posts_once(self, rows: Sequence[NewTeamPost]) -> dict[TeamPostKey, int]:
        """Insert posts in one statement, skipping any that exist; return the new ids by key."""
        if not rows:
            return {}
        insert = insert_for(self._session)
        statement = (
            insert(TeamPost)
            .values([dict(row) for row in rows])
            .on_conflict_do_nothing(index_elements=["team_id", "kind", "local_date"])
            .returning(TeamPost.id, TeamPost.team_id, TeamPost.kind, TeamPost.local_date)
        )
        result = await self._session.execute(statement)
        return {(row[1], DeliveryKind(row[2]), row[3]): row[0] for row in result.all()}

    async def post(self, post_id: int) -> TeamPost | None:
        """Return a team post."""
        return await self._session.get(TeamPost, post_id)

    async def daily_post(self, team_id: int, day: date) -> TeamPost | None:
        """Return the team's daily post of a local day, if one was claimed."""
        rows = await self._session.scalars(
            select(TeamPost).where(
                TeamPost.team_id == team_id,
                TeamPost.kind == DeliveryKind.DAILY,
                TeamPost.local_date == day,
            )
        )
        return rows.first()

    async def set_post_status(self, post_id: int, status: DeliveryStatus, **values: object) -> None:
        """Record what became of a post, in one UPDATE."""
        await self._session.execute(
            update(TeamPost).where(TeamPost.id == post_id).values(status=status, **values)
        )

    async def stale_post_claims(self, older_than: datetime, limit: int) -> Sequence[TeamPost]:
        """Lock and return post claims of a stopped process (as deliveries.stale_claims)."""
        rows = await self._session.scalars(
            select(TeamPost)
            .where(
                TeamPost.status.in_([DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]),
                TeamPost.claimed_at < older_than,
            )
            .order_by(TeamPost.claimed_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return rows.all()

    async def claimed_by(self, worker: str) -> Sequence[TeamPost]:
        """Return the post claims of one process that were not handed to Telegram yet."""
        rows = await self._session.scalars(
            select(TeamPost).where(
                TeamPost.claimed_by == worker, TeamPost.status == DeliveryStatus.CLAIMED
            )
        )
        return rows.all()

    async def forget_messages(self, team_id: int) -> None:
        """Forget the team's posted messages (the group moved: they cannot be edited)."""
        await self._session.execute(
            update(TeamPost)
            .where(TeamPost.team_id == team_id)
            .values(message_id=None, board_dirty=False)
        )

    async def remove_post(self, post_id: int) -> None:
        """Delete a post claim that was never handed to Telegram (given back)."""
        await self._session.execute(delete(TeamPost).where(TeamPost.id == post_id))

    async def mark_boards_dirty(
        self, person_id: int, days: Sequence[date]
    ) -> list[tuple[int, int]]:
        """Mark the boards of the person's teams' daily posts of these days dirty.

        Only posts that reached the group (they have a message to edit). Returns (post id,
        chat id) of each.
        """
        rows = await self._session.execute(
            _BOARDS_OF_PERSON, {"person_id": person_id, "days": list(days)}
        )
        posts = [(post_id, chat_id) for post_id, chat_id in rows.all()]
        if posts:
            await self.mark_dirty([post_id for post_id, _ in posts])
        return posts

    async def mark_dirty(self, post_ids: Sequence[int]) -> None:
        """Say these posts' boards need an edit."""
        await self._session.execute(
            update(TeamPost).where(TeamPost.id.in_(list(post_ids))).values(board_dirty=True)
        )

    async def take_board_edit(self, post_id: int, now: datetime, gap: timedelta) -> bool:
        """Take the right to edit a post's board now: it is dirty and not edited within the gap.

        A compare-and-set in one UPDATE, so two processes never both edit within the gap.
        """
        result = await self._session.execute(
            update(TeamPost)
            .where(
                TeamPost.id == post_id,
                TeamPost.board_dirty.is_(True),
                or_(TeamPost.board_edited_at.is_(None), TeamPost.board_edited_at <= now - gap),
            )
            .values(board_dirty=False, board_edited_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def dirty_boards(self, limit: int) -> list[tuple[int, int]]:
        """Return (post id, chat id) of boards waiting for an edit."""
        rows = await self._session.execute(
            select(TeamPost.id, Team.chat_id)
            .join(Team, Team.id == TeamPost.team_id)
            .where(TeamPost.board_dirty.is_(True), TeamPost.message_id.is_not(None))
            .order_by(TeamPost.id)
            .limit(limit)
        )
        return [(post_id, chat_id) for post_id, chat_id in rows.all()]

    # --- milestones ---------------------------------------------------------------------------

    async def celebrated(self, team_id: int) -> set[int]:
        """Return the team milestones celebrated already."""
        rows = await self._session.scalars(
            select(TeamMilestone.days).where(TeamMilestone.team_id == team_id)
        )
        return set(rows.all())

    async def record_milestone_once(self, team_id: int, days: int, now: datetime) -> bool:
        """Record a celebrated team milestone; False when it had been celebrated already."""
        insert = insert_for(self._session)
        result = await self._session.execute(
            insert(TeamMilestone)
            .values(team_id=team_id, days=days, celebrated_at=now)
            .on_conflict_do_nothing(index_elements=["team_id", "days"])
            .returning(TeamMilestone.team_id)
        )
        return result.scalar_one_or_none() is not None
