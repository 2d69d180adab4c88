"""Team mode: a group's daily break, its members, its live board, streak and weekly summary.

Each person still trains in their private chat; the group sees first names and done/not done
only. The team's daily post goes out through the same machinery as a person's reminder: a
unique row per team and day (team_posts), claims with a lease, the grace window, and every
outcome recorded.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.db.models import Person, Team
from bot.db.repositories.teams import NewTeamPost
from bot.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bot.domain.delivery import DeliveryKind, DeliveryStatus, stale_claim_outcome, too_late
from bot.domain.schedule import (
    EVERY_DAY,
    WORKDAYS,
    days_to_mask,
    local_date,
    mask_to_days,
    next_due,
)
from bot.domain.streak import Schedule
from bot.domain.teams import (
    Membership,
    TeamStreak,
    WeekBoard,
    WeeklySummary,
    new_team_code,
    team_days,
    team_goal,
    team_milestones_reached,
    team_streak,
    week_board,
    weekly_summary,
)
from bot.domain.zones import is_accepted
from bot.services.clock import Clock
from bot.services.people import PeopleService, PersonRef

logger = logging.getLogger(__name__)

DAILY = DeliveryKind.DAILY
WEEKLY = DeliveryKind.WEEKLY
Status = DeliveryStatus
# The bot out of a group this long: the team's data is deleted.
GONE_FOR = timedelta(days=30)
# Board edits of one post at least this far apart, across processes: 17 a minute at most,
# which leaves room under the group's 20 for the day's post and a celebration.
BOARD_GAP = timedelta(seconds=3.5)
MAX_GOAL = 50
MAX_PASSES_PER_TEAM = 3
# A team's stays, its members' finished days and its schedule (TeamService._history).
History = tuple[list[Membership], dict[int, set[date]], Schedule]
# One settings change, applied to the team's row in TeamService.change (see set_* below).
TeamChange = Callable[[Team], None]


@dataclass(frozen=True)
class TeamView:
    """A team's settings as the setup message shows them."""

    id: int
    code: str
    chat_id: int
    title: str
    timezone: str
    post_at: time
    days: frozenset[int]
    routine_id: str
    goal: int | None  # the admin's choice; None: the default
    goal_today: int  # the goal as it applies with today's members
    members: int
    ranking: bool
    active: bool
    present: bool  # the bot is in the group
    language: str = "en"  # of the team's posts


@dataclass(frozen=True)
class Board:
    """The live board of a team's day: first names, done or not, and the goal."""

    team: TeamView
    day: date
    names: tuple[tuple[str, bool], ...]  # current members, finished ones first
    goal: int

    @property
    def done(self) -> int:
        """Return how many current members finished that day."""
        return sum(1 for _, finished in self.names if finished)


@dataclass(frozen=True)
class Week:
    """/board: this week's grid, the team streak and the best."""

    team: TeamView
    today: date
    grid: WeekBoard
    names: dict[int, str]
    streak: TeamStreak


@dataclass(frozen=True)
class Summary:
    """Last week's summary for the group, with the ranked members' first names."""

    team: TeamView
    summary: WeeklySummary
    names: dict[int, str]


@dataclass(frozen=True)
class TeamClaim:
    """A post this process must now send to a group: the day's break or last week's summary."""

    post_id: int
    team_id: int
    chat_id: int
    kind: DeliveryKind
    day: date
    board: Board | None = None
    summary: Summary | None = None
    language: str = "en"  # of the team's posts


@dataclass(frozen=True)
class BoardEdit:
    """A board this process may edit now, and the milestones to celebrate with it."""

    post_id: int
    chat_id: int
    message_id: int
    board: Board
    milestones: tuple[int, ...]


class JoinVerdict(enum.StrEnum):
    """How a request to join (or leave) a team went."""

    JOINED = "joined"
    ALREADY = "already"  # a member already (or, for leave: not a member)
    LEFT = "left"
    NO_TEAM = "no_team"  # the team is gone (deleted) or the link is wrong
    NEEDS_START = "needs_start"  # never started the bot: the deep link does it in one tap


@dataclass(frozen=True)
class JoinResult:
    """The verdict, the team, and the daily posts whose board changed."""

    verdict: JoinVerdict
    team: TeamView | None = None
    posts: tuple[tuple[int, int], ...] = ()  # (post id, chat id)


