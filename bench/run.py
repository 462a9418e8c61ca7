"""`python -m bench` (`make bench`): the SPEC section 6 performance budgets, measured on this machine
side by side with their baselines in the same run. See docs/BENCHMARKS.md.

    python -m bench            # the full run (about 10 minutes on 2 cores)
    python -m bench --quick    # small sizes and short runs: checks the harness in about 3 minutes

Everything it creates is its own and is removed at the end: PostgreSQL databases iop_bench_<run>_*,
a RabbitMQ virtual host iop_bench_<run> (or, without rabbitmqctl, uniquely named queues), processes,
and a temporary directory. Results: bench/results/<UTC time>.json and bench/results/latest.json, a
Markdown table on stdout and in docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import smtplib
import sys
import tempfile
import time
import traceback
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pika
import requests
import sqlalchemy as sa

from bench import dataset as ds
from bench import audit_cost, listscale, report
from bench.infra import Broker, Databases, new_run_id
from bench.loadgen import Req, closed_loop, ensure_wrk, paced, percentile, wrk_run
from bench.processes import REPO, Platform, free_port, tree_cpu_seconds
from bench.smtp_sink import read_log
from shared.auth import mint_token
from shared.migrations import upgrade

RESULTS = REPO / "bench" / "results"
SERVICES = ("roster", "sessions", "notifications")


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


class Profile:
    """Sizes and durations of a run."""

    def __init__(self, quick: bool, args):
        self.quick = quick
        self.sizes = ds.Sizes(groups=100, participants=1000, facilitators=60) if quick else ds.Sizes()
        self.wrk_seconds = args.wrk_seconds or (4 if quick else 10)
        self.interleave_rounds = 2
        self.interleave_slice = 2 if quick else 4
        self.wrk_warmup = 1 if quick else 3
        self.paced_seconds = args.paced_seconds or (4 if quick else 15)
        self.paced_rate = 200
        self.enrollments = args.enrollments or (100 if quick else 1000)
        self.enroll_rate = args.enroll_rate
        self.burst = args.burst or (1000 if quick else 10000)
        self.burst_lead = 45 if quick else 75  # seconds between creating the sessions and the due minute
        self.list_small, self.list_large = (1000, 10000) if quick else (1000, 100000)
        self.list_repeat = 30 if quick else 100
        self.relay_events = 5000 if quick else 20000
        self.pyspy = args.profile
        self.profile_dir: Path | None = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and short runs (checks the harness)")
    parser.add_argument("--admin-url", default=os.environ.get(
        "BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL URL able to CREATE DATABASE (default: the local server's `test`)")
    parser.add_argument("--amqp-url", default=os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))
    parser.add_argument("--web-concurrency", type=int, default=2, help="gunicorn workers per API (default 2)")
    parser.add_argument("--wrk-seconds", type=float, default=0)
    parser.add_argument("--paced-seconds", type=float, default=0)
    parser.add_argument("--enrollments", type=int, default=0)
    parser.add_argument("--enroll-rate", type=float, default=20.0, help="enrollments per second (open loop)")
    parser.add_argument("--burst", type=int, default=0, help="reminders falling due in the same minute")
    parser.add_argument("--only", default="", help="comma-separated phases: reads,audit,pages,enroll,burst,join,lists,relay")
    parser.add_argument("--profile", action="store_true",
                        help="also record py-spy profiles of the API workers under wrk and of the workers "
                             "during the enrollments and the burst (pip install py-spy)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and vhost (debugging)")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    profile = Profile(args.quick, args)
    phases = set(filter(None, args.only.split(","))) or {"reads", "audit", "pages", "enroll", "burst", "join", "lists",
                                                         "relay"}

    started = time.monotonic()
    run_id = new_run_id()
    work = Path(tempfile.mkdtemp(prefix=f"iop-bench-{run_id}-"))
    results: dict = {"run_id": run_id, "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                     "mode": "quick" if args.quick else "full", "command": "python -m bench" + (" --quick" if args.quick else ""),
                     "settings": {}, "machine": report.machine(), "measurements": {}, "errors": []}
    log(f"bench run {run_id} ({results['mode']}); work directory {work}")
    ensure_wrk()
    results["machine"]["wrk"] = report.wrk_version_text()
    if profile.pyspy:
        from bench import pyspy
        if pyspy.available() is None:
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        profile.profile_dir = RESULTS / f"profiles-{run_id}"

    databases = Databases(args.admin_url, run_id)
    broker = Broker(args.amqp_url, run_id)
    platform: Platform | None = None
    queues = [f"bench.{run_id}.sessions", f"bench.{run_id}.notifications"]
    completed = False
    try:
        results["machine"]["postgresql"] = databases.server_version()
        results["machine"]["postgresql_settings"] = databases.settings()
        results["machine"]["rabbitmq"] = broker.server_version()
        results["settings"]["amqp_vhost"] = broker.vhost or "/"
        platform, ctx = start_platform(profile, args, run_id, databases, broker, work, results, queues)
        m = results["measurements"]
        for phase, func in (("reads", measure_reads), ("audit", measure_audit), ("pages", measure_pages),
                            ("enroll", measure_enrollments), ("burst", measure_burst), ("join", measure_join)):
            if phase in phases:
                settle(platform)
                try:
                    m[phase] = func(profile, platform, ctx, work)
                except Exception as error:  # noqa: BLE001 - one failed phase still reports the others
                    log(f"{phase} failed: {error!r}")
                    results["errors"].append({"phase": phase, "error": repr(error),
                                              "trace": traceback.format_exc()[-3000:]})
                platform.check_alive()
        if "lists" in phases:
            try:
                m["lists"] = measure_lists(profile, platform, ctx, databases)
            except Exception as error:  # noqa: BLE001
                log(f"lists failed: {error!r}")
                results["errors"].append({"phase": "lists", "error": repr(error), "trace": traceback.format_exc()[-3000:]})
        platform.memory.stop()
        m["memory"] = platform.memory.summary()
        platform.stop_all()
        m["smtp_baseline"] = smtp_baseline(work, 300 if args.quick else 2000)
        platform = None
        if "relay" in phases:
            try:
                m["relay"] = measure_relay(profile, args, broker)
            except Exception as error:  # noqa: BLE001
                log(f"relay failed: {error!r}")
                results["errors"].append({"phase": "relay", "error": repr(error), "trace": traceback.format_exc()[-3000:]})
        completed = True
    finally:
        if platform is not None:
            platform.stop_all()
        if not args.keep:
            try:
                databases.drop_all()
            except Exception as error:  # noqa: BLE001
                log(f"warning: could not drop the databases: {error!r}")
            try:
                attached = results["settings"].get("consumer_queues")
                attached = list(attached.values()) if isinstance(attached, dict) else []
                broker.cleanup(sorted(set(queues) | set(attached)), [1, 5, 30, 120])
            except Exception as error:  # noqa: BLE001
                log(f"warning: could not clean the broker: {error!r}")
        shutil.rmtree(Path("/dev/shm") / f"iop-bench-{run_id}", ignore_errors=True)
        if args.keep or results["errors"] or not completed:
            log(f"process logs kept in {work / 'logs'}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    results["machine"]["load_average_end"] = report.load_average()
    results["seconds"] = round(time.monotonic() - started, 1)
    rows = report.budget_rows(results)
    results["budgets"] = rows
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=2, default=str)
    (RESULTS / f"{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    table = report.markdown_table(rows)
    print()
    print(table)
    print()
    print(f"results: bench/results/{stamp}.json ({results['seconds']} s)")
    if not args.no_docs:
        report.write_docs(results, table, REPO / "docs" / "BENCHMARKS.md")
        print("docs/BENCHMARKS.md updated")
    if results["errors"]:
        print(f"{len(results['errors'])} phase(s) failed: see 'errors' in the results", file=sys.stderr)
        return 1
    return 0


# --- the platform ---------------------------------------------------------------------------------

class Context:
    """What the measurements need to know about the running platform."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def start_platform(profile: Profile, args, run_id: str, databases: Databases, broker: Broker, work: Path,
                   results: dict, queues: list[str]):
    urls = {s: databases.create(s) for s in SERVICES}
    log("migrating fresh databases: " + ", ".join(urls))
    for service, url in urls.items():
        upgrade(service, url)
    secret = secrets.token_urlsafe(36)
    ports = {s: free_port() for s in SERVICES}
    api = {s: f"http://127.0.0.1:{p}" for s, p in ports.items()}

    log(f"loading the data set ({profile.sizes.groups} groups, {profile.sizes.participants} participants)")
    data = ds.load(urls, broker.url, secret, api["sessions"], profile.sizes, log=log)
    results["dataset"] = {"counts": data.counts, "seconds": data.seconds}

    smtp_port = free_port()
    smtp_log = work / "smtp.log"
    shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else work
    prom_root = shm / f"iop-bench-{run_id}"
    # Production settings need a session-note key (sessions refuses to start without one): a fresh one per run.
    notes_key = "bench:" + base64.b64encode(secrets.token_bytes(32)).decode()
    base_env = {"APP_ENV": "production", "JWT_SECRET": secret, "NOTES_KEY": notes_key, "AMQP_URL": broker.url,
                "LOG_LEVEL": "INFO",
                "WEB_CONCURRENCY": str(args.web_concurrency), "IOP_VAR_DIR": str(work / "var"),
                "HOME": os.environ.get("HOME", str(work))}
    results["settings"].update({
        "APP_ENV": "production", "WEB_CONCURRENCY": args.web_concurrency,
        "gunicorn": "deploy/gunicorn.conf.py (gthread, GUNICORN_THREADS default 4, max_requests 10000)",
        "PROMETHEUS_MULTIPROC_DIR": "set per API (as in docker-compose.yml)",
        "REMINDER_OFFSETS": "24h,1h", "consumer_queues": queues, "smtp": "bench.smtp_sink (aiosmtpd, records only)"})
    platform = Platform(work / "logs", base_env)
    platform.memory.start()
    platform.start("smtp-sink", [sys.executable, "-m", "bench.smtp_sink", "--port", str(smtp_port),
                                 "--out", str(smtp_log)], role="sink")

    def prom(name: str) -> str:
        path = prom_root / name
        path.mkdir(parents=True, exist_ok=True)
        return str(path)

    service_env = {
        "roster": {"DATABASE_URL": urls["roster"], "PUBLIC_BASE_URL": api["roster"]},
        "sessions": {"DATABASE_URL": urls["sessions"], "PUBLIC_BASE_URL": api["sessions"]},
        "notifications": {"DATABASE_URL": urls["notifications"], "PUBLIC_BASE_URL": api["notifications"],
                          "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
                          "SESSIONS_PUBLIC_URL": api["sessions"], "REMINDER_OFFSETS": "24h,1h"},
    }
    log("starting gunicorn APIs, relays, consumers and the scheduler")
    for service in SERVICES:
        platform.api(f"{service}-api", f"services.{service}.entrypoints.wsgi:app", ports[service],
                     PROMETHEUS_MULTIPROC_DIR=prom(service), **service_env[service])

    def worker(name: str, service: str, module: str, **extra: str) -> None:
        platform.worker(name, module, METRICS_PORT=str(free_port()), HEARTBEAT_FILE=str(work / f"{name}.beat"),
                        **service_env[service], **extra)

    worker("roster-relay", "roster", "services.roster.entrypoints.relay")
    worker("sessions-relay", "sessions", "services.sessions.entrypoints.relay")
    worker("sessions-consumer", "sessions", "services.sessions.entrypoints.consumer", CONSUMER_QUEUE=queues[0])
    worker("notifications-consumer", "notifications", "services.notifications.entrypoints.consumer",
           CONSUMER_QUEUE=queues[1])
    worker("notifications-scheduler", "notifications", "services.notifications.entrypoints.scheduler")
    consumer_queue = {}
    for service, queue in zip(("sessions", "notifications"), queues):
        consumer_queue[service] = wait_consumer(broker.url, [queue, service], platform)
    results["settings"]["consumer_queues"] = consumer_queue
    log(f"platform up: {api}; consumers on {consumer_queue}")

    engines = {s: sa.create_engine(u, pool_size=2) for s, u in urls.items()}
    engines["admin"] = sa.create_engine(args.admin_url, pool_size=1)
    db_names = {s: sa.engine.make_url(u).database for s, u in urls.items()}
    tokens = {"admin": mint_token(secret, "admin", "bench-admin", timedelta(hours=3))}
    ctx = Context(urls=urls, db_names=db_names, api=api, secret=secret, data=data, smtp_log=smtp_log, engines=engines,
                  tokens=tokens, base_env=base_env, prom=prom, work=work, broker=broker)
    return platform, ctx


