"""Run a command as the only child of this small process and write its rusage as JSON.

    python -m bench.launch OUT.json COMMAND...

Linux folds the memory of the process that forked a child into the child's ru_maxrss (it
is counted before exec), so a big benchmark process would inflate every bot's figure; started
from here, the bot's ru_maxrss is its own. SIGTERM and SIGINT are passed on to the command.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType


def main(argv: list[str]) -> int:
    out, command = Path(argv[0]), argv[1:]
    child = subprocess.Popen(command)

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = code = os.waitstatus_to_exitcode(status)
    out.write_text(
        json.dumps(
            {
                "code": code,
                "max_rss_kib": usage.ru_maxrss,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
            }
        )
    )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