class SettingError(ValueError):
    """A team setting that cannot be stored (a zone tzdata does not know, a goal out of range).

    kind names the setting ("time", "zone", "goal", "language", "days", "routine"), so the
    interface can say what is wrong in the group's language; the message is for the logs.
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


class TeamService:
    """Teams in group chats; each call is one transaction."""

    def __init__(
        self,
        units: UnitOfWorkFactory,
        people: PeopleService,
        clock: Clock,
        default_timezone: str,
        *,
        grace: timedelta = timedelta(hours=2),
        lease: timedelta = timedelta(minutes=2),
        worker: str | None = None,
        routines: frozenset[str] = frozenset({"desk"}),
    ) -> None:
        self._units = units
        self._people = people
        self._clock = clock
        self._default_timezone = default_timezone
        self._grace = grace
        self._lease = lease
        self._routines = routines
        self.worker = worker or uuid.uuid4().hex[:12]

    # --- setup and settings -------------------------------------------------------------------

    async def setup(
        self, chat_id: int, title: str, admin_telegram_id: int, admin_language: str = "en"
    ) -> tuple[TeamView, bool]:
        """Return the group's team, creating it on the first /team.

        It starts in the admin's zone and language: their stored ones if they use the bot,
        else the default zone and the language of their Telegram app.
        """
        now = self._clock()
        async with self._units() as uow:
            team = await uow.teams.by_chat(chat_id, lock=True)
            created = team is None
            if team is None:
                admin = await uow.people.by_telegram_id(admin_telegram_id)
                team = Team(
                    code=new_team_code(),
                    chat_id=chat_id,
                    title=title[:128],
                    timezone=admin.timezone if admin is not None else self._default_timezone,
                    language=admin.language if admin is not None else admin_language,
                    post_at=time(11, 0),
                    days=days_to_mask(WORKDAYS),
                    routine_id="desk" if "desk" in self._routines else min(self._routines),
                    goal=None,
                    ranking=True,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
                uow.teams.add(team)
                _reschedule(team, now)
                await uow.flush()
                logger.info("team %s set up in chat %s", team.id, chat_id)
            elif title and team.title != title[:128]:
                team.title = title[:128]
            view = await self._view(uow, team, now)
            await uow.commit()
            return view, created

    async def view(self, chat_id: int) -> TeamView | None:
        """Return the group's team, if it has one."""
        async with self._units() as uow:
            team = await uow.teams.by_chat(chat_id)
            return None if team is None else await self._view(uow, team, self._clock())

    async def remember_setup_message(self, team_id: int, message_id: int) -> None:
        """Remember the setup message, so settings changes redraw it."""
        async with self._units() as uow:
            team = await uow.teams.get(team_id)
            if team is not None:
                team.setup_message_id = message_id
                await uow.commit()

    async def language_of(self, chat_id: int) -> str | None:
        """Return the language of a group's team, if the group has one."""
        async with self._units() as uow:
            await uow.reads_only()
            team = await uow.teams.by_chat(chat_id)
            return None if team is None else team.language

    async def setup_message_of(self, team_id: int) -> int | None:
        """Return the team's latest setup message, if it is still in the team's chat."""
        async with self._units() as uow:
            team = await uow.teams.get(team_id)
            return None if team is None else team.setup_message_id

    async def change(self, team_id: int, change: TeamChange) -> TeamView | None:
        """Apply one settings change (see the set_* functions below) and reschedule."""
        now = self._clock()
        async with self._units() as uow:
            team = await uow.teams.get(team_id, lock=True)
            if team is None:
                return None
            was_active = team.active
            change(team)
            if team.routine_id not in self._routines:
                raise SettingError("routine", f"no routine {team.routine_id!r}")
            today = local_date(now, ZoneInfo(team.timezone))
            if was_active and not team.active:
                # Off: the days from today on neither count nor break the team streak.
                await uow.teams.start_pause(team.id, today)
            elif team.active and not was_active:
                await uow.teams.end_pause(team.id, today)
            team.updated_at = now
            _reschedule(team, now)
            view = await self._view(uow, team, now)
            await uow.commit()
            return view

    # --- members ------------------------------------------------------------------------------

    async def join(self, team_id: int, telegram_id: int) -> JoinResult:
        """Join a team from its group's button: only someone who has started the bot."""
        now = self._clock()
        async with self._units() as uow:
            team = await uow.teams.get(team_id)
            if team is None:
                return JoinResult(JoinVerdict.NO_TEAM)
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None or person.blocked:
                return JoinResult(JoinVerdict.NEEDS_START, await self._view(uow, team, now))
            return await self._join(uow, team, person, now)

    async def join_by_code(self, code: str, ref: PersonRef) -> JoinResult:
        """Join a team from its deep link in the private chat (registering someone new)."""
        now = self._clock()
        async with self._units() as uow:
            team = await uow.teams.by_code(code)
            if team is None:
                return JoinResult(JoinVerdict.NO_TEAM)
            person = await self._people.join_in(uow, ref, reminders_on=False)
            return await self._join(uow, team, person, now)

    async def _join(self, uow: UnitOfWork, team: Team, person: Person, now: datetime) -> JoinResult:
        if await uow.teams.open_stay(team.id, person.id) is not None:
            await uow.commit()  # a new person's row, if the deep link made one
            return JoinResult(JoinVerdict.ALREADY, await self._view(uow, team, now))
        today = local_date(now, ZoneInfo(team.timezone))
        uow.teams.add_stay(team.id, person.id, today, now)
        await uow.flush()
        posts = await self._touch_today(uow, team, today)
        view = await self._view(uow, team, now)
        await uow.commit()
        logger.info("person %s joined team %s", person.id, team.id)
        return JoinResult(JoinVerdict.JOINED, view, posts)

    async def leave(self, team_id: int, telegram_id: int) -> JoinResult:
        """Leave a team: off its board from now on; the days already made stay made."""
        now = self._clock()
        async with self._units() as uow:
            team = await uow.teams.get(team_id)
            person = await uow.people.by_telegram_id(telegram_id)
            if team is None:
                return JoinResult(JoinVerdict.NO_TEAM)
            stay = None if person is None else await uow.teams.open_stay(team.id, person.id)
            if stay is None:
                return JoinResult(JoinVerdict.ALREADY, await self._view(uow, team, now))
            today = local_date(now, ZoneInfo(team.timezone))
            if stay.joined_on >= today:
                # Joined today and gone today: as if never there.
                await uow.session.delete(stay)
            else:
                stay.left_on = today - timedelta(days=1)
            await uow.flush()
            posts = await self._touch_today(uow, team, today)
            view = await self._view(uow, team, now)
            await uow.commit()
            return JoinResult(JoinVerdict.LEFT, view, posts)

    async def teams_of(self, telegram_id: int) -> list[TeamView]:
        """Return the teams a person is on now."""
        now = self._clock()
        async with self._units() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None:
                return []
            return [
                await self._view(uow, team, now) for team in await uow.teams.teams_of(person.id)
            ]

    async def _touch_today(
        self, uow: UnitOfWork, team: Team, today: date
    ) -> tuple[tuple[int, int], ...]:
        """Mark today's board dirty (a member joined or left); return (post id, chat id)."""
        post = await uow.teams.daily_post(team.id, today)
        if post is None or post.message_id is None:
            return ()
        await uow.teams.mark_dirty([post.id])
        return ((post.id, team.chat_id),)

    # --- the board, the week, the summary -----------------------------------------------------

    async def board_edit(self, post_id: int) -> BoardEdit | None:
        """Take the right to edit a post's board now (dirty, and not edited within the gap).

        Returns the board as it stands after the commit, and any team milestones reached for
        the first time (recorded here, once); None when there is nothing to do now.
        """
        now = self._clock()
        async with self._units() as uow:
            post = await uow.teams.post(post_id)
            if post is None or post.message_id is None:
                return None
            if not await uow.teams.take_board_edit(post_id, now, BOARD_GAP):
                return None
            team = await uow.teams.get(post.team_id)
            if team is None:
                return None
            today = local_date(now, ZoneInfo(team.timezone))
            history = await self._history(uow, team, max(today, post.local_date))
            board = await self._board(uow, team, post.local_date, now, history)
            milestones = await self._milestones(uow, team, today, now, history)
            await uow.commit()
            return BoardEdit(post.id, team.chat_id, post.message_id, board, milestones)

    async def board_failed(self, post_id: int) -> None:
        """Mark the board dirty again: its edit did not reach Telegram."""
        async with self._units() as uow:
            await uow.teams.mark_dirty([post_id])
            await uow.commit()

    async def next_board_edit(self, post_id: int) -> float | None:
        """Return in how many seconds a dirty board may be edited (None: clean or gone)."""
        async with self._units() as uow:
            post = await uow.teams.post(post_id)
            if post is None or not post.board_dirty:
                return None
            if post.board_edited_at is None:
                return 0.0
            return max(0.0, (post.board_edited_at + BOARD_GAP - self._clock()).total_seconds())

    async def dirty_boards(self, limit: int = 100) -> list[tuple[int, int]]:
        """Return (post id, chat id) of boards waiting for an edit."""
        async with self._units() as uow:
            return await uow.teams.dirty_boards(limit)

    async def week(self, chat_id: int) -> Week | None:
        """Return this week's grid, streak and best for /board."""
        now = self._clock()
        async with self._units() as uow:
            team = await uow.teams.by_chat(chat_id)
            if team is None:
                return None
            today = local_date(now, ZoneInfo(team.timezone))
            stays, finishes, schedule = await self._history(uow, team, today)
            grid = week_board(finishes, stays, schedule, today, goal=team.goal)
            days = team_days(finishes, stays, goal=team.goal)
            names = await uow.teams.first_names(list(grid.rows))
            return Week(
                await self._view(uow, team, now),
                today,
                grid,
                names,
                team_streak(days, schedule, today),
            )

    async def _board(
        self, uow: UnitOfWork, team: Team, day: date, now: datetime, history: History | None = None
    ) -> Board:
        stays, finishes, _ = history or await self._history(uow, team, day)
        current = sorted({stay.member for stay in stays if stay.left is None})
        names = await uow.teams.first_names(current)
        rows = [(names.get(member, "?"), day in finishes.get(member, set())) for member in current]
        # Finished first, each part in the order they joined: the board fills from the top.
        rows.sort(key=lambda row: not row[1])
        return Board(
            await self._view(uow, team, now), day, tuple(rows), team_goal(len(current), team.goal)
        )

    async def _history(self, uow: UnitOfWork, team: Team, today: date) -> History:
        """Return the team's stays, its members' finished days and its schedule."""
        stays = [
            Membership(person_id, joined, left)
            for person_id, joined, left in await uow.teams.stays(team.id)
        ]
        members = sorted({stay.member for stay in stays})
        done = await uow.runs.done_days(members)
        finishes = {member: set(days) for member, days in done.items()}
        schedule = Schedule(mask_to_days(team.days))
        for first, last in await uow.teams.pauses(team.id):
            end = last if last is not None else max(today, first)
            if end >= first:
                schedule = schedule.with_pause(first, end)
        return stays, finishes, schedule

    async def _milestones(
        self, uow: UnitOfWork, team: Team, today: date, now: datetime, history: History
    ) -> tuple[int, ...]:
        """Record and return the team milestones reached for the first time by today."""
        stays, finishes, schedule = history
        days = team_days(finishes, stays, goal=team.goal)
        if today not in days:
            return ()
        after = team_streak(days, schedule, today)
        before = team_streak(days - {today}, schedule, today)
        new = team_milestones_reached(
            before.current, after.current, await uow.teams.celebrated(team.id)
        )
        return tuple([m for m in new if await uow.teams.record_milestone_once(team.id, m, now)])

    async def _view(self, uow: UnitOfWork, team: Team, now: datetime) -> TeamView:
        stays = await uow.teams.stays(team.id)
        members = sum(1 for _, _, left in stays if left is None)
        return TeamView(
            id=team.id,
            code=team.code,
            chat_id=team.chat_id,
            title=team.title,
            timezone=team.timezone,
            post_at=team.post_at,
            days=mask_to_days(team.days),
            routine_id=team.routine_id,
            goal=team.goal,
            goal_today=team_goal(members, team.goal),
            members=members,
            ranking=team.ranking,
            active=team.active,
            present=team.left_at is None,
            language=team.language,
        )

    # --- the group and the bot ----------------------------------------------------------------

    async def bot_left(self, chat_id: int) -> bool:
        """Pause the team: the bot was removed from its group (data kept for 30 days)."""
        now = self._clock()
        async with self._units() as uow:
            team = await uow.teams.by_chat(chat_id, lock=True)
            if team is None or team.left_at is not None:
                return False
            team.left_at = now
            await uow.teams.start_pause(team.id, local_date(now, ZoneInfo(team.timezone)))
            _reschedule(team, now)
            await uow.commit()
            logger.info("team %s paused: the bot left chat %s", team.id, chat_id)
            return True

    async def bot_back(self, chat_id: int) -> bool:
        """Carry the team on where it was: the bot is back in its group."""
        now = self._clock()
        async with self._units() as uow:
            team = await uow.teams.by_chat(chat_id, lock=True)
            if team is None or team.left_at is None:
                return False
            team.left_at = None
            if team.active:
                await uow.teams.end_pause(team.id, local_date(now, ZoneInfo(team.timezone)))
            _reschedule(team, now)
            await uow.commit()
            return True

    async def migrated(self, old_chat_id: int, new_chat_id: int) -> bool:
        """Move the team to the supergroup its group became, with its members and streak."""
        async with self._units() as uow:
            team = await uow.teams.by_chat(old_chat_id, lock=True)
            if team is None or await uow.teams.by_chat(new_chat_id) is not None:
                return False
            team.chat_id = new_chat_id
            # The old messages stay in the old chat: nothing there can be edited any more.
            team.setup_message_id = None
            await uow.teams.forget_messages(team.id)
            await uow.commit()
            logger.info("team %s moved from chat %s to %s", team.id, old_chat_id, new_chat_id)
            return True

    async def delete(self, team_id: int) -> bool:
        """Delete a team and everything about it (/team delete, confirmed by an admin)."""
        async with self._units() as uow:
            if await uow.teams.get(team_id) is None:
                return False
            await uow.teams.remove(team_id)
            await uow.commit()
            return True

    async def clean_up(self, limit: int = 100) -> int:
        """Delete the teams whose group the bot left more than 30 days ago."""
        async with self._units() as uow:
            gone = await uow.teams.gone_since(self._clock() - GONE_FOR, limit)
            for team_id in gone:
                await uow.teams.remove(team_id)
            await uow.commit()
        if gone:
            logger.info("deleted %d team(s) the bot left 30 days ago", len(gone))
        return len(gone)

    # --- the daily post -----------------------------------------------------------------------

    async def claim_due(self, limit: int) -> list[TeamClaim]:
        """Claim up to `limit` due team posts (with last week's summaries) and move schedules on."""
        now = self._clock()
        claims: list[TeamClaim] = []
        async with self._units() as uow:
            claims.extend(await self._recover(uow, now, limit))
            teams = await uow.teams.due(now, limit - len(claims))
            rows: list[NewTeamPost] = []
            for team in teams:
                # After downtime a later day's post may be due too (each pass moves a day on).
                for _ in range(MAX_PASSES_PER_TEAM):
                    due, day = team.next_post_at, team.next_post_day
                    if due is None or day is None or due > now:
                        break
                    today = local_date(now, ZoneInfo(team.timezone))
                    late = too_late(due, day, today, now, self._grace)
                    status = Status.SKIPPED_LATE if late else Status.CLAIMED
                    detail = f"due {due.isoformat()}, bot back {now.isoformat()}" if late else None
                    rows.append(_post(team.id, DAILY, day, status, due, now, self.worker, detail))
                    if not late and self._summary_day(team, day):
                        rows.append(
                            _post(team.id, WEEKLY, day, Status.CLAIMED, due, now, self.worker)
                        )
                    _reschedule(
                        team, now, not_before_day=day + timedelta(days=1), lookback=self._grace
                    )
            inserted = await uow.teams.insert_posts_once(rows)
            by_id = {team.id: team for team in teams}
            for row in rows:
                post_id = inserted.get((row["team_id"], row["kind"], row["local_date"]))
                if post_id is None or row["status"] is not Status.CLAIMED:
                    continue
                team = by_id[row["team_id"]]
                claims.append(
                    await self._claim(uow, team, post_id, row["kind"], row["local_date"], now)
                )
            await uow.commit()
        # The summary first, then the day's post: the board stays the group's latest message.
        claims.sort(key=lambda claim: (claim.chat_id, claim.kind is DAILY))
        return claims

    def _summary_day(self, team: Team, day: date) -> bool:
        """Return whether this is the team's first day of the week and it was there last week."""
        if day.weekday() != min(mask_to_days(team.days), default=-1):
            return False
        last_sunday = day - timedelta(days=day.weekday() + 1)
        return local_date(team.created_at, ZoneInfo(team.timezone)) <= last_sunday

    async def _claim(
        self,
        uow: UnitOfWork,
        team: Team,
        post_id: int,
        kind: DeliveryKind,
        day: date,
        now: datetime,
    ) -> TeamClaim:
        if kind is WEEKLY:
            stays, finishes, schedule = await self._history(uow, team, day)
            summary = weekly_summary(
                finishes, stays, schedule, day, goal=team.goal, ranking=team.ranking
            )
            names = await uow.teams.first_names([m.member for m in summary.most_consistent])
            view = await self._view(uow, team, now)
            return TeamClaim(
                post_id,
                team.id,
                team.chat_id,
                kind,
                day,
                summary=Summary(view, summary, names),
                language=team.language,
            )
        board = await self._board(uow, team, day, now)
        return TeamClaim(
            post_id, team.id, team.chat_id, kind, day, board=board, language=team.language
        )

    async def _recover(self, uow: UnitOfWork, now: datetime, limit: int) -> list[TeamClaim]:
        """Settle post claims left by a stopped process (as the reminders do)."""
        claims = []
        for post in await uow.teams.stale_post_claims(now - self._lease, limit):
            settled = stale_claim_outcome(post.status, post.due_at, now, self._grace)
            if settled is not None:
                post.status, post.detail = settled
                continue
            team = await uow.teams.get(post.team_id)
            if team is None or team.left_at is not None or not team.active:
                post.status = Status.FAILED
                post.detail = "team off or the bot out of the group"
                continue
            post.claimed_at, post.claimed_by = now, self.worker
            post.detail = "recovered from a stopped process"
            kind = DeliveryKind(post.kind)
            claims.append(await self._claim(uow, team, post.id, kind, post.local_date, now))
        return claims

    async def _set(self, post_id: int, status: DeliveryStatus, **values: object) -> None:
        async with self._units() as uow:
            await uow.teams.set_post_status(post_id, status, **values)
            await uow.commit()

    async def mark_sending(self, post_id: int) -> None:
        """Record that the post is being handed to Telegram (from now on, never resent)."""
        await self._set(post_id, Status.SENDING)

    async def mark_sent(self, post_id: int, message_id: int) -> None:
        """Record a post that reached the group; its board is edited in this message."""
        now = self._clock()
        await self._set(
            post_id, Status.SENT, sent_at=now, message_id=message_id, board_edited_at=now
        )

    async def mark_unknown(self, post_id: int, detail: str) -> None:
        """Record a post whose fate is unknown (a time-out): it is not retried."""
        await self._set(post_id, Status.UNKNOWN, detail=detail[:200])

    async def mark_failed(self, post_id: int, detail: str) -> None:
        """Record a post Telegram refused."""
        await self._set(post_id, Status.FAILED, detail=detail[:200])

    async def mark_removed(self, post_id: int, chat_id: int) -> None:
        """Telegram says the bot is out of the group: record it and pause the team."""
        await self._set(post_id, Status.BLOCKED, detail="the bot is not in the group")
        await self.bot_left(chat_id)

    async def release(self, post_id: int, wait: timedelta) -> None:
        """Give a claim back after a 429 or a group move: nothing was sent, try again later."""
        retry_at = self._clock() + wait
        async with self._units() as uow:
            post = await uow.teams.post(post_id)
            if post is None:
                return
            team = await uow.teams.get(post.team_id, lock=True)
            if team is not None and post.kind == DAILY:
                team.next_post_at = retry_at
                team.next_post_day = post.local_date
            await uow.teams.remove_post(post.id)
            await uow.commit()

    async def release_mine(self) -> int:
        """Give back this process's post claims not handed to Telegram yet (a clean stop)."""
        async with self._units() as uow:
            mine = await uow.teams.claimed_by(self.worker)
            for post in mine:
                team = await uow.teams.get(post.team_id)
                if team is not None and post.kind == DAILY:
                    team.next_post_at = post.due_at
                    team.next_post_day = post.local_date
                await uow.teams.remove_post(post.id)
            await uow.commit()
        return len(mine)