def wait_consumer(amqp_url: str, candidates: list[str], platform: Platform, timeout: float = 60) -> str:
    """The queue a consumer attached to (its CONSUMER_QUEUE, or the default name of older code)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        platform.check_alive()
        connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        try:
            for queue in candidates:
                channel = connection.channel()
                try:
                    if channel.queue_declare(queue, passive=True).method.consumer_count > 0:
                        return queue
                except pika.exceptions.ChannelClosedByBroker:
                    continue
        finally:
            if connection.is_open:
                connection.close()
        time.sleep(0.3)
    raise RuntimeError(f"no consumer attached to any of {candidates} within {timeout}s")


def settle(platform: Platform, max_wait: float = 90, busy: float = 0.05) -> float:
    """Wait until the APIs are idle (under `busy` of a core together, over one second), so that what
    one phase left queued (requests whose client gave up) does not load the next."""
    from bench.processes import tree_cpu_seconds as cpu
    started = time.monotonic()
    while time.monotonic() - started < max_wait:
        live = [p for p in platform.processes if p.alive() and p.role == "api"]
        before = sum(cpu(p.pid) for p in live)
        time.sleep(1.0)
        if sum(cpu(p.pid) for p in live) - before < busy:
            break
    return round(time.monotonic() - started, 1)


def token(ctx: Context, role: str, sub: str) -> str:
    key = f"{role}:{sub}"
    if key not in ctx.tokens:
        ctx.tokens[key] = mint_token(ctx.secret, role, sub, timedelta(hours=3))
    return ctx.tokens[key]


def bearer(ctx: Context, role: str, sub: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(ctx, role, sub)}"}


# --- read endpoints -------------------------------------------------------------------------------

def read_requests(ctx: Context, count: int = 2000) -> dict[str, tuple[str, list[Req]]]:
    import random
    rng = random.Random(3)
    groups = ctx.data.groups
    today = datetime.now(UTC).date().isoformat()
    members = [(pid, g) for g in groups for pid in g.active]
    picks = [rng.choice(groups) for _ in range(count)]
    people = [rng.choice(members)[0] for _ in range(count)]
    return {
        "group with counts (roster GET /v1/groups/<id>)": ("roster", [
            Req("GET", f"/v1/groups/{g.id}", bearer(ctx, "facilitator", g.lead)) for g in picks]),
        "roster page (roster GET /v1/groups/<id>/enrollments)": ("roster", [
            Req("GET", f"/v1/groups/{g.id}/enrollments", bearer(ctx, "facilitator", g.lead)) for g in picks]),
        "session list (sessions GET /v1/sessions?group_id&from)": ("sessions", [
            Req("GET", f"/v1/sessions?group_id={g.id}&from={today}", bearer(ctx, "facilitator", g.lead))
            for g in picks]),
        "participant's sessions (sessions GET /v1/participants/<id>/sessions)": ("sessions", [
            Req("GET", f"/v1/participants/{pid}/sessions", bearer(ctx, "participant", pid)) for pid in people]),
    }


def check_requests(base_url: str, reqs: list[Req], sample: int = 5) -> list[int]:
    """Each endpoint must really answer 200 with data before it is timed."""
    sizes = []
    for req in reqs[:sample]:
        r = requests.request(req.method, base_url + req.path, headers=req.headers, timeout=10)
        if r.status_code != 200:
            raise RuntimeError(f"GET {req.path} answered {r.status_code}: {r.text[:300]}")
        body = r.json()
        sizes.append(len(body.get("items", [])) if isinstance(body, dict) and "items" in body else 1)
    return sizes


def wrk_with_cpu(platform: Platform, name: str, base: str, reqs: list[Req], profile: Profile, work: Path,
                 ctx: Context | None = None, database: str | None = None, tag: str = "") -> dict:
    """wrk at 64 connections, plus the CPU the API's processes, and the PostgreSQL backends serving
    its database, spent per request meanwhile: figures that other work on the machine disturbs much
    less than requests/s, and that tell the application's cost from the database's."""
    process = next(p for p in platform.processes if p.name == name)
    if profile.wrk_warmup:
        wrk_run(base, reqs, connections=64, duration=profile.wrk_warmup, work_dir=work)
    before = tree_cpu_seconds(process.pid)
    db_before = backend_cpu(ctx, database) if database else {}
    spies = []
    if profile.pyspy:
        from bench import pyspy
        from bench.processes import _children_map, _descendants
        spies = pyspy.record(_descendants(process.pid, _children_map()), profile.wrk_seconds - 0.5,
                             profile.profile_dir, f"{name}-{tag}" if tag else name)
    result = wrk_run(base, reqs, connections=64, duration=profile.wrk_seconds, work_dir=work)
    if spies:
        result["py_spy"] = pyspy.summarize(pyspy.finish(spies), top=15)
    used = tree_cpu_seconds(process.pid) - before
    n = max(result["requests"], 1)
    result["app_cpu_ms_per_request"] = round(used * 1000 / n, 3)
    if database:
        db_after = backend_cpu(ctx, database)
        db_used = sum(v - db_before.get(pid, 0.0) for pid, v in db_after.items())
        result["db_cpu_ms_per_request"] = round(db_used * 1000 / n, 3)
    return result


def backend_cpu(ctx: Context, database: str) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend connected to `database` (same machine)."""
    with ctx.engines["admin"].connect() as conn:
        pids = conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :db"), {"db": database}).scalars()
        pids = list(pids)
    out = {}
    for pid in pids:
        try:
            out[pid] = tree_cpu_seconds(pid)
        except (OSError, ValueError, IndexError):
            continue
    return out


