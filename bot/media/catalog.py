"""Every picture the bot can show, and the disk cache they are rendered into.

A Picture names what to show: the demonstration of an exercise version for a side, or the
sheet of a routine's moves (shown with the summary at the end of a run). The catalog turns it
into a file on disk, rendering it once (in a worker thread, never on the event loop) and
naming it by its content hash, so a change to the poses, the dose, the words or the style
renders anew and an unchanged one is never drawn twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image

from bot.media.draw import Style
from bot.media.render import Animation, render_mp4
from bot.media.sheet import Sheet, contact_sheet, render_sheet
from content import LEVELS, Library
from content import library as library_in

logger = logging.getLogger(__name__)

Kind = Literal["animation", "photo"]


@dataclass(frozen=True)
class Demo:
    """The demonstration of an exercise version; side None for a both-legs exercise."""

    exercise_id: str
    level: int
    side: Literal["left", "right"] | None
    # The language of its words (the side label, the cues): each language has its own file.
    language: str = "en"


@dataclass(frozen=True)
class RoutineSheet:
    """The picture of a routine's moves, shown with the summary at the end of a run."""

    routine_id: str
    language: str = "en"


Picture = Demo | RoutineSheet


@dataclass(frozen=True)
class MediaFile:
    """A rendered picture: its content hash, where it is on disk, and how Telegram shows it."""

    key: str
    path: Path
    kind: Kind
    filename: str


class MediaCatalog:
    """Resolves pictures to files, rendering what is missing."""

    def __init__(self, library: Library, directory: Path, style: Style | None = None) -> None:
        self._library = library
        self.directory = directory
        self._style = style or Style()
        self._locks: dict[str, asyncio.Lock] = {}
        # Hashing a demonstration is a JSON dump of its poses: once per picture per process.
        self._files: dict[Picture, MediaFile] = {}

    def _in(self, language: str) -> Library:
        """Return the library in a picture's language."""
        if language == self._library.language:
            return self._library
        return library_in(language)

    def animation(self, demo: Demo) -> Animation:
        """Return the animation of a demonstration (its words from the library's texts)."""
        library = self._in(demo.language)
        exercise = library.exercise(demo.exercise_id)
        naming = exercise.sides_for(demo.level)
        if demo.side is None or naming is None:
            label = library.texts.media_both_legs
        else:
            label = library.texts.side(naming, demo.side)
        return Animation(
            exercise_id=exercise.id,
            level=demo.level,
            side=demo.side,
            demo=library.demos[exercise.id].level(demo.level),
            dose=exercise.dose_for(demo.level),
            side_label=label,
            cues=dict(library.texts.media_cues),
            style=self._style,
        )

    def sheet(self, picture: RoutineSheet) -> Sheet:
        """Return the sheet of a routine: the standard version of each of its moves."""
        library = self._in(picture.language)
        routine = library.routine(picture.routine_id)
        animations = tuple(
            self.animation(Demo(e, 0, _first_side(library, e), picture.language))
            for e in routine.exercises
        )
        names = tuple(library.exercise(e).name for e in routine.exercises)
        return Sheet(routine.id, routine.title, animations, names)

    def contact_sheet(self) -> Image.Image:
        """Return the contact sheet: each exercise's easier, standard and harder version."""
        library = self._library
        rows = []
        for exercise in library.exercises.values():
            side = _first_side(library, exercise.id)
            versions = [
                (
                    f"{label}: {exercise.variation(level).name}",
                    self.animation(
                        Demo(
                            exercise.id, level, side if exercise.dose_for(level).per_side else None
                        )
                    ),
                )
                for level, label in zip(LEVELS, library.texts.media_levels, strict=True)
            ]
            rows.append((exercise.name, versions))
        return contact_sheet(rows)

    def demos(self, language: str = "en") -> list[Demo]:
        """Return every demonstration: each exercise, each version, each side it has."""
        out: list[Demo] = []
        for exercise in self._library.exercises.values():
            for level in LEVELS:
                if exercise.dose_for(level).per_side:
                    out.extend(
                        Demo(exercise.id, level, side, language) for side in ("left", "right")
                    )
                else:
                    out.append(Demo(exercise.id, level, None, language))
        return out

    def pictures(self, language: str = "en") -> list[Picture]:
        """Return every picture the bot can show in a language."""
        sheets = [RoutineSheet(r, language) for r in self._library.routines]
        return [*self.demos(language), *sheets]

    def file(self, picture: Picture) -> MediaFile:
        """Return where a picture's file is (or will be), without rendering it."""
        known = self._files.get(picture)
        if known is None:
            known = self._files[picture] = self._locate(picture)
        return known

    def _locate(self, picture: Picture) -> MediaFile:
        if isinstance(picture, Demo):
            animation = self.animation(picture)
            name = f"{animation.name}-{animation.key}.mp4"
            return MediaFile(
                animation.key, self.directory / name, "animation", f"{animation.name}.mp4"
            )
        sheet = self.sheet(picture)
        name = f"routine-{sheet.routine_id}-{sheet.key}.png"
        return MediaFile(sheet.key, self.directory / name, "photo", f"{sheet.routine_id}.png")

    def render(self, picture: Picture) -> MediaFile:
        """Return a picture's file, rendering it first when it is not on disk (blocking)."""
        media = self.file(picture)
        if not media.path.exists():
            if isinstance(picture, Demo):
                render_mp4(self.animation(picture), media.path)
            else:
                render_sheet(self.sheet(picture), media.path)
            logger.info("rendered %s", media.path.name)
        return media

    async def ensure(self, picture: Picture) -> MediaFile:
        """Return a picture's file, rendering it in a worker thread when it is missing."""
        media = self.file(picture)
        if media.path.exists():
            return media
        lock = self._locks.setdefault(media.key, asyncio.Lock())
        async with lock:
            return await asyncio.to_thread(self.render, picture)

    async def warm(self, languages: Sequence[str] = ("en",)) -> int:
        """Render every missing picture of these languages, one at a time; return how many."""
        rendered = 0
        for language in languages:
            for picture in self.pictures(language):
                if not self.file(picture).path.exists():
                    await self.ensure(picture)
                    rendered += 1
        return rendered


def _first_side(library: Library, exercise_id: str) -> Literal["left"] | None:
    return "left" if library.exercise(exercise_id).dose_for(0).per_side else None


def _render_one(directory: str, picture: Picture) -> str:
    """Render one picture in a worker process (its own copy of the library)."""
    return str(MediaCatalog(library_in(), Path(directory)).render(picture).path)


def render_missing(
    catalog: MediaCatalog, workers: int = 1, languages: Sequence[str] = ("en",)
) -> list[Path]:
    """Render every picture not yet on disk, in worker processes; return the files written.

    For the `mobility-coach media` command and the test suite's shared cache: the bot itself
    renders in a thread (MediaCatalog.warm), one picture at a time, beside its work.
    """
    everything = [p for language in languages for p in catalog.pictures(language)]
    missing = [p for p in everything if not catalog.file(p).path.exists()]
    if workers <= 1 or len(missing) <= 1:
        return [catalog.render(p).path for p in missing]
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    # Spawned, not forked: the parent may be running an event loop and threads.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        done = pool.map(_render_one, [str(catalog.directory)] * len(missing), missing)
        return [Path(path) for path in done]
