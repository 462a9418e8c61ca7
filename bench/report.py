"""The machine a run was made on, the budget table, and docs/BENCHMARKS.md."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata

from bench.loadgen import wrk_version

API_WORKER_BUDGET_MB = 150
FLOOR_LABEL = "one-query floor (one pooled query, small JSON)"
HELLO_LABEL = "hello-world Flask app"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def wrk_version_text() -> str:
    return wrk_version()


def machine() -> dict:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_gib = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    versions = {}
    for package in ("flask", "gunicorn", "sqlalchemy", "psycopg", "pika", "aiosmtpd"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "?"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=os.path.dirname(os.path.dirname(__file__))).stdout.strip()
    except OSError:
        commit = "?"
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": mem_gib, "kernel": platform.release(),
            "os": _os_name(), "python": sys.version.split()[0], "packages": versions, "commit": commit,
            "load_average_start": load_average()}


def _os_name() -> str:
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


# --- the table --------------------------------------------------------------------------------------

def _row(budget: str, measured: str, baseline: str, passed: bool | None) -> dict:
    return {"budget": budget, "measured": measured, "baseline": baseline,
            "result": "n/a" if passed is None else ("pass" if passed else "FAIL")}


def budget_rows(results: dict) -> list[dict]:
    m = results.get("measurements", {})
    rows: list[dict] = []
    reads = m.get("reads")
    if reads:
        floor = reads["baselines"].get(FLOOR_LABEL, {})
        hello = reads["baselines"].get(HELLO_LABEL, {})
        base = (f"floor {floor.get('requests_per_second')} req/s (p99 {floor.get('p99_ms')} ms, CPU/request app "
                f"{floor.get('app_cpu_ms_per_request')} ms + db {floor.get('db_cpu_ms_per_request')} ms); "
                f"hello-world {hello.get('requests_per_second')} req/s (app {hello.get('app_cpu_ms_per_request')} ms)")
        for label, r in reads["endpoints"].items():
            ok = r["ratio_to_floor"] >= 0.70 and r["errors"] == 0
            inter = r.get("interleaved")
            how = (f"{r['ratio_to_floor']:.0%} of the floor, interleaved ({inter['endpoint_requests_per_second']} vs "
                   f"{inter['floor_requests_per_second']} req/s); alone" if inter else
                   f"{r['ratio_to_floor']:.0%} of the floor;")
            rows.append(_row(f"{label}: >= 70% of the floor's req/s at 64 connections",
                             f"{how} {r['requests_per_second']} req/s (p50 {r['p50_ms']} ms, "
                             f"p99 {r['p99_ms']} ms, errors {r['errors']}; CPU/request app "
                             f"{r.get('app_cpu_ms_per_request')} ms + db {r.get('db_cpu_ms_per_request')} ms)", base, ok))
        for label, r in reads["endpoints"].items():
            s = r["steady_200"]
            ok = s["p99_ms"] is not None and s["p99_ms"] < 50 and s["errors"] == 0
            rows.append(_row(f"{label}: p99 < 50 ms at a steady 200 req/s",
                             f"p99 {s['p99_ms']} ms (p50 {s['p50_ms']} ms, {s['requests']} requests, "
                             f"errors {s['errors']})", f"p99 at 64 connections: {r['p99_ms']} ms", ok))
    pages = m.get("pages")
    if pages:
        page = pages["participant page"]
        s = page["steady_100"]
        ok = s["p99_ms"] is not None and s["p99_ms"] < 150 and s["errors"] == 0 and page["api_calls"] <= 4
        rows.append(_row("participant's page (web /p/<token>): p99 < 150 ms at 100 req/s, at most 4 API calls",
                         f"p99 {s['p99_ms']} ms (p50 {s['p50_ms']} ms, {s['requests']} requests, errors {s['errors']})",
                         f"{page['api_calls']} API calls per page", ok))
    audit = m.get("audit")
    if audit:
        for label, r in audit["endpoints"].items():
            rows.append(_row(f"{label}: the access audit costs <= 10% of req/s",
                             f"cost {r['cost']:.1%} (median of paired rounds; summed {r['cost_summed']:.1%}): "
                             f"{r['on_requests_per_second']} req/s audited; CPU/request {r['on_cpu_ms_per_request']}"
                             f" ms ({r['cpu_cost']:+.1%})",
                             f"AUDIT_ENABLED=false, interleaved {audit['rounds']} x {audit['slice_seconds']} s: "
                             f"{r['off_requests_per_second']} req/s, CPU/request {r['off_cpu_ms_per_request']} ms",
                             r["within_budget"]))
    relay = m.get("relay")
    if relay:
        rows.append(_row("outbox relay: >= 5,000 events/s, outbox row to confirmed on the broker",
                         f"{relay['events_per_second']} events/s ({relay['events']} events)",
                         f"pika waiting for each confirm: {relay['pika_confirm_each']['messages_per_second']} msg/s",
                         relay["events_per_second"] >= 5000))
    enroll = m.get("enroll")
    if enroll:
        complete = enroll["emails_accepted"] == enroll["enrollments"]
        base = f"the POST alone: p50 {enroll['api_p50_ms']} ms, p99 {enroll['api_p99_ms']} ms"
        measured = f"({enroll['emails_accepted']}/{enroll['enrollments']} emails, {enroll['rate_per_second']}/s)"
        rows.append(_row("enrollment to email accepted by SMTP: p50 < 100 ms",
                         f"p50 {enroll['p50_ms']} ms {measured}", base,
                         complete and enroll["p50_ms"] is not None and enroll["p50_ms"] < 100))
        rows.append(_row("enrollment to email accepted by SMTP: p99 < 500 ms",
                         f"p99 {enroll['p99_ms']} ms {measured}", base,
                         complete and enroll["p99_ms"] is not None and enroll["p99_ms"] < 500))
    burst = m.get("burst")
    if burst:
        smtp = m.get("smtp_baseline", {})
        rate = smtp.get("messages_per_second")
        base = (f"bench SMTP server alone: {rate} msg/s on 1 connection "
                f"(= {burst['reminders_planned'] / rate:.1f} s for the burst)") if rate else "?"
        last = burst["seconds_to_last"]
        rows.append(_row(f"{burst['reminders_planned']} reminders due in the same minute: all accepted by SMTP "
                         "within 60 s",
                         f"{last} s after they fell due ({burst['reminders_accepted']}/{burst['reminders_planned']}, "
                         f"{burst['emails_per_second']} emails/s)" if last is not None else
                         f"incomplete: {burst['reminders_accepted']}/{burst['reminders_planned']} accepted",
                         base, last is not None and last <= 60 and burst["reminders_planned"] >= 10000
                         if results.get("mode") == "full" else (last is not None and last <= 60)))
    lists = m.get("lists")
    if lists and "ratios" in lists:
        small, large = lists["sizes"]
        for label, r in lists["ratios"].items():
            rows.append(_row(f"{label}: page of 50 at {large:,} rows within 1.5x of {small:,} rows",
                             f"{r['large_ms']} ms = {r['ratio']}x", f"{r['small_ms']} ms at {small:,} rows",
                             r["ratio"] <= 1.5))
    memory = m.get("memory")
    if memory:
        hello = memory.get("hello-api", {}).get("worker_peak_mb")
        for name, entry in memory.items():
            if name in ("smtp-sink", "hello-api", "floor-api") or name.startswith("list-"):
                continue
            peak = entry.get("worker_peak_mb") if "worker_peak_mb" in entry else entry.get("process_peak_mb")
            what = "each API worker" if "worker_peak_mb" in entry else "worker process"
            rows.append(_row(f"{name}: {what} < {API_WORKER_BUDGET_MB} MB resident (peak VmHWM)",
                             f"{peak} MB" + (f" (master {entry.get('master_peak_mb')} MB)" if "master_peak_mb" in entry else ""),
                             f"hello-world worker {hello} MB" if hello else "", peak is not None and peak < API_WORKER_BUDGET_MB))
    return rows


def markdown_table(rows: list[dict]) -> str:
    lines = ["| budget (SPEC section 6) | measured | baseline (same run) | result |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['budget']} | {r['measured']} | {r['baseline']} | {r['result']} |")
    return "\n".join(lines)


# --- docs -------------------------------------------------------------------------------------------

def write_docs(results: dict, table: str, path) -> None:
    machine = results["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in machine.get("packages", {}).items())
    pg = machine.get("postgresql_settings", {})
    data = results.get("dataset", {}).get("counts", {})
    m = results.get("measurements", {})
    reads = m.get("reads", {})
    errors = results.get("errors", [])
    text = TEMPLATE.format(
        started=results["started_at"], mode=results["mode"], seconds=results.get("seconds"), commit=machine.get("commit"),
        table=table, nproc=machine["nproc"], cpu=machine["cpu"], memory=machine["memory"], os=machine["os"],
        kernel=machine["kernel"], python=machine["python"], packages=packages,
        postgresql=machine.get("postgresql", "?"), pg_settings=", ".join(f"{k}={v}" for k, v in pg.items()),
        rabbitmq=machine.get("rabbitmq", "?"), wrk=machine.get("wrk", "?"),
        load_start=machine.get("load_average_start"), load_end=machine.get("load_average_end"),
        web_concurrency=results["settings"].get("WEB_CONCURRENCY"),
        dataset=", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in data.items()),
        dataset_seconds=_load_seconds(results.get("dataset", {}).get("seconds") or {}),
        hello=_rps(reads, HELLO_LABEL), floor=_rps(reads, FLOOR_LABEL),
        load_note=_load_note(machine),
        errors="\n".join(f"- phase `{e['phase']}` failed: `{e['error'][:300]}`" for e in errors) or "none",
    )
    findings = DEFAULT_FINDINGS
    if path.exists():
        old = path.read_text()
        if FINDINGS_MARK in old:
            findings = old.split(FINDINGS_MARK, 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + FINDINGS_MARK + findings)


def _load_seconds(seconds: dict) -> str:
    if not seconds:
        return "?"
    return f"{sum(seconds.values()):.0f} s (" + ", ".join(f"{k.replace('_', ' ')} {v} s" for k, v in seconds.items()) + ")"


def _rps(reads: dict, label: str) -> str:
    r = reads.get("baselines", {}).get(label)
    return f"{r['requests_per_second']} req/s (p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms)" if r else "not measured"


TEMPLATE = """# Benchmarks: the SPEC section 6 performance budgets

