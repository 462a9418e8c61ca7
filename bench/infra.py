"""The benchmark's own PostgreSQL databases and RabbitMQ virtual host: created fresh for a run and
removed at its end, so a run neither sees nor disturbs anything else on the shared servers."""
from __future__ import annotations

import shutil
import subprocess
import uuid

import pika
import sqlalchemy as sa

from shared.messaging.topology import retry_queue_name


class Databases:
    """Fresh PostgreSQL databases named iop_bench_<run>_<name>, dropped by `drop_all`."""

    def __init__(self, admin_url: str, run_id: str):
        self.admin_url = admin_url
        self.run_id = run_id
        self.created: list[str] = []
        self._admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def create(self, name: str) -> str:
        db = f"iop_bench_{self.run_id}_{name}"
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{db}"')
        self.created.append(db)
        return sa.engine.make_url(self.admin_url).set(database=db).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self._admin.connect() as conn:
            for db in reversed(self.created):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self.created.clear()
        self._admin.dispose()

    def server_version(self) -> str:
        with self._admin.connect() as conn:
            return conn.exec_driver_sql("SHOW server_version").scalar_one()

    def settings(self) -> dict[str, str]:
        names = ["shared_buffers", "max_connections", "synchronous_commit", "fsync", "work_mem"]
        with self._admin.connect() as conn:
            return {n: conn.exec_driver_sql(f"SHOW {n}").scalar_one() for n in names}


class Broker:
    """A RabbitMQ virtual host of the run's own (rabbitmqctl, as on a broker you administer); where
    rabbitmqctl cannot be used, the default vhost, and the consumers' queues are deleted at the end."""

    def __init__(self, base_url: str, run_id: str, use_vhost: bool = True):
        self.base_url = base_url
        self.vhost: str | None = None
        self.url = base_url
        if use_vhost and shutil.which("rabbitmqctl"):
            name = f"iop_bench_{run_id}"
            try:
                _ctl("add_vhost", name)
                _ctl("set_permissions", "-p", name, _user(base_url), ".*", ".*", ".*")
                self.vhost = name
                params = pika.URLParameters(base_url)
                self.url = (f"amqp://{params.credentials.username}:{params.credentials.password}@"
                            f"{params.host}:{params.port}/{name}")
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
                print(f"note: no vhost of the run's own ({error}); using the default vhost", flush=True)

    def server_version(self) -> str:
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            props = connection._impl.server_properties  # noqa: SLF001 - what the broker announced
            version = props.get("version", b"?")
            return version.decode() if isinstance(version, bytes) else str(version)
        finally:
            connection.close()

    def cleanup(self, queues: list[str], retry_delays: list[float]) -> None:
        if self.vhost is not None:
            try:
                _ctl("delete_vhost", self.vhost)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
                print(f"warning: could not delete vhost {self.vhost}: {error}", flush=True)
            return
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            for queue in queues:
                for name in [queue] + [retry_queue_name(queue, d) for d in retry_delays]:
                    channel.queue_delete(queue=name)
        finally:
            connection.close()


def _user(url: str) -> str:
    return pika.URLParameters(url).credentials.username


def _ctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=60)


def new_run_id() -> str:
    return uuid.uuid4().hex[:8]
