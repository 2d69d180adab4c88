"""The offline chat: talk to the real bot in a terminal, through the loopback double."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TextIO

from bot.config import Settings
from bot.sandbox.double import ChatMessage
from bot.sandbox.harness import Sandbox, SandboxPerson

logger = logging.getLogger(__name__)
OFFLINE_USER_ID = 1
INTRO = (
    "Offline chat with Mobility Coach (nothing leaves this machine).\n"
    "Type /start or /routine. A number presses that button of the newest message;\n"
    "anything else is sent as a message. /quit or Ctrl-D leaves.\n"
)
# How often the screen checks for messages the bot sends on its own (reminders, summaries).
WATCH_INTERVAL = 0.3


class TerminalChat:
    """Print the chat as it stands and turn typed lines into messages and button presses."""

    def __init__(self, person: SandboxPerson, out: TextIO) -> None:
        self._person = person
        self._out = out
        self._shown: dict[int, tuple[str, list[str]]] = {}
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
                seen = (message.text, message.button_texts)
                if self._shown.get(message.message_id) == seen:
                    continue
                edited = message.message_id in self._shown
                self._shown[message.message_id] = seen
                numbered = message.button_texts == buttons_for
                self._print(self._format(message, edited=edited, numbered=numbered))

    @staticmethod
    def _format(message: ChatMessage, *, edited: bool, numbered: bool) -> str:
        head = "── coach (edited) " if edited else "── coach "
        lines = [head.ljust(60, "─"), message.text]
        if message.photo:
            lines.append(f"[picture, {len(message.photo)} bytes]")
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
        chat = TerminalChat(sandbox.person(OFFLINE_USER_ID, "You"), stdout)
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