Measured by the project's own benchmark, `make bench` (`python -m bench`), which starts the whole
platform with production settings, loads a realistic data set and measures every budget side by
side with its baseline in the same run: these machines are noisy, so a number only means something
next to a baseline taken in the same minutes.

## Latest run

{started} ({mode} run, {seconds} s, commit {commit}). Load average at start {load_start}, at end {load_end}:
{load_note}

{table}

Baselines at 64 connections, same gunicorn settings (WEB_CONCURRENCY={web_concurrency}, gthread with 4
threads, access log on): hello-world Flask {hello}; one-query floor {floor}.

Phases that failed: {errors}

Full numbers (every percentile, memory per process, data set counts): `bench/results/latest.json`.

## The machine

| | |
|---|---|
| cores (`nproc`) | {nproc} |
| CPU | {cpu} |
| memory | {memory} |
| OS, kernel | {os}, {kernel} |
| Python | {python} ({packages}) |
| PostgreSQL | {postgresql} ({pg_settings}) |
| RabbitMQ | {rabbitmq} |
| load generator | {wrk} (Debian package `wrk`), and `bench/loadgen.py` for paced load |

## Reproduce

    make bench                  # = .venv/bin/python -m bench  (about 10 minutes; installs wrk with apt-get if missing)
    .venv/bin/python -m bench --quick   # small sizes, short runs: checks the harness (about 3 minutes)