def measure_reads(profile: Profile, platform: Platform, ctx: Context, work: Path) -> dict:
    out: dict = {"connections": 64, "wrk_seconds": profile.wrk_seconds, "endpoints": {}, "baselines": {}}
    ids = [g.id for g in ctx.data.groups]
    # Baselines under the same gunicorn settings, same machine, same minute.
    hello_port, floor_port = free_port(), free_port()
    hello = platform.api("hello-api", "bench.apps:hello", hello_port, PROMETHEUS_MULTIPROC_DIR=ctx.prom("hello"))
    floor = platform.api("floor-api", "bench.apps:floor", floor_port, PROMETHEUS_MULTIPROC_DIR=ctx.prom("floor"),
                         DATABASE_URL=ctx.urls["roster"])
    baselines = {
        "hello-world Flask app": ("hello-api", hello, [Req("GET", f"/hello/{i}") for i in ids]),
        "one-query floor (one pooled query, small JSON)": ("floor-api", floor, [Req("GET", f"/floor/{i}") for i in ids]),
    }
    for label, (name, base, reqs) in baselines.items():
        check_requests(base, reqs, 2)
        log(f"wrk 64 connections: {label}")
        out["baselines"][label] = wrk_with_cpu(platform, name, base, reqs, profile, work, ctx,
                                               ctx.db_names["roster"] if name == "floor-api" else None)
        b = out["baselines"][label]
        log(f"  {b['requests_per_second']} req/s, p99 {b['p99_ms']} ms, CPU per request: app "
            f"{b['app_cpu_ms_per_request']} ms, database {b.get('db_cpu_ms_per_request', '-')} ms")
    for process in [p for p in platform.processes if p.name == "hello-api"]:
        platform.stop(process)
    floor_reqs = baselines["one-query floor (one pooled query, small JSON)"][2]
    floor_rps = out["baselines"]["one-query floor (one pooled query, small JSON)"]["requests_per_second"]
    for label, (service, reqs) in read_requests(ctx).items():
        base = ctx.api[service]
        items = check_requests(base, reqs)
        log(f"wrk 64 connections: {label} (items per answer in a sample: {items})")
        result = wrk_with_cpu(platform, f"{service}-api", base, reqs, profile, work, ctx, ctx.db_names[service],
                              tag=label.split(" (")[0].replace(" ", "-").replace("'", ""))
        result["ratio_to_floor_continuous"] = round(result["requests_per_second"] / floor_rps, 3)
        # The budget's ratio: the endpoint and the floor in alternating short slices, so that a change
        # in the machine's other load hits both alike.
        result["interleaved"] = interleaved(floor, floor_reqs, base, reqs, profile, work)
        result["ratio_to_floor"] = result["interleaved"]["ratio"]
        result["sample_items"] = items
        log(f"  {result['requests_per_second']} req/s ({result['ratio_to_floor']:.0%} of the floor, interleaved), "
            f"p99 {result['p99_ms']} ms, errors {result['errors']}, CPU per request: app "
            f"{result['app_cpu_ms_per_request']} ms, database {result['db_cpu_ms_per_request']} ms")
        settle(platform)
        log(f"paced {profile.paced_rate} req/s for {profile.paced_seconds}s: {label}")
        steady = paced(base, reqs, rate=profile.paced_rate, count=int(profile.paced_rate * profile.paced_seconds))
        steady.pop("_sent")
        result["steady_200"] = steady
        log(f"  p50 {steady['p50_ms']} ms, p99 {steady['p99_ms']} ms, errors {steady['errors']}")
        waited = settle(platform)
        if waited > 2:
            log(f"  (the platform was busy for {waited}s after this run)")
        out["endpoints"][label] = result
    for process in [p for p in platform.processes if p.name == "floor-api"]:
        platform.stop(process)
    return out


