"""`mobility-coach run` without a token: an offline terminal chat where a routine completes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from content import library

T = library().texts
DESK = library().routine("desk")


def test_offline_chat_completes_a_routine(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    steps = 2 * len(DESK.exercises)
    # /routine, the first routine, the one-time hip question's No (button 2), then Done
    # (button 1) on every step.
    script = "/routine\n1\n2\n" + "1\n" * steps
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "No TELEGRAM_BOT_TOKEN set: starting the offline chat" in done.stderr
    assert (
        f"[1] {T.routine_button.format(title=DESK.title, minutes=f'{DESK.minutes} min')}"
        in done.stdout
    )
    assert f"🎉 {DESK.title}: done!" in done.stdout
    assert f"{steps} sets done, 0 skipped." in done.stdout
    assert (tmp_path / "data" / "mobility-coach.db").exists(), "the log is kept in SQLite"
    # Each step's animation is a file in MEDIA_DIR (./data/media by default; the suite's
    # shared cache here), named on screen with what it shows.
    seated = library().exercise("seated_ir")
    shown = [line for line in done.stdout.splitlines() if line.startswith("[animation: ")]
    assert len(shown) >= steps
    first = shown[0]
    assert first.startswith(
        f"[animation: {seated.name} · {seated.standard.name} · {T.side('foot', 'left')}, "
    )
    path = Path(first.rsplit(", ", 1)[1].rstrip("]"))
    assert path.parent == Path(os.environ["MEDIA_DIR"]) and path.suffix == ".mp4"
    assert path.exists()
