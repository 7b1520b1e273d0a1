"""Serving the API with uvicorn: one process, or several on one port.

**TCP_NODELAY.** With several processes uvicorn binds the listening socket itself, with
``proto`` 0. Accepted sockets inherit that, and asyncio only turns on ``TCP_NODELAY`` for
sockets that say ``IPPROTO_TCP``; Nagle's algorithm then holds each response's last segment
until the client's delayed ACK, about 40 ms on Linux, on every keep-alive request. We bind
every listening socket as a TCP socket, so every process's connections get ``TCP_NODELAY``.

**A listening socket per process (Linux).** Processes that share one listening socket do not
share its connections evenly: a new connection wakes every idle process, and the first to run
accepts every connection waiting, up to the backlog. Keep-alive clients that connect at
about the same time (a load balancer's pool, a benchmark's clients) then mostly land on one
process, which serves them all on one core while the others idle: measured, 7 or 8 of 8
clients on one of two processes. On Linux each process therefore listens on a socket of its
own, bound to the same address with ``SO_REUSEPORT``, and the kernel spreads new connections
over them by a hash of their addresses. Elsewhere (``SO_REUSEPORT`` does not balance there)
the processes share one socket as before.
"""

from __future__ import annotations

import socket
import sys
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess


def listening_socket(host: str, port: int, *, tcp_nodelay: bool = True) -> socket.socket:
    """A bound listening socket to share between server processes.

    ``tcp_nodelay=False`` binds it the way uvicorn does (for the benchmark's comparison).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    proto = socket.IPPROTO_TCP if tcp_nodelay else 0
    sock = socket.socket(family, socket.SOCK_STREAM, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def spreads_connections() -> bool:
    """True where the kernel spreads connections over sockets that share a port (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


_Socket = TypeVar("_Socket", bound=socket.socket)


def _bound_sharing_the_port(sock: _Socket, address: tuple[str, int]) -> _Socket:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def _port_sharing_socket(family: int, address: tuple[str, int]) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    return _bound_sharing_the_port(sock, address)


class PerProcessSocket(socket.socket):
    """The supervisor's claim on the address, which reaches each server process as a
    listening socket of that process's own.

    The supervisor binds it (with ``SO_REUSEPORT``) but never listens on it, so it takes no
    connections; it makes a port in use fail at start and fixes the port when 0 was asked
    for. uvicorn hands the supervisor's sockets to every process it starts, a replacement
    included, by pickling them: this one unpickles as a new socket bound to the same address
    in the receiving process, where uvicorn listens on it.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return _port_sharing_socket, (self.family, self.getsockname()[:2])


def per_process_socket(host: str, port: int) -> PerProcessSocket:
    """The supervisor's ``PerProcessSocket`` for ``host:port`` (``spreads_connections`` only)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = PerProcessSocket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    return _bound_sharing_the_port(sock, (host, port))


def serve(
    app: FastAPI | str,
    *,
    host: str,
    port: int,
    workers: int = 1,
    tcp_nodelay: bool = True,
    **options: Any,
) -> None:
    """Serve ``app`` on ``host:port`` in ``workers`` processes until stopped.

    Several processes need ``app`` as the import string of an app factory (each process
    builds its own app, engine and connection pool). ``tcp_nodelay=False`` shares one
    socket bound the way uvicorn binds it (for the benchmark's comparison).
    """
    multi = workers > 1
    if multi and not isinstance(app, str):
        raise ValueError("several server processes need the app as an import string")
    if multi:
        # A process that has not answered the supervisor's ping in time is killed and
        # replaced; on a busy machine starting Python alone can take longer than the 5 s
        # uvicorn allows by default.
        options.setdefault("timeout_worker_healthcheck", 60)
    config = uvicorn.Config(app, host=host, port=port, workers=workers, factory=multi, **options)
    if multi and tcp_nodelay and spreads_connections():
        sock: socket.socket = per_process_socket(host, port)
    else:
        sock = listening_socket(host, port, tcp_nodelay=tcp_nodelay)
    try:
        if multi:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