def measure_pages(profile: Profile, platform: Platform, ctx: Context, work: Path) -> dict:
    """The participant's personal page (web, /p/<token>: a page link check, then three or four API
    calls as that participant) at a steady 100 requests/s; SPEC 6: p99 under 150 ms."""
    from shared.page_links import PageLinkSigner
    port = free_port()
    web = platform.api("web", "services.web.entrypoints.wsgi:app", port, PROMETHEUS_MULTIPROC_DIR=ctx.prom("web"),
                       APP_ENV="test", WEB_SECRET_KEY=secrets.token_urlsafe(36), PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
                       ROSTER_API_URL=ctx.api["roster"], SESSIONS_API_URL=ctx.api["sessions"],
                       NOTIFICATIONS_API_URL=ctx.api["notifications"], SESSION_COOKIE_SECURE="false")
    signer = PageLinkSigner(ctx.secret, web)
    people = ctx.data.participants[:2000]
    reqs = [Req("GET", "/p/" + signer.token(pid, 1)) for pid in people]
    sample = requests.get(web + reqs[0].path, timeout=10)
    if sample.status_code != 200 or "Your page" not in sample.text:
        raise RuntimeError(f"the personal page answered {sample.status_code}")
    calls = int(sample.headers.get("X-API-Calls", "0"))
    rate = 100
    log(f"paced {rate} req/s for {profile.paced_seconds}s: the participant's personal page ({calls} API calls)")
    steady = paced(web, reqs, rate=rate, count=int(rate * profile.paced_seconds))
    steady.pop("_sent")
    log(f"  p50 {steady['p50_ms']} ms, p99 {steady['p99_ms']} ms, errors {steady['errors']}")
    for process in [p for p in platform.processes if p.name == "web"]:
        platform.stop(process)
    return {"participant page": {"steady_100": steady, "api_calls": calls}}


