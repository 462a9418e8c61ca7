"""The top of the hour (SPEC section 6): 200 sessions starting at the same time and 2,000 participants
following their join links within the same minute, each from an address of its own (as they would:
the per-address limit on join links stays on). Every join must be redirected to the room and
recorded exactly once; a tenth of them click twice (the second click must record nothing new).
Beside it, in the same minute's load, the one-query floor paced at the same rate.
"""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import sqlalchemy as sa

from bench.loadgen import Req, closed_loop, paced
from shared.join_links import join_url

SESSIONS, JOINS, SECONDS = 200, 2000, 60
REDIRECTS = range(300, 400)


def source_address(n: int) -> str:
    """A loopback address of its own for participant n (127.1.0.1, 127.1.0.2, ...)."""
    return f"127.1.{n // 250}.{n % 250 + 1}"


def measure_top_of_hour(ctx, bearer, log, floor_base: str, quick: bool = False) -> dict:
    sessions_wanted, joins_wanted = (20, 200) if quick else (SESSIONS, JOINS)
    per_session = joins_wanted // sessions_wanted
    groups = [g for g in ctx.data.groups if len(g.active) >= per_session][:sessions_wanted]
    if len(groups) < sessions_wanted:
        raise RuntimeError(f"only {len(groups)} groups with {per_session} active members")
    starts = (datetime.now(UTC) + timedelta(minutes=3)).replace(second=0, microsecond=0)
    reqs = [Req("POST", f"/v1/groups/{g.id}/sessions",
                {**bearer(ctx, "facilitator", g.lead), "Content-Type": "application/json"},
                json.dumps({"starts_at": starts.isoformat(), "modality": "virtual", "topic": "Check-in"}).encode())
            for g in groups]
    log(f"top of the hour: {len(reqs)} virtual sessions starting {starts:%H:%M}Z, {per_session} members each")
    made = closed_loop(ctx.api["sessions"], reqs, concurrency=8)
    session_ids = [json.loads(r.body)["id"] for r in made if r.status == 201]
    if len(session_ids) != len(reqs):
        raise RuntimeError(f"{len(reqs) - len(session_ids)} sessions could not be created")
    joiners = [(sid, pid) for sid, g in zip(session_ids, groups) for pid in g.active[:per_session]]
    paths = [urlparse(join_url(ctx.api["sessions"], ctx.secret, sid, pid)).path for sid, pid in joiners]
    twice = set(range(0, len(paths), 10))  # every tenth participant clicks twice, a second apart
    clicks = sorted([(i * SECONDS / len(paths), i) for i in range(len(paths))]
                    + [(i * SECONDS / len(paths) + 1.0, i) for i in twice])
    rate = len(clicks) / SECONDS
    order = [i for _, i in clicks]
    join_reqs = [Req("GET", paths[i]) for i in order]
    sources = [source_address(i) for i in order]

    floor_reqs = [Req("GET", f"/floor/{g.id}") for g in groups]
    log(f"  the one-query floor paced at {rate:.1f} req/s for 15 s, then {len(clicks)} clicks over {SECONDS} s")
    floor = paced(floor_base, floor_reqs, rate=rate, count=int(rate * 15))
    floor.pop("_sent")
    started = time.time()
    joined = paced(ctx.api["sessions"], join_reqs, rate=rate, count=len(join_reqs), sources=sources,
                   ok_statuses=REDIRECTS, timeout=30)
    took = time.time() - started
    sent = joined.pop("_sent")
    statuses: dict[str, int] = {}
    for s in sent:
        statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
    with ctx.engines["sessions"].connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT session_id, participant_id, status, recorded_by, count(*) AS n FROM attendance "
            "WHERE CAST(session_id AS text) = ANY(:ids) GROUP BY 1, 2, 3, 4"), {"ids": session_ids}).all()
        events = conn.execute(sa.text(
            "SELECT count(*) FROM outbox WHERE event_type = 'sessions.attendance.recorded' AND created_at >= :at"),
            {"at": datetime.fromtimestamp(started, UTC)}).scalar_one()
    recorded = {(str(r.session_id), str(r.participant_id)): r for r in rows}
    expected = {(sid, pid) for sid, pid in joiners}
    result = {
        "sessions": len(session_ids), "participants": len(joiners), "clicks": len(clicks),
        "double_clicks": len(twice), "seconds": round(took, 1), "rate_per_second": round(rate, 1),
        "redirected": sum(1 for s in sent if s.status in REDIRECTS), "statuses": statuses,
        "p50_ms": joined["p50_ms"], "p90_ms": joined["p90_ms"], "p99_ms": joined["p99_ms"], "max_ms": joined["max_ms"],
        "recorded": len(recorded), "recorded_once": sum(1 for k in expected if k in recorded and recorded[k].n == 1),
        "recorded_as": sorted({f"{r.status} by {r.recorded_by}" for r in rows}),
        "attendance_events": events,
        "floor_same_rate": {k: floor[k] for k in ("p50_ms", "p99_ms", "errors", "requests")},
    }
    log(f"  {result['redirected']}/{len(clicks)} redirected, {result['recorded_once']}/{len(joiners)} recorded "
        f"exactly once; p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms (floor at the same rate: p99 "
        f"{floor['p99_ms']} ms)")
    return result
