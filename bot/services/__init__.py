"""Use cases: each opens its own unit of work (bot/db/unit_of_work.py) and commits it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.media.catalog import MediaCatalog
from bot.metrics import Metrics
from bot.services.checkup import CheckupService
from bot.services.coach import CoachService
from bot.services.data_rights import DataRightsService
from bot.services.media import MediaService
from bot.services.operations import OperationsService
from bot.services.paid_broadcast import PaidBroadcastBudget
from bot.services.people import PeopleService
from bot.services.reminders import ReminderService
from bot.services.routines import RoutineService
from bot.services.settings import SettingsService
from bot.services.stats import StatsService
from bot.services.teams import TeamService
from content import Library


@dataclass(frozen=True)
class Services:
    """The long-lived services built in post_init and reached through the typed context."""

    engine: AsyncEngine
    library: Library
    people: PeopleService
    routines: RoutineService
    coach: CoachService
    settings: SettingsService
    reminders: ReminderService
    stats: StatsService
    checkup: CheckupService
    data_rights: DataRightsService
    operations: OperationsService
    metrics: Metrics
    media: MediaService
    catalog: MediaCatalog
    teams: TeamService
    admin_ids: frozenset[int] = frozenset()
    # The daily Stars budget for paid broadcasts (None: reminders never go paid).
    paid_budget: PaidBroadcastBudget | None = None