def measure_audit(profile: Profile, platform: Platform, ctx: Context, work: Path) -> dict:
    """The read endpoints with the access audit on (as deployed) and off, interleaved (bench.audit_cost)."""
    return audit_cost.measure_audit(profile, platform, ctx, work, read_requests, check_requests, log)


def interleaved(floor: str, floor_reqs: list[Req], base: str, reqs: list[Req], profile: Profile, work: Path) -> dict:
    """Floor, endpoint, floor, endpoint...: requests/s of each summed over its slices, and their ratio."""
    totals = {"floor": [0, 0.0], "endpoint": [0, 0.0]}
    for _ in range(profile.interleave_rounds):
        for name, url, rs in (("floor", floor, floor_reqs), ("endpoint", base, reqs)):
            r = wrk_run(url, rs, connections=64, duration=profile.interleave_slice, work_dir=work)
            totals[name][0] += r["requests"]
            totals[name][1] += r["seconds"]
    floor_rps = totals["floor"][0] / totals["floor"][1]
    endpoint_rps = totals["endpoint"][0] / totals["endpoint"][1]
    return {"rounds": profile.interleave_rounds, "slice_seconds": profile.interleave_slice,
            "floor_requests_per_second": round(floor_rps, 1), "endpoint_requests_per_second": round(endpoint_rps, 1),
            "ratio": round(endpoint_rps / floor_rps, 3)}


def spy_on(platform: Platform, profile: Profile, names: list[str], seconds: float, tag: str) -> dict:
    """py-spy on whole processes (workers, or every worker of an API) for `seconds`, if --profile."""
    if not profile.pyspy:
        return {}
    from bench import pyspy
    from bench.processes import _children_map, _descendants
    children = _children_map()
    handles = {}
    for process in platform.processes:
        if process.name in names:
            pids = _descendants(process.pid, children) if process.role == "api" else [process.pid]
            handles[process.name] = pyspy.record(pids, seconds, profile.profile_dir, f"{tag}-{process.name}")
    return handles


