"""A free TCP port for a test's own server (others run stacks on this machine at the same time, so
no test binds a fixed port)."""
from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (another process could still take it before we do)."""
    with socket.create_server((host, 0)) as probe:
        return probe.getsockname()[1]