def _post(
    team_id: int,
    kind: DeliveryKind,
    day: date,
    status: DeliveryStatus,
    due: datetime,
    now: datetime,
    worker: str,
    detail: str | None = None,
) -> NewTeamPost:
    return NewTeamPost(
        team_id=team_id,
        kind=kind,
        local_date=day,
        status=status,
        due_at=due,
        claimed_at=now,
        claimed_by=worker,
        detail=detail,
    )


def _reschedule(
    team: Team,
    now: datetime,
    *,
    not_before_day: date | None = None,
    lookback: timedelta = timedelta(0),
) -> None:
    """Set the team's next daily post from its settings (none when off or the bot is out).

    lookback: also accept an instant this far in the past, so a post that came due while the
    bot was down still goes out within the grace (as a person's reminder does).
    """
    if not team.active or team.left_at is not None or not team.days:
        team.next_post_at = None
        team.next_post_day = None
        return
    found = next_due(
        now,
        team.post_at,
        ZoneInfo(team.timezone),
        mask_to_days(team.days),
        not_before_day=not_before_day,
        lookback=lookback,
    )
    team.next_post_at, team.next_post_day = found if found is not None else (None, None)


# --- settings changes, each a function of the team row (TeamService.change applies one) -------


def set_time(minutes: int) -> TeamChange:
    """Return the change to a break time (minutes after midnight)."""
    if not 0 <= minutes < 24 * 60:
        raise SettingError("time", "a time of day is 00:00..23:59")

    def change(team: Team) -> None:
        team.post_at = time(minutes // 60, minutes % 60)

    return change


def set_zone(zone: str) -> TeamChange:
    """Return the change to a time zone (an area/city name tzdata knows, or UTC)."""
    if not is_accepted(zone):
        raise SettingError("zone", f"unknown time zone {zone!r}")

    def change(team: Team) -> None:
        team.timezone = zone

    return change


def set_days(choice: str) -> TeamChange:
    """Return the change to the team's days: 'w' workdays, 'a' every day, '0'..'6' one toggled."""

    def change(team: Team) -> None:
        if choice == "w":
            team.days = days_to_mask(WORKDAYS)
        elif choice == "a":
            team.days = days_to_mask(EVERY_DAY)
        else:
            days = set(mask_to_days(team.days)) ^ {int(choice)}
            if days:  # the last day stays: a team with no days is /team off
                team.days = days_to_mask(days)

    if choice not in ("w", "a") and not (len(choice) == 1 and "0" <= choice <= "6"):
        raise SettingError("days", f"not a day choice: {choice!r}")
    return change


def set_routine(routine_id: str) -> TeamChange:
    """Return the change to the team's routine (checked against the library on apply)."""

    def change(team: Team) -> None:
        team.routine_id = routine_id

    return change


def set_goal(goal: int | None) -> TeamChange:
    """Return the change to the goal (None: the default, half of those who joined)."""
    if goal is not None and not 2 <= goal <= MAX_GOAL:
        raise SettingError("goal", f"a goal is 2..{MAX_GOAL} members")

    def change(team: Team) -> None:
        team.goal = goal

    return change


def set_ranking(on: bool) -> TeamChange:
    """Return the change to the weekly ranking (the most consistent members)."""

    def change(team: Team) -> None:
        team.ranking = on

    return change


def set_language(language: str, known: Collection[str]) -> TeamChange:
    """Return the change to the language of the team's posts (one of the known languages)."""
    if language not in known:
        raise SettingError("language", f"no language {language!r}")

    def change(team: Team) -> None:
        team.language = language

    return change


def set_active(on: bool) -> TeamChange:
    """Return /team on or /team off."""

    def change(team: Team) -> None:
        team.active = on

    return change