def spy_results(handles: dict) -> dict:
    from bench import pyspy
    return {name: pyspy.summarize(pyspy.finish(h), top=15) for name, h in handles.items()}


# --- enrollment to email --------------------------------------------------------------------------

def measure_enrollments(profile: Profile, platform: Platform, ctx: Context, work: Path) -> dict:
    import random
    rng = random.Random(5)
    data = ctx.data
    in_groups = data.groups_of()
    # Participants with the fewest groups join one more group that still has a place.
    candidates = sorted(data.participants, key=lambda p: (len(in_groups.get(p, [])), rng.random()))
    open_places = [g for g in data.groups for _ in range(g.capacity - len(g.active))]
    rng.shuffle(open_places)
    pairs, used = [], set()
    for pid in candidates:
        if len(pairs) >= profile.enrollments:
            break
        for i, g in enumerate(open_places):
            if g.id not in in_groups.get(pid, []) and (g.id, pid) not in used:
                pairs.append((g, pid))
                used.add((g.id, pid))
                open_places.pop(i)
                break
    if len(pairs) < profile.enrollments:
        raise RuntimeError(f"only {len(pairs)} free places for {profile.enrollments} enrollments")
    reqs = [Req("POST", f"/v1/groups/{g.id}/enrollments",
                {**bearer(ctx, "facilitator", g.lead), "Content-Type": "application/json"},
                json.dumps({"participant_id": pid}).encode()) for g, pid in pairs]
    since = datetime.now(UTC)
    log(f"{len(reqs)} enrollments at {profile.enroll_rate}/s (open loop), each timed to its email's SMTP acceptance")
    spies = spy_on(platform, profile, ["roster-api", "roster-relay", "notifications-consumer",
                                       "notifications-scheduler"], len(reqs) / profile.enroll_rate + 3, "enroll")
    sent = paced(ctx.api["roster"], reqs, rate=profile.enroll_rate, count=len(reqs), timeout=60)
    records = sent.pop("_sent")
    created = {}
    for rec, (g, pid) in zip(records, pairs):
        if rec.status == 201:
            body = json.loads(rec.body)
            created[pid] = (rec.due_wall, body.get("status"), g)
            if body.get("status") == "active":
                g.active.append(pid)
    # Which email belongs to which enrollment: the notification's id is the email's Message-ID.
    deadline = time.monotonic() + 90
    notes: dict[str, str] = {}
    planned_rows: dict = {}
    accepted: dict[str, float] = {}
    while time.monotonic() < deadline:
        with ctx.engines["notifications"].connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT id, recipient_id, event_id, created_at FROM notifications WHERE channel = 'email' "
                "AND created_at >= :since AND kind IN ('welcome', 'waitlisted', 'promoted') "
                "AND recipient_id = ANY(:ids)"), {"since": since, "ids": list(created)}).all()
        notes = {row.id: row.recipient_id for row in rows}
        planned_rows = {row.id: row for row in rows}
        accepted = read_log(ctx.smtp_log)
        if len(notes) >= len(created) and all(n in accepted for n in notes):
            break
        time.sleep(1)
    latencies = []
    for note_id, pid in notes.items():
        if note_id in accepted:
            latencies.append((accepted[note_id] - created[pid][0]) * 1000)
    with ctx.engines["roster"].connect() as conn:
        unsent = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar_one()
        outbox = {row.event_id: row for row in conn.execute(sa.text(
            "SELECT event_id, created_at, sent_at FROM outbox WHERE created_at >= :since"), {"since": since})}
    # Where the time goes, per enrollment: request sent -> event written (in the API's transaction) ->
    # marked published (after the broker's confirm) -> planned by the notifications consumer -> SMTP.
    stages: dict[str, list[float]] = {"request to outbox row": [], "outbox row to published (confirmed)": [],
                                      "published to planned by the consumer": [], "planned to SMTP accepted": []}
    for note_id, row in planned_rows.items():
        event = outbox.get(row.event_id)
        if event is None or note_id not in accepted or event.sent_at is None:
            continue
        sent_wall = created[row.recipient_id][0]
        points = [sent_wall, event.created_at.timestamp(), event.sent_at.timestamp(), row.created_at.timestamp(),
                  accepted[note_id]]
        for values, a, b in zip(stages.values(), points, points[1:]):
            values.append((b - a) * 1000)
    statuses: dict[str, int] = {}
    for _, status, _ in created.values():
        statuses[status] = statuses.get(status, 0) + 1
    result = {
        "enrollments": len(reqs), "rate_per_second": profile.enroll_rate, "created": len(created),
        "statuses": statuses, "emails_planned": len(notes), "emails_accepted": len(latencies),
        "p50_ms": _round(percentile(latencies, 50)), "p90_ms": _round(percentile(latencies, 90)),
        "p99_ms": _round(percentile(latencies, 99)), "max_ms": _round(max(latencies) if latencies else None),
        "api_p50_ms": sent["p50_ms"], "api_p99_ms": sent["p99_ms"], "api_errors": sent["errors"],
        "roster_outbox_unsent_after_wait": unsent,
        "stages_ms": {name: {"p50": _round(percentile(v, 50)), "p99": _round(percentile(v, 99))}
                      for name, v in stages.items()},
        "measured_from": "the moment each POST was sent, to the SMTP server accepting the message (DATA done)",
    }
    if spies:
        result["py_spy"] = spy_results(spies)
    log(f"  enrollment to email: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms "
        f"({len(latencies)}/{len(reqs)} emails; API p50 {sent['p50_ms']} ms)")
    log("  stages (p50/p99 ms): " + "; ".join(f"{k} {v['p50']}/{v['p99']}" for k, v in result["stages_ms"].items()))
    return result


