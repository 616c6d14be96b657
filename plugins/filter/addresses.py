"""Filters that write addresses: host:port with IPv6 bracketed, the host a local check reaches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit


def host_port(address: str, port: int | str) -> str:
    """'host:port' with an IPv6 address bracketed: ('::', 9100) gives '[::]:9100'."""
    bare = address.strip("[]") if address.startswith("[") else address
    return f"[{bare}]:{port}" if ":" in bare else f"{bare}:{port}"


def url_host_port(address: str) -> str:
    """'host:port' of a URL or host:port, without credentials ('' when it names none)."""
    parsed = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parsed.port
    except ValueError:
        return ""
    host = parsed.hostname or ""
    if not host or not port:
        return ""
    return host_port(host, port)


def local_host(address: str) -> str:
    """Where a check on the host itself reaches a service listening on address."""
    bare = address.strip("[]") if address.startswith("[") else address
    if bare in ("", "0.0.0.0"):
        return "127.0.0.1"
    if bare == "::":
        return "[::1]"
    return f"[{bare}]" if ":" in bare else bare


class FilterModule:
    """Ansible filters of plugspace.monitoring for addresses."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"host_port": host_port, "url_host_port": url_host_port, "local_host": local_host}
