# The two commands a newcomer needs: `make run` and `make test` (both install what is missing).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SERVICES := roster sessions notifications

.PHONY: install browser run migrate test test-unit test-reliability bench check-broker compose-config clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's chromium through Playwright (never a downloaded browser).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

migrate: install
	@for s in $(SERVICES); do $(PY) -m services.$$s.entrypoints.migrate || exit 1; done

check-broker: install
	@$(PY) -c "import os,sys; from shared.health import broker_reachable; u=os.environ.get('AMQP_URL','amqp://guest:guest@127.0.0.1:5672/%2F'); sys.exit(0) if broker_reachable(u) else sys.exit('RabbitMQ is not reachable at AMQP_URL (default 127.0.0.1:5672): start it (rabbitmq-server -detached) and run make run again. The migrate step declares the consumers\' queues on it.')"

run: check-broker migrate
	mkdir -p var/mail
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho -f deploy/Procfile.dev -d . -e /dev/null start

test: install browser
	$(VENV)/bin/pytest -q -p no:cacheprovider -m "not reliability"

test-reliability: install
	$(VENV)/bin/pytest -q -p no:cacheprovider -m reliability tests/reliability

bench: install
	$(PY) -m bench
	$(PY) -m bench.web_pages

test-unit: install
	$(VENV)/bin/pytest -q -p no:cacheprovider tests/unit

compose-config: install
	JWT_SECRET=ci-only-secret-0123456789abcdef0123 WEB_SECRET_KEY=ci-only-web-key-0123456789abcdef0123 \
	  POSTGRES_PASSWORD=ci RABBITMQ_PASSWORD=ci \
	  "$$($(PY) -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')" \
	  -f docker-compose.yml --env-file /dev/null config -q && echo "docker-compose.yml is valid"

clean:
	rm -rf var .pytest_cache
