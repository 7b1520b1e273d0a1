"""Serving the API with uvicorn: one process, or several sharing one listening socket.

With several processes uvicorn binds the listening socket itself, with ``proto`` 0.
Accepted sockets inherit that, and asyncio only turns on ``TCP_NODELAY`` for sockets that
say ``IPPROTO_TCP``; Nagle's algorithm then holds each response's last segment until the
client's delayed ACK, about 40 ms on Linux, on every keep-alive request. We bind the
socket as a TCP socket, so every process's connections get ``TCP_NODELAY``.
"""

from __future__ import annotations

import socket
from typing import Any

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
    builds its own app, engine and connection pool).
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
    sock = listening_socket(host, port, tcp_nodelay=tcp_nodelay)
    try:
        if multi:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
