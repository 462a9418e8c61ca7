"""PostgreSQL crashed (kill -9 of the server and every backend) and later stopped in immediate mode,
each time started again, while enrollments and session changes stream in: requests fail during
the outage (the clients retry them, as real ones would), every worker rides it out, and afterwards
every notification the committed events call for is delivered exactly once.

The server is a private one (tests/support/private_postgres.py) holding the three services'
databases; the broker a private RabbitMQ. The shared servers are never touched.
"""
from __future__ import annotations

import time

import pytest
import requests

from tests.reliability.clinic import ADMIN, Api, Clinic, assert_each_notification_sent_once
from tests.reliability.stack import databases_on
from tests.support.workers import wait_for

pytestmark = pytest.mark.reliability


def test_postgres_crashes_mid_stream_lose_and_duplicate_no_notification(
        private_postgres, private_rabbit, platform_on, figures):
    started = time.monotonic()
    stack, ledger = platform_on(databases_on(private_postgres), private_rabbit.url)
    api = Api(stack.urls, ride_out_outages=True)
    clinic = Clinic(api)
    clinic.prepare()
    assert ledger.wait_settled(), f"the starting point did not settle: {ledger.state()}"

    outages: list[dict] = []

    def outage(how: str, stop) -> None:
        answered = dict(api.outage_answers)
        figures_now = {"how": how, **ledger.in_flight()}
        stop()
        down = time.monotonic()
        time.sleep(3)  # requests, relays, consumers and the scheduler all hit the dead server
        private_postgres.start()
        figures_now["down_s"] = round(time.monotonic() - down, 1)
        # Recovered once an API answers from the database again.
        wait_for(lambda: requests.get(f"{stack.urls['roster']}/readyz", timeout=5).status_code == 200,
                 timeout=60, interval=0.2, message="roster ready again")
        figures_now["ready_again_s"] = round(time.monotonic() - down, 1)
        figures_now["failed_answers"] = {str(k): v - answered.get(k, 0) for k, v in api.outage_answers.items()
                                         if v - answered.get(k, 0)}
        outages.append(figures_now)

    def crash_the_database(progress):
        progress.wait_until(0.25)
        outage("kill -9", private_postgres.kill)
        progress.wait_until(0.6)
        outage("pg_ctl stop -m immediate", private_postgres.stop_immediate)

    progress = clinic.stream(crash_the_database)
    stream_done = time.monotonic()
    settled = ledger.wait_settled()
    delivery = ledger.delivery()

    figures.update(outages=outages, operations=progress.total, stream_s=round(progress.stream_seconds, 1),
                   answers=dict(clinic.stream_answers), recovery_s=round(time.monotonic() - stream_done, 1),
                   settled=settled, **delivery.as_dict(), test_s=round(time.monotonic() - started, 1))
    assert len(outages) == 2 and all(o["failed_answers"] for o in outages), "no request met the outage"
    assert_each_notification_sent_once(delivery, settled, ledger)
    assert stack.dead_workers() == [], "a worker gave up during the outage"


def test_an_api_answers_503_not_500_while_its_database_is_down(private_postgres, private_rabbit, platform_on):
    stack, _ = platform_on(databases_on(private_postgres), private_rabbit.url, apis=("roster",), workers=())
    stack_url = stack.urls["roster"]
    assert requests.get(f"{stack_url}/v1/groups", headers=ADMIN, timeout=10).status_code == 200
    private_postgres.kill()
    try:
        statuses = {requests.get(f"{stack_url}/v1/groups", headers=ADMIN, timeout=30).status_code
                    for _ in range(4)}
        ready = requests.get(f"{stack_url}/readyz", timeout=30).status_code
    finally:
        private_postgres.start()
    assert ready == 503
    assert statuses == {503}