# --- a burst of reminders -------------------------------------------------------------------------

def measure_burst(profile: Profile, platform: Platform, ctx: Context, work: Path) -> dict:
    """Sessions starting one hour after minute M, created through the sessions API, so that their
    1-hour reminders (planned by the notifications consumer from sessions.session.scheduled) all
    fall due at M; then the time from M until the last of them is accepted by SMTP."""
    chosen, members = [], 0
    for g in ctx.data.groups:
        if members >= profile.burst:
            break
        chosen.append(g)
        members += len(g.active)
    now = datetime.now(UTC)
    due = (now + timedelta(seconds=profile.burst_lead)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    starts = due + timedelta(hours=1)
    reqs = [Req("POST", f"/v1/groups/{g.id}/sessions",
                {**bearer(ctx, "facilitator", g.lead), "Content-Type": "application/json"},
                json.dumps({"starts_at": starts.isoformat(), "topic": "Weekly check-in"}).encode()) for g in chosen]
    log(f"burst: {len(reqs)} sessions starting {starts:%H:%M:%S}Z; their {members} members' 1 h reminders "
        f"fall due at {due:%H:%M:%S}Z")
    records = closed_loop(ctx.api["sessions"], reqs, concurrency=8)
    session_ids = [json.loads(r.body)["id"] for r in records if r.status == 201]
    if len(session_ids) != len(reqs):
        raise RuntimeError(f"{len(reqs) - len(session_ids)} sessions could not be created")
    query = sa.text("SELECT id FROM notifications WHERE channel = 'email' AND session_id = ANY(:ids) "
                    "AND dedupe_key LIKE :slot")
    def planned_now() -> list[str]:
        with ctx.engines["notifications"].connect() as conn:
            return list(conn.execute(query, {"ids": session_ids, "slot": "reminder:%:1h"}).scalars())

    planned: list[str] = []
    planned_at = None
    while datetime.now(UTC) < due:
        planned = planned_now()
        if len(planned) >= members:
            planned_at = datetime.now(UTC)
            break
        time.sleep(0.5)
    log(f"  {len(planned)}/{members} email reminders planned"
        + (f", {(due - planned_at).total_seconds():.0f}s before they fall due" if planned_at
           else " when they fell due (the rest is planned late, and counted)"))
    due_ts = due.timestamp()
    deadline = due_ts + 240
    time.sleep(max(0.0, due_ts - time.time() - 1))
    spies = spy_on(platform, profile, ["notifications-scheduler", "smtp-sink"], 40 if not profile.quick else 15, "burst")
    last_change, last_count = time.time(), len(planned)
    while time.time() < deadline:
        if planned_at is None:
            planned = planned_now()
            if len(planned) != last_count:
                last_change, last_count = time.time(), len(planned)
            # Fewer than the members (say an enrollment event never arrived): settle once it stops growing.
            if len(planned) >= members or (time.time() > due_ts + 20 and time.time() - last_change > 15):
                planned_at = datetime.now(UTC)
        accepted = read_log(ctx.smtp_log)
        if planned_at is not None and all(n in accepted for n in planned):
            break
        time.sleep(0.5)
    accepted = read_log(ctx.smtp_log)
    got = sorted(accepted[n] for n in planned if n in accepted)
    with ctx.engines["notifications"].connect() as conn:
        statuses = dict(conn.execute(sa.text(
            "SELECT status, count(*) FROM notifications WHERE session_id = ANY(:ids) AND channel = 'email' "
            "GROUP BY status"), {"ids": session_ids}).all())
    result = {
        "sessions": len(session_ids), "members": members, "reminders_planned": len(planned),
        "reminders_accepted": len(got),
        "due_at": due.isoformat(), "planned_seconds_before_due": round((due - planned_at).total_seconds(), 1) if planned_at else None,
        "seconds_to_last": round(got[-1] - due_ts, 2) if got and len(got) == len(planned) else None,
        "seconds_to_first": round(got[0] - due_ts, 2) if got else None,
        "emails_per_second": round(len(got) / (got[-1] - got[0]), 1) if len(got) > 1 and got[-1] > got[0] else None,
        "statuses": statuses,
    }
    if spies:
        result["py_spy"] = spy_results(spies)
    log(f"  {len(got)}/{len(planned)} accepted; last {result['seconds_to_last']} s after they fell due "
        f"({result['emails_per_second']} emails/s)")
    return result


# --- the top of the hour -----------------------------------------------------------------------

def measure_join(profile: Profile, platform: Platform, ctx: Context, work: Path) -> dict:
    """bench/top_of_hour.py, with the one-query floor served beside it."""
    from bench.top_of_hour import measure_top_of_hour
    floor_port = free_port()
    floor = platform.api("floor-api", "bench.apps:floor", floor_port, PROMETHEUS_MULTIPROC_DIR=ctx.prom("floor"),
                         DATABASE_URL=ctx.urls["roster"])
    try:
        return measure_top_of_hour(ctx, bearer, log, floor, quick=profile.quick)
    finally:
        for process in [p for p in platform.processes if p.name == "floor-api"]:
            platform.stop(process)


# --- lists at 1,000 and 100,000 rows --------------------------------------------------------------

def measure_lists(profile: Profile, platform: Platform, ctx: Context, databases: Databases) -> dict:
    urls = {s: databases.create(f"list_{s}") for s in SERVICES}
    for service, url in urls.items():
        upgrade(service, url)
    facilitator = str(uuid.uuid4())
    tables = listscale.ListTables(urls, facilitator)
    apis = {}
    for service in SERVICES:
        port = free_port()
        apis[service] = platform.api(f"list-{service}-api", f"services.{service}.entrypoints.wsgi:app", port,
                                     PROMETHEUS_MULTIPROC_DIR=ctx.prom(f"list-{service}"),
                                     DATABASE_URL=urls[service], PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
                                     SESSIONS_PUBLIC_URL=ctx.api["sessions"])
    admin = token(ctx, "admin", "bench-admin")
    fac = token(ctx, "facilitator", facilitator)
    out = {"sizes": [profile.list_small, profile.list_large], "repeat": profile.list_repeat}
    try:
        for size in (profile.list_small, profile.list_large):
            log(f"lists: filling the tables to {size} rows")
            tables.grow_to(size)
            out[str(size)] = listscale.measure(apis, tables, admin, fac, profile.list_repeat)
        ratios = {}
        for label in out[str(profile.list_small)]:
            for page in ("first_page", "middle_page"):
                small = out[str(profile.list_small)][label][page]["median_ms"]
                large = out[str(profile.list_large)][label][page]["median_ms"]
                ratios[f"{label} {page.replace('_', ' ')}"] = {"small_ms": small, "large_ms": large,
                                                               "ratio": round(large / small, 2)}
        out["ratios"] = ratios
        worst = max(ratios.items(), key=lambda kv: kv[1]["ratio"])
        log(f"  worst ratio {worst[1]['ratio']} ({worst[0]})")
    finally:
        for process in [p for p in platform.processes if p.name.startswith("list-")]:
            platform.stop(process)
        tables.dispose()
    return out


# --- outbox relay, broker and SMTP baselines --------------------------------------------------------

def measure_relay(profile: Profile, args, broker: Broker) -> dict:
    import subprocess
    log(f"outbox relay: {profile.relay_events} events (bench/relay_throughput.py)")
    out = subprocess.run([sys.executable, "-m", "bench.relay_throughput", "--events", str(profile.relay_events),
                          "--database-url", args.admin_url, "--amqp-url", broker.url],
                         cwd=REPO, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"relay_throughput failed: {out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["pika_confirm_each"] = pika_baseline(broker.url, 1000 if profile.quick else 3000)
    log(f"  relay {result['events_per_second']} events/s; pika confirm-each baseline "
        f"{result['pika_confirm_each']['messages_per_second']} msg/s")
    return result


def pika_baseline(amqp_url: str, count: int) -> dict:
    """pika publishing persistent messages and waiting for each confirm: the simplest correct publisher."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    queue = f"bench.pika.{uuid.uuid4().hex[:6]}"
    channel.queue_declare(queue, durable=True)
    channel.confirm_delivery()
    body = json.dumps({"id": str(uuid.uuid4()), "data": {"x": "y" * 200}}).encode()
    props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
    started = time.perf_counter()
    for _ in range(count):
        channel.basic_publish("", queue, body, props)
    elapsed = time.perf_counter() - started
    channel.queue_delete(queue)
    connection.close()
    return {"messages": count, "seconds": round(elapsed, 2), "messages_per_second": round(count / elapsed)}


def smtp_baseline(work: Path, count: int) -> dict:
    """How fast the bench SMTP server accepts mail from one smtplib connection (is it a bottleneck?)."""
    import subprocess
    port = free_port()
    out = work / "smtp-baseline.log"
    proc = subprocess.Popen([sys.executable, "-m", "bench.smtp_sink", "--port", str(port), "--out", str(out)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=10)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("bench SMTP server did not start")
        message = (b"From: a@bench.example.org\r\nTo: b@bench.example.org\r\nSubject: Reminder\r\n"
                   b"Message-ID: <baseline@bench>\r\n\r\n" + b"Your group session starts at 6:00 PM.\r\n" * 20)
        started = time.perf_counter()
        for _ in range(count):
            smtp.sendmail("a@bench.example.org", ["b@bench.example.org"], message)
        elapsed = time.perf_counter() - started
        smtp.quit()
    finally:
        import signal
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    return {"messages": count, "seconds": round(elapsed, 2), "messages_per_second": round(count / elapsed),
            "connections": 1}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


if __name__ == "__main__":
    sys.exit(main())
