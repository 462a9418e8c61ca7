"""The access audit's cost on the read endpoints (SPEC 9 beside SPEC 6): the same requests against the
platform's APIs (audit on, as deployed) and against a second gunicorn of each service on the same
database with AUDIT_ENABLED=false, in alternating short wrk slices (on, off, on, off...) so the
machine's other load hits both alike. Budget: the audit costs at most 10% of requests/s.
"""
from __future__ import annotations

from bench.loadgen import Req, wrk_run
from bench.processes import Platform, free_port

BUDGET = 0.10


def measure_audit(profile, platform: Platform, ctx, work, read_requests, check_requests, log) -> dict:
    off: dict[str, str] = {}
    reads = read_requests(ctx)
    for service in sorted({service for service, _ in reads.values()}):
        off[service] = platform.api(f"{service}-api-audit-off", f"services.{service}.entrypoints.wsgi:app",
                                    free_port(), PROMETHEUS_MULTIPROC_DIR=ctx.prom(f"{service}-audit-off"),
                                    DATABASE_URL=ctx.urls[service], PUBLIC_BASE_URL=ctx.api[service],
                                    AUDIT_ENABLED="false")
    rounds, slice_seconds = (3, 3) if profile.quick else (4, 5)
    out = {"rounds": rounds, "slice_seconds": slice_seconds, "connections": 64, "budget_cost": BUDGET,
           "endpoints": {}}
    try:
        for label, (service, reqs) in reads.items():
            check_requests(ctx.api[service], reqs, 2)
            check_requests(off[service], reqs, 2)
            log(f"audit on/off, interleaved: {label}")
            result = _interleaved(ctx.api[service], off[service], reqs, rounds, slice_seconds, work)
            out["endpoints"][label] = result
            log(f"  on {result['on_requests_per_second']} req/s, off {result['off_requests_per_second']} req/s: "
                f"cost {result['cost']:.1%} (slices on {result['on_slices']}, off {result['off_slices']})")
    finally:
        for process in [p for p in platform.processes if p.name.endswith("-audit-off")]:
            platform.stop(process)
    return out


def _interleaved(on_url: str, off_url: str, reqs: list[Req], rounds: int, slice_seconds: float, work) -> dict:
    totals = {"on": [0, 0.0, []], "off": [0, 0.0, []]}
    wrk_run(on_url, reqs, connections=64, duration=1, work_dir=work)  # warm both
    wrk_run(off_url, reqs, connections=64, duration=1, work_dir=work)
    for index in range(rounds):
        # Alternate which goes first, so neither always follows the other's leftovers.
        order = (("on", on_url), ("off", off_url)) if index % 2 == 0 else (("off", off_url), ("on", on_url))
        for name, url in order:
            r = wrk_run(url, reqs, connections=64, duration=slice_seconds, work_dir=work)
            if r["errors"]:
                raise RuntimeError(f"audit {name}: {r['errors']} errors in a slice")
            totals[name][0] += r["requests"]
            totals[name][1] += r["seconds"]
            totals[name][2].append(round(r["requests"] / r["seconds"], 1))
    on = totals["on"][0] / totals["on"][1]
    off = totals["off"][0] / totals["off"][1]
    return {"on_requests_per_second": round(on, 1), "off_requests_per_second": round(off, 1),
            "cost": round(1 - on / off, 3), "on_slices": totals["on"][2], "off_slices": totals["off"][2],
            "within_budget": 1 - on / off <= BUDGET}
