"""Who is talking to the coach: the reference handlers pass in, and first contact."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.models import Person
from bot.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bot.domain.screening import Screening
from bot.services.clock import Clock
from bot.services.scheduling import reschedule


@dataclass(frozen=True)
class PersonRef:
    """The Telegram identity behind an update in the person's private chat.

    chat_id is that private chat (Telegram gives it the user's id): the only chat reminders,
    exports and other personal messages go to. Group chats never make a PersonRef.
    """

    telegram_id: int
    chat_id: int
    first_name: str
    # The language a new person starts in (from Telegram's language_code); a stored person's
    # own choice wins over it.
    language: str = "en"


class PeopleService:
    """Registers people on first contact and keeps their chat details current.

    Only /start (register) and a choice the person makes (join_in: a setting, a routine)
    create a person; reads find them or report that nothing is stored (find_in).
    """

    def __init__(self, units: UnitOfWorkFactory, clock: Clock, default_timezone: str) -> None:
        self._units = units
        self._clock = clock
        self._default_timezone = default_timezone

    @property
    def default_timezone(self) -> str:
        """Return the zone a newcomer starts in."""
        return self._default_timezone

    async def register(self, ref: PersonRef) -> bool:
        """Register the person (or refresh their details); return whether they are new.

        Someone writing to us is not blocking us: a stale 'blocked' mark is cleared.
        """
        async with self._units() as uow:
            person, created = await self.joined_in(uow, ref, reminders_on=True)
            if person.blocked:
                person.blocked = False
                reschedule(person, self._clock())
            await uow.commit()
            return created

    async def known(self, ref: PersonRef) -> bool:
        """Return whether anything is stored about the person."""
        async with self._units() as uow:
            await uow.reads_only()
            return await self.find_in(uow, ref) is not None

    async def language_of(self, telegram_id: int) -> str | None:
        """Return the person's language, or None when nothing is stored about them."""
        async with self._units() as uow:
            await uow.reads_only()
            return await uow.people.language_of(telegram_id)

    async def set_language(self, ref: PersonRef, language: str) -> None:
        """Store the language the person chose (registering someone new, without reminders)."""
        async with self._units() as uow:
            person = await self.join_in(uow, ref, reminders_on=False)
            person.language = language
            person.updated_at = self._clock()
            await uow.commit()

    async def languages_in_use(self) -> list[str]:
        """Return the languages people use, most used first."""
        async with self._units() as uow:
            return await uow.people.languages_in_use()

    def screen_in(self, person: Person, answer: Screening) -> None:
        """Store a first-use screening answer on a loaded person (a unit of work commits it).

        A person who says 'not now' gets no reminders until they change it.
        """
        now = self._clock()
        person.screening = answer
        person.screened_at = now
        if answer is Screening.NOT_NOW and person.reminders_on:
            person.reminders_on = False
            reschedule(person, now)

    async def find_in(self, uow: UnitOfWork, ref: PersonRef) -> Person | None:
        """Return the person's row, or None when nothing is stored about them (writes nothing)."""
        return await uow.people.by_telegram_id(ref.telegram_id)

    async def join_in(self, uow: UnitOfWork, ref: PersonRef, *, reminders_on: bool) -> Person:
        """Return the person's row, creating it for a choice they made (a setting, a routine).

        reminders_on is for a new row only: a setting that is about reminders turns them on as
        /start does; anything else (a routine started from an old button after /delete) must
        not bring back reminders nobody asked for.
        """
        person, _ = await self.joined_in(uow, ref, reminders_on=reminders_on)
        return person

    async def known_in(self, uow: UnitOfWork, ref: PersonRef) -> Person | None:
        """Return the person's row (chat and name kept up to date), or None if they are unknown.

        Someone unknown stays unknown: nothing is stored about them.
        """
        return await uow.people.known(
            ref.telegram_id, chat_id=ref.chat_id, first_name=ref.first_name, now=self._clock()
        )

    async def joined_in(
        self, uow: UnitOfWork, ref: PersonRef, *, reminders_on: bool
    ) -> tuple[Person, bool]:
        """join_in, and whether the row is new (registered in this unit of work)."""
        now = self._clock()
        person, created = await uow.people.get_or_create(
            telegram_id=ref.telegram_id,
            chat_id=ref.chat_id,
            first_name=ref.first_name,
            timezone=self._default_timezone,
            now=now,
            reminders_on=reminders_on,
            language=ref.language,
        )
        if created:
            # Defaults: 09:00 on workdays, in the default zone (changeable); on or off as asked.
            reschedule(person, now)
        return person, created