Needs the local PostgreSQL (`BENCH_ADMIN_URL`, default `postgresql+psycopg://postgres@127.0.0.1:5432/test`,
a role that may CREATE DATABASE) and RabbitMQ (`BENCH_AMQP_URL`, default the local guest). Run it on a
quiet machine: anything else using the two cores shows up in every number. Options: `--only
reads,enroll,burst,lists,relay`, `--web-concurrency N`, `--profile` (py-spy profiles of the API workers
under wrk and of the workers during the enrollments and the burst; `pip install py-spy`), `--keep` (keep
databases, vhost and process logs for a look after). `python -m bench.report [results.json]` prints a
run's table again and rewrites this page from it.

## What is measured, and how

- **Platform**: fresh PostgreSQL databases per service (`iop_bench_<run>_*`, dropped at the end), a RabbitMQ
  virtual host of the run's own (deleted at the end; consumers also get `CONSUMER_QUEUE` names of the run),
  `APP_ENV=production` with a random 48-character `JWT_SECRET`, the three APIs under gunicorn with
  `deploy/gunicorn.conf.py` and `PROMETHEUS_MULTIPROC_DIR` as in `docker-compose.yml`, both relays, both
  consumers and the scheduler as their own processes, and a real SMTP server (`bench/smtp_sink.py`,
  aiosmtpd) that writes no files, only the time each message was accepted and its Message-ID (which the
  platform sets from the notification id, so each email is matched to what caused it).
- **Data set** ({dataset}; loaded in {dataset_seconds}): built by the services' own code, not by
  hand-written rows: roster's domain model creates facilitators, participants, groups (40% process groups
  of 10, 60% psychoeducation of 15, some full with a waitlist, some members already gone) and enrollments
  at past times; the sessions consumer's handlers build its read model from those very events and its
  `generate` use case creates a month of sessions (14 days back, 16 ahead); the notifications consumer's
  handlers plan welcomes and 24 h / 1 h reminders from the events (what fell due before now is marked sent,
  later reminders stay pending). Only the broker is skipped while loading (`bench/dataset.py`).
