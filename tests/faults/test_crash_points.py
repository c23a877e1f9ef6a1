"""core.faults.crash_point: SIGKILL at the named point's Nth hit, nothing otherwise."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tests.faults.stack import ROOT

SCRIPT = "from core.faults import crash_point\nfor i in range({hits}):\n    crash_point('a.b')\nprint('alive')"


@pytest.mark.parametrize(
    ("crash_at", "hits", "killed"),
    [("a.b", 1, True), ("x.y, a.b@3", 2, False), ("x.y,a.b@3", 3, True), ("", 5, False), ("a.bc", 5, False)],
)
def test_crash_point_kills_at_the_nth_hit_of_a_listed_name(crash_at: str, hits: int, killed: bool) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(hits=hits)], cwd=ROOT, env={"KOXX_CRASH_AT": crash_at},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if killed:
        assert done.returncode == -signal.SIGKILL and "alive" not in done.stdout
    else:
        assert done.returncode == 0 and "alive" in done.stdout, done.stderr
