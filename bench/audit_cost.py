"""The access audit's cost on the read endpoints (SPEC 9 beside SPEC 6). For each service two fresh
gunicorns with the very same settings on the same database, one with the audit (as deployed), one
with AUDIT_ENABLED=false; the same requests go to each in alternating short wrk slices (on, off,
off, on, ...), so the machine's other load hits both alike.

Reported per endpoint: requests/s of each summed over its slices, the median of the rounds' on/off
ratios (a burst of outside load in one slice moves it least), and the API processes' CPU per request
(which outside load disturbs much less than requests/s). Budget: the audit costs at most 10% of
requests/s, judged on the median of the paired rounds. The endpoint GET /v1/groups/<id> is not
audited: its "cost" is the noise of the run.
"""
from __future__ import annotations

import statistics

from bench.loadgen import Req, wrk_run
from bench.processes import Platform, free_port, tree_cpu_seconds

BUDGET = 0.10


def measure_audit(profile, platform: Platform, ctx, work, read_requests, check_requests, log) -> dict:
    reads = read_requests(ctx)
    servers: dict[tuple[str, str], tuple[str, object]] = {}
    for service in sorted({service for service, _ in reads.values()}):
        for mode, enabled in (("on", "true"), ("off", "false")):
            name = f"{service}-api-audit-{mode}"
            url = platform.api(name, f"services.{service}.entrypoints.wsgi:app", free_port(),
                               PROMETHEUS_MULTIPROC_DIR=ctx.prom(name), DATABASE_URL=ctx.urls[service],
                               PUBLIC_BASE_URL=ctx.api[service], AUDIT_ENABLED=enabled)
            servers[(service, mode)] = (url, next(p for p in platform.processes if p.name == name))
    rounds, slice_seconds = (6, 2) if profile.quick else (8, 3)
    out = {"rounds": rounds, "slice_seconds": slice_seconds, "connections": 64, "budget_cost": BUDGET,
           "endpoints": {}}
    try:
        for label, (service, reqs) in reads.items():
            on, off = servers[(service, "on")], servers[(service, "off")]
            check_requests(on[0], reqs, 2)
            check_requests(off[0], reqs, 2)
            log(f"audit on/off, interleaved: {label}")
            result = _interleaved(on, off, reqs, rounds, slice_seconds, work)
            out["endpoints"][label] = result
            log(f"  on {result['on_requests_per_second']} req/s, off {result['off_requests_per_second']} req/s; "
                f"median paired cost {result['cost']:.1%} (summed {result['cost_summed']:.1%}); CPU/request "
                f"on {result['on_cpu_ms_per_request']} ms, off {result['off_cpu_ms_per_request']} ms "
                f"({result['cpu_cost']:+.1%})")
    finally:
        for process in [p for p in platform.processes if "-api-audit-" in p.name]:
            platform.stop(process)
    return out


def _slice(server, reqs: list[Req], seconds: float, work) -> tuple[int, float, float]:
    url, process = server
    before = tree_cpu_seconds(process.pid)
    r = wrk_run(url, reqs, connections=64, duration=seconds, work_dir=work)
    if r["errors"]:
        raise RuntimeError(f"{url}: {r['errors']} errors in a slice")
    return r["requests"], r["seconds"], tree_cpu_seconds(process.pid) - before


def _interleaved(on, off, reqs: list[Req], rounds: int, slice_seconds: float, work) -> dict:
    _slice(on, reqs, 1, work)  # warm both
    _slice(off, reqs, 1, work)
    totals = {"on": [0, 0.0, 0.0], "off": [0, 0.0, 0.0]}
    ratios = []
    for index in range(rounds):
        order = (("on", on), ("off", off)) if index % 2 == 0 else (("off", off), ("on", on))
        rps = {}
        for name, server in order:
            requests, seconds, cpu = _slice(server, reqs, slice_seconds, work)
            totals[name][0] += requests
            totals[name][1] += seconds
            totals[name][2] += cpu
            rps[name] = requests / seconds
        ratios.append(rps["on"] / rps["off"])
    on_rps, off_rps = totals["on"][0] / totals["on"][1], totals["off"][0] / totals["off"][1]
    on_cpu, off_cpu = totals["on"][2] * 1000 / totals["on"][0], totals["off"][2] * 1000 / totals["off"][0]
    cost = 1 - statistics.median(ratios)
    return {"on_requests_per_second": round(on_rps, 1), "off_requests_per_second": round(off_rps, 1),
            "cost": round(cost, 3), "cost_summed": round(1 - on_rps / off_rps, 3),
            "round_ratios": [round(r, 3) for r in ratios],
            "on_cpu_ms_per_request": round(on_cpu, 3), "off_cpu_ms_per_request": round(off_cpu, 3),
            "cpu_cost": round(on_cpu / off_cpu - 1, 3), "within_budget": cost <= BUDGET}
