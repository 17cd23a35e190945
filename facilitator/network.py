"""Where phones can reach this computer: its addresses on the local network, and whether an
address is one only this computer can open."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

# Any routable address will do: connecting a UDP socket only picks the outgoing interface,
# it sends nothing. 192.0.2.0/24 is reserved for documentation and never answers.
_PROBE = ("192.0.2.1", 9)
_CACHE_S = 30.0
_cache: tuple[float, list[str]] = (0.0, [])

ALL_INTERFACES = frozenset({"0.0.0.0", "::", ""})


def _usable(address: str) -> bool:
    """An IPv4 address another device on the network could open."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.version == 4 and not (
        ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast
    )


def _discover() -> list[str]:
    found: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_PROBE)
            found.append(probe.getsockname()[0])
    except OSError:
        pass  # no route at all: no network, or only loopback
    try:
        for *_, sockaddr in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(str(sockaddr[0]))
    except OSError:
        pass  # the hostname does not resolve; the probe's answer is enough
    return list(dict.fromkeys(a for a in found if _usable(a)))


def lan_addresses() -> list[str]:
    """This computer's IPv4 addresses on its networks, the one of the default route first.

    Remembered for half a minute: the projector asks on every load, and a laptop that joins
    the venue's Wi-Fi after starting the server is seen soon after.
    """
    global _cache
    at, addresses = _cache
    if time.monotonic() - at > _CACHE_S:
        addresses = _discover()
        _cache = (time.monotonic(), addresses)
    return list(addresses)


def host_of(netloc: str) -> str:
    """The host part of "host:port" (IPv6 literals in brackets too), lower-cased."""
    return (urlsplit("//" + netloc).hostname or "").lower()


def is_loopback(host: str) -> bool:
    """True for an address only this computer can open: localhost, 127.x.x.x, ::1."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def join_urls(listen_host: str, port: int) -> list[str]:
    """The join page's address for each way phones can reach a server listening on
    `listen_host`: every LAN address when it listens on all interfaces, else its own."""
    if listen_host in ALL_INTERFACES:
        hosts = lan_addresses()
    elif is_loopback(listen_host):
        hosts = []
    else:
        hosts = [listen_host]
    return [f"http://{_bracket(h)}:{port}/join" for h in hosts]


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@dataclass(frozen=True)
class Unreachable:
    """Why phones cannot open the address a staff page was opened on, and what to do."""

    address: str  # what the page was opened on, e.g. 127.0.0.1:5000
    lan_urls: tuple[str, ...]  # base addresses phones can open instead (may be empty)
    listens_everywhere: bool  # False: the server must be restarted with HOST=0.0.0.0


def phone_reach(request_netloc: str, public_url: str, listen_host: str) -> Unreachable | None:
    """None when phones can open the address this page came to (or FACILITATOR_PUBLIC_URL is
    set); otherwise what the projector should tell the facilitator."""
    if public_url or not is_loopback(host_of(request_netloc)):
        return None
    port = urlsplit("//" + request_netloc).port
    everywhere = listen_host in ALL_INTERFACES
    suffix = f":{port}" if port else ""
    urls = tuple(f"http://{a}{suffix}" for a in lan_addresses()) if everywhere else ()
    return Unreachable(address=request_netloc, lan_urls=urls, listens_everywhere=everywhere)
