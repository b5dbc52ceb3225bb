"""Where a fetched link may connect: its host resolved once, and refused when any of its
addresses is not a public one (loopback, private, link-local, multicast, reserved,
unspecified, shared 100.64/10, or an IPv6 form of one of them).

`resolve` gives the address to connect to, so no second DNS look-up happens between the check
and the connection (`ingest.fetch` connects to it and sends the host's name as `Host` and as
the TLS server name).
"""

from __future__ import annotations

import ipaddress
import socket

from ingest.text import SkipFile

__all__ = ["REFUSED", "is_public", "resolve"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# One line for every refused host, whatever listens there: it tells nothing of the network.
REFUSED = (
    "refused: the link's host is a private, local or reserved address "
    "(set QA_FETCH_ALLOW_PRIVATE=1 to fetch from an intranet)"
)


def is_public(address: IPAddress) -> bool:
    """Whether `address` is a public unicast address (an IPv4-mapped, 6to4 or Teredo IPv6
    address is judged by the IPv4 address it carries)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if inner is not None and not is_public(inner):
            return False
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The address of `host` to connect to, IPv4 first (numeric forms such as `2130706433`
    or `127.1` resolve as the C library reads them). `SkipFile` when it does not resolve, or when
    `allow_private` is off and any of its addresses is not public."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise SkipFile(f"could not be fetched (the host '{host}' was not found)") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    if not addresses:
        raise SkipFile(f"could not be fetched (the host '{host}' was not found)")
    if not allow_private and not all(is_public(a) for a in addresses):
        raise SkipFile(REFUSED)
    return str(min(addresses, key=lambda a: a.version))  # IPv4 first: not every host routes v6
