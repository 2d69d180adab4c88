"""The offline chat: talk to the real bot in a terminal, through the loopback double."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.media.catalog import MediaCatalog, Picture, RoutineSheet
from bot.sandbox.double import ChatMessage
from bot.sandbox.harness import Sandbox, SandboxPerson
from content import Library

logger = logging.getLogger(__name__)
OFFLINE_USER_ID = 1
INTRO = (
    "Offline chat with Mobility Coach (nothing leaves this machine).\n"
    "Type /start or /routine. A number presses that button of the newest message;\n"
    "anything else is sent as a message. /quit or Ctrl-D leaves.\n"
)
# How often the screen checks for messages the bot sends on its own (reminders, summaries).
WATCH_INTERVAL = 0.3


class MediaFiles:
    """Name the pictures the bot shows: the file in the media folder and what it is of."""

    def __init__(self, catalog: MediaCatalog, library: Library) -> None:
        self._catalog = catalog
        self._library = library
        self._by_sha: dict[str, tuple[Path, str]] | None = None

    def describe(self, data: bytes, sha256: str, kind: str) -> str:
        """Return e.g. "[animation: Foot swing-out · Left foot, PATH]"."""
        known = self._known()
        if sha256 not in known:
            # Not one of ours (or rendered since): keep a copy to look at all the same.
            path = (
                self._catalog.directory
                / f"shown-{sha256[:12]}.{'mp4' if kind == 'animation' else 'png'}"
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            self._known()[sha256] = (path, "")
        path, what = known[sha256]
        return f"[{kind}: {what + ', ' if what else ''}{path}]"

    def _known(self) -> dict[str, tuple[Path, str]]:
        if self._by_sha is None:
            self._by_sha = {}
            for picture in self._catalog.pictures():
                media = self._catalog.file(picture)
                if media.path.exists():
                    sha = hashlib.sha256(media.path.read_bytes()).hexdigest()
                    self._by_sha[sha] = (media.path, self._what(picture))
        return self._by_sha

    def _what(self, picture: Picture) -> str:
        library = self._library
        if isinstance(picture, RoutineSheet):
            return library.routine(picture.routine_id).title
        exercise = library.exercise(picture.exercise_id)
        parts = [exercise.name, exercise.variation(picture.level).name]
        naming = exercise.sides_for(picture.level)
        if picture.side is not None and naming is not None:
            parts.append(library.texts.side(naming, picture.side))
        return " · ".join(parts)


class TerminalChat:
    """Print the chat as it stands and turn typed lines into messages and button presses."""

    def __init__(self, person: SandboxPerson, out: TextIO, media: MediaFiles | None = None) -> None:
        self._person = person
        self._out = out
        self._media = media
        self._shown: dict[int, tuple[str, list[str], str | None]] = {}
        self._lock = asyncio.Lock()

    def _keyboard(self) -> list[str]:
        """Return the buttons a number refers to: those of the newest message that has any."""
        for message in reversed(self._person.chat):
            if message.from_bot and message.button_texts:
                return message.button_texts
        return []

    async def handle(self, line: str) -> None:
        """Send a line as the person: a number presses a button, the rest is a message."""
        if line.isdigit():
            buttons = self._keyboard()
            choice = int(line)
            if not 1 <= choice <= len(buttons):
                self._print(f"(no button {choice}; there are {len(buttons)})")
                return
            answer = await self._person.press(buttons[choice - 1])
            if answer.text:
                self._print(f"  ({answer.text})")
        else:
            await self._person.send(line)
        await self.refresh()

    async def refresh(self) -> None:
        """Print every bot message that is new or changed since it was last printed."""
        async with self._lock:
            buttons_for = self._keyboard()
            for message in self._person.chat:
                if not message.from_bot:
                    continue
                seen = (
                    message.text,
                    message.button_texts,
                    message.animation_sha256 or message.photo_sha256,
                )
                if self._shown.get(message.message_id) == seen:
                    continue
                edited = message.message_id in self._shown
                self._shown[message.message_id] = seen
                numbered = message.button_texts == buttons_for
                self._print(self._format(message, edited=edited, numbered=numbered))

    def _format(self, message: ChatMessage, *, edited: bool, numbered: bool) -> str:
        head = "── coach (edited) " if edited else "── coach "
        lines = [head.ljust(60, "─")]
        # The picture first, as Telegram shows it above its caption.
        if message.animation is not None and message.animation_sha256 and self._media:
            lines.append(
                self._media.describe(message.animation, message.animation_sha256, "animation")
            )
        elif message.photo and message.photo_sha256 and self._media:
            lines.append(self._media.describe(message.photo, message.photo_sha256, "picture"))
        elif message.photo:
            lines.append(f"[picture, {len(message.photo)} bytes]")
        lines.append(message.text)
        number = 0
        for row in message.buttons:
            cells = []
            for button in row:
                number += 1
                cells.append(f"[{number}] {button.text}" if numbered else f"[{button.text}]")
            lines.append("   " + "   ".join(cells))
        return "\n".join(lines)

    def _print(self, text: str) -> None:
        print(text, file=self._out, flush=True)

    async def watch(self) -> None:
        """Keep printing messages the bot sends without being asked."""
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            await self.refresh()


async def run_offline_chat(
    settings: Settings, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> int:
    """Run the bot against the double and chat with it in this terminal until EOF or /quit."""
    loop = asyncio.get_running_loop()
    async with Sandbox(settings, reminders=True) as sandbox:
        services = sandbox.services
        media = MediaFiles(services.catalog, services.library)
        chat = TerminalChat(sandbox.person(OFFLINE_USER_ID, "You"), stdout, media)
        print(INTRO, file=stdout, flush=True)
        watcher = asyncio.create_task(chat.watch())
        try:
            while True:
                line = await loop.run_in_executor(None, stdin.readline)
                if not line or line.strip() in ("/quit", "/exit"):
                    break
                if line.strip():
                    await chat.handle(line.strip())
        finally:
            watcher.cancel()
    print("Bye. Your log is kept in the database for next time.", file=stdout, flush=True)
    return 0
