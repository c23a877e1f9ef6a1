"""The scheduler counts each job's runs and failures, and a failing job's error line names it."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import REGISTRY

from scheduler import Job, _guarded


def count(name: str, job: str) -> float:
    return REGISTRY.get_sample_value(name, {"job": job}) or 0.0


async def test_runs_and_failures_are_counted(caplog: pytest.LogCaptureFixture) -> None:
    outcomes = iter([None, RuntimeError("node unreachable")])

    async def flaky() -> None:
        failure = next(outcomes)
        if failure is not None:
            raise failure

    run = _guarded(Job("test.flaky", flaky, 5))
    runs, failures = count("koxx_job_runs_total", "test.flaky"), count("koxx_job_failures_total", "test.flaky")
    with caplog.at_level(logging.ERROR, logger="scheduler"):
        await run()
        await run()
    assert count("koxx_job_runs_total", "test.flaky") == runs + 2
    assert count("koxx_job_failures_total", "test.flaky") == failures + 1
    assert [r.getMessage() for r in caplog.records] == ["job test.flaky failed"]
