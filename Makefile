# The two commands a newcomer needs: `make run` and `make test` (both install what is missing).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SERVICES := roster sessions notifications
# make run's own RabbitMQ virtual host (created if missing): queued events of test suites and earlier
# stacks on the same broker live in other vhosts and never reach this run's consumers.
RUN_AMQP_URL := $(or $(AMQP_URL),amqp://guest:guest@127.0.0.1:5672/iop-dev)

.PHONY: install lock browser run migrate lint test test-unit test-reliability test-compose bench check-broker compose-config clean

LOCK := requirements/dev.txt

# Exactly the versions (and files: hashes) in the lock; then the project itself, without dependencies.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# After a change to pyproject.toml's dependencies, or to take new releases: writes requirements/*.txt
# (dev and one per service) again, the newest versions the ranges allow, with hashes (seconds).
lock:
	test -x $(PY) || python3 -m venv $(VENV)
	test -x $(VENV)/bin/uv || $(PY) -m pip install -q "uv>=0.5"
	$(PY) requirements/lock.py write

# The browser tests drive Debian's chromium through Playwright (never a downloaded browser).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

migrate: install
	@for s in $(SERVICES); do AMQP_URL="$(RUN_AMQP_URL)" $(PY) -m services.$$s.entrypoints.migrate || exit 1; done

check-broker: install
	@AMQP_URL="$(RUN_AMQP_URL)" $(PY) -c "import os,sys; from shared.health import broker_reachable; u=os.environ['AMQP_URL']; sys.exit(0) if broker_reachable(u) else sys.exit('RabbitMQ is not reachable at AMQP_URL (default 127.0.0.1:5672): start it (rabbitmq-server -detached) and run make run again. The migrate step declares the consumers\' queues on it.')"
	@$(PY) -m shared.messaging.vhost ensure "$(RUN_AMQP_URL)"

run: check-broker migrate
	mkdir -p var/mail
	AMQP_URL="$(RUN_AMQP_URL)" PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho -f deploy/Procfile.dev -d . -e /dev/null start

# The house rules kept by tools (pyproject.toml): ruff's small rule set and the import contracts.
lint: install
	$(VENV)/bin/ruff check shared services tests bench
	$(VENV)/bin/lint-imports

test: lint browser
	$(VENV)/bin/pytest -q -p no:cacheprovider -m "not reliability and not compose"

test-reliability: install
	$(VENV)/bin/pytest -q -p no:cacheprovider -m reliability tests/reliability

# The stack of docker-compose.yml on a private Docker engine (tests/containers/README.md); installs
# Debian's docker.io and debootstrap when missing. 12 minutes from scratch (19-23 on a very busy machine).
test-compose: install
	@test -x /usr/sbin/dockerd && command -v debootstrap >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io debootstrap >/dev/null; }
	$(VENV)/bin/pytest -q -p no:cacheprovider -m compose tests/containers; status=$$?; \
	  cat var/test-compose/report.txt 2>/dev/null; exit $$status

bench: install
	$(PY) -m bench
	$(PY) -m bench.web_pages

test-unit: install
	$(VENV)/bin/pytest -q -p no:cacheprovider tests/unit

compose-config: install
	JWT_SECRET=ci-only-secret-0123456789abcdef0123 WEB_SECRET_KEY=ci-only-web-key-0123456789abcdef0123 \
	  NOTES_KEY=k1:a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s= POSTGRES_PASSWORD=ci RABBITMQ_PASSWORD=ci \
	  "$$($(PY) -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')" \
	  -f docker-compose.yml --env-file /dev/null config -q && echo "docker-compose.yml is valid"

clean:
	rm -rf var .pytest_cache
