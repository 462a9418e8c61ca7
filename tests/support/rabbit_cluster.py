"""A private three-node RabbitMQ cluster on this machine, for tests that kill a node: each node runs
as user `rabbitmq` with its own node name, ports and data folders; they share one Erlang cookie of
their own (not the shared broker's) and are joined with `rabbitmqctl join_cluster`."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.private_rabbit import PrivateRabbit

# The real CLI, not Debian's /usr/sbin wrapper: that one moves HOME to /var/lib/rabbitmq, whose cookie
# is the shared broker's.
CTL = shutil.which("rabbitmqctl", path="/usr/lib/rabbitmq/bin") or "rabbitmqctl"


class RabbitCluster:
    def __init__(self, size: int = 3) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="iop-rabbit-cluster-"))
        cookie = self.home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(20))
        cookie.chmod(0o400)
        for path in (self.home, cookie):
            shutil.chown(path, "rabbitmq", "rabbitmq")
        self.nodes = [PrivateRabbit(home=str(self.home)) for _ in range(size)]

    @property
    def url(self) -> str:
        """AMQP_URL naming every node, the first node first."""
        return ",".join(node.url for node in self.nodes)

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        first = self.nodes[0].name
        for node in self.nodes[1:]:
            self.ctl(node.name, "stop_app")
            self.ctl(node.name, "join_cluster", first)
            self.ctl(node.name, "start_app")
        running = self.running_nodes()
        assert sorted(running) == sorted(n.name for n in self.nodes), running

    def ctl(self, node: str, *args: str, timeout: float = 120) -> str:
        env = {**os.environ, "HOME": str(self.home)}
        env.pop("RABBITMQ_DIST_PORT", None)
        done = subprocess.run(["runuser", "-u", "rabbitmq", "-m", "--", CTL, "-q", "-n", node, *args],
                              env=env, cwd=str(self.home), capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {node}: {done.stderr or done.stdout}")
        return done.stdout

    def _any_running(self) -> PrivateRabbit:
        return next(n for n in self.nodes if n.process is not None and n.process.poll() is None)

    def running_nodes(self) -> list[str]:
        status = json.loads(self.ctl(self._any_running().name, "cluster_status", "--formatter", "json"))
        return status["running_nodes"]

    def leader_of(self, queue: str) -> PrivateRabbit:
        """The node whose Raft member leads the quorum queue `queue`."""
        rows = json.loads(self.ctl(self._any_running().name, "list_queues", "name", "type", "leader",
                                   "--formatter", "json"))
        row = next(r for r in rows if r["name"] == queue)
        assert row["type"] == "quorum", row
        return next(n for n in self.nodes if n.name == row["leader"])

    def cleanup(self) -> None:
        for node in self.nodes:
            node.cleanup()
        shutil.rmtree(self.home, ignore_errors=True)