- **Read endpoints**: wrk, 1 thread, 64 connections, a warm-up then the timed run, rotating over 2,000
  prepared requests (random groups and participants, each with the bearer token of its lead facilitator
  or of the participant): `GET /v1/groups/<id>` (group with counts), `GET /v1/groups/<id>/enrollments`
  (roster page), `GET /v1/sessions?group_id=&from=today` (session list),
  `GET /v1/participants/<id>/sessions` (participant's sessions). Non-2xx answers count as errors. The
  same for `bench/apps.py`: a hello-world Flask app and the one-query floor (one group read by primary
  key through `shared.db.make_engine`'s pool, returned as a small JSON), under the same gunicorn settings.
  The budget's ratio is taken with the floor and the endpoint alternating in short slices (2 rounds of
  4 s each), so that other load on the machine hits both alike; "alone" is a continuous 10 s run, which
  also gives the percentiles and the CPU time per request of the API's processes and of the PostgreSQL
  backends serving it (from /proc: a figure the machine's other load disturbs much less).
- **Steady 200 requests/s**: `bench/loadgen.py` `paced`, an open-loop asyncio client: request i goes at
  t0 + i/200 s on a free keep-alive connection (or a new one) whatever earlier answers do, and its latency
  is counted from that due time, so slow answers cannot hide queueing (wrk2 is not packaged in Debian).
- **Enrollment to email**: enrollments `POST /v1/groups/<id>/enrollments` sent at a steady rate (default
  20/s, open loop) into groups with a free place; each is timed from the moment its request was sent to
  the moment the SMTP server accepted its welcome email (relay, broker, notifications consumer, scheduler,
  SMTP all included); the results also split that time into stages from the rows' own timestamps (outbox
  row written, marked published, notification planned) to show which one is slow.
- **Reminder burst**: sessions are created through the sessions API (one per group, as many groups as
  needed for 10,000 members) starting one hour after a minute M one to two minutes ahead, so the
  notifications consumer plans their 1-hour reminders, all due at M; measured: from M to the SMTP server
  accepting the last of them.
- **Lists**: on databases of their own, `GET /v1/participants` (as admin, and as a facilitator whose
  caseload is 60 of them), `GET /v1/sessions` (admin) and `GET /v1/notifications` (as admin, and as the
  facilitator of a group with 60), first page of 50 and a page from the middle (by cursor), each the
  median of 100 sequential requests, with 1,000 rows and then with 100,000 rows in the table (the
  facilitator's own rows stay 60: what grows is everybody else's).
- **Memory**: VmHWM (peak resident set) of every process and of every gunicorn worker (workers are
  replaced after `max_requests`, so /proc is sampled every 0.5 s and each pid's peak kept).
- **Outbox relay**: `bench/relay_throughput.py`: 20,000 valid events in a roster outbox, the real relay
  publishing them to the run's vhost with confirms; baseline: pika publishing persistent messages and
  waiting for each confirm.
- **Access audit** (phase `audit`, `bench/audit_cost.py`): for roster and sessions two more gunicorns
  with the same settings on the same databases, one with the audit (as deployed) and one with
  `AUDIT_ENABLED=false`; the four read endpoints above go to each in alternating slices (6 x 2 s quick,
  8 x 3 s full, the order swapped every round). Reported: requests/s of each, the median of the rounds'
  on/off ratios (the budget: a cost of at most 10%), and the API processes' CPU per request. The group
  with counts is not audited: its "cost" is the run's noise.
- None of this is a test: `make test` runs none of it.

## Profiles and findings

"""

FINDINGS_MARK = "<!-- findings: kept by hand below this line; `python -m bench` rewrites only what is above -->\n"
DEFAULT_FINDINGS = "No findings recorded yet.\n"


def _load_note(machine: dict) -> str:
    try:
        start = float(str(machine.get("load_average_start", "0")).split()[0])
    except ValueError:
        return ""
    cores = machine.get("nproc") or 2
    if start > cores * 0.5:
        return ("other work was using the machine when this run started (load above half the cores), so "
                "the numbers are lower than the machine can do; compare each with its baseline.")
    return "the machine was quiet apart from the benchmark."


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.report [results.json]`: print the table of a run again and rewrite docs/BENCHMARKS.md."""
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", nargs="?", default="bench/results/latest.json")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    results = json.loads(Path(args.results).read_text())
    rows = budget_rows(results)
    table = markdown_table(rows)
    print(table)
    if not args.no_docs:
        write_docs(results, table, Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md")
        print("docs/BENCHMARKS.md updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
