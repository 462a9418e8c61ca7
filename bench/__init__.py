"""The project's benchmark of the SPEC section 6 performance budgets: `python -m bench` (`make bench`).

run.py drives a run; dataset.py loads the data set; processes.py starts the platform's processes and
samples their memory; loadgen.py drives wrk and the paced client; smtp_sink.py is the SMTP server;
apps.py the hello-world and one-query baselines; listscale.py the list-size test; infra.py the
run's own databases and vhost; report.py the table and docs/BENCHMARKS.md; relay_throughput.py the
outbox relay; profile_reads.py, profile_pipeline.py and pyspy.py the profiling tools. None of it is a
test: `make test` does not collect it.
"""
