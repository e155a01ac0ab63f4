"""Address policy for links people give the bot (SSRF guard). Pure: no I/O, no DNS.

`check_url` refuses what can be judged from the link alone (scheme, credentials, literal IPs);
host names are judged after DNS by the resolver in `fetch.py`, on the very addresses the
connection will use.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field

from yarl import URL

from bot.search.errors import ErrorCode, SearchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Not covered by `is_global` on every Python version, so named explicitly.
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# NAT64 gateways forward 64:ff9b::a.b.c.d to the IPv4 address a.b.c.d.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which private addresses a link may reach anyway: host names and/or IPs or CIDRs.

    Host names match exactly (case-insensitive, trailing dot ignored); a bad CIDR raises
    ValueError at start-up rather than silently allowing nothing.
    """

    allowed: tuple[str, ...] = ()
    _networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)
    _names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        networks: list[IPNetwork] = []
        names: set[str] = set()
        for entry in (e.strip() for e in self.allowed):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if "/" in entry or ":" in entry:
                    raise ValueError(f"not an IP address or CIDR: {entry!r}") from None
                names.add(_norm_host(entry))
        object.__setattr__(self, "_networks", tuple(networks))
        object.__setattr__(self, "_names", frozenset(names))

    def allows_host(self, host: str) -> bool:
        return _norm_host(host) in self._names

    def is_blocked(self, ip: str | IPAddress, host: str | None = None) -> bool:
        """True if `ip` is not a public address and neither it nor `host` is allowed."""
        if host is not None and self.allows_host(host):
            return False
        try:
            addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
        except ValueError:
            return True  # cannot judge it, so do not connect to it
        candidates = _judged_as(addr)
        if any(a in net for a in candidates for net in self._networks):
            return False
        return any(_is_special(a) for a in candidates)


def _norm_host(host: str) -> str:
    return host.strip().rstrip(".").lower()


def _judged_as(addr: IPAddress) -> list[IPAddress]:
    """The addresses a connection to `addr` really reaches, all of which must be public."""
    if isinstance(addr, ipaddress.IPv4Address):
        return [addr]
    if addr.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d
        return [addr.ipv4_mapped]
    if addr in _NAT64:  # a NAT64 gateway forwards it to the IPv4 address
        return [ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)]
    if addr.sixtofour is not None:  # 6to4 relays to the IPv4 address too
        return [addr, addr.sixtofour]
    return [addr]


def _is_special(addr: IPAddress) -> bool:
    # `not is_global` covers private, loopback, link-local (169.254.169.254 metadata, fe80::/10),
    # unspecified, ULA (fc00::/7) and documentation ranges; multicast can count as "global".
    return (
        not addr.is_global
        or addr.is_multicast
        or addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_reserved
        or addr.is_unspecified
        or addr in _CGNAT
    )


def redact(url: str | URL) -> str:
    """scheme://host[:port]/path only: query strings carry signatures (Discord CDN)."""
    try:
        u = url if isinstance(url, URL) else URL(url)
        if not u.absolute:
            return "<relative link>"
        shown = str(u.with_user(None).with_query(None).with_fragment(None))
    except (ValueError, TypeError):
        return "<unparseable link>"
    return shown if len(shown) <= 200 else shown[:199] + "…"


def _literal_ip(host: str) -> IPAddress | None:
    """The address a host denotes by itself, including legacy forms like 2130706433 or 0x7f.1."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def check_url(url: str | URL, policy: AddressPolicy) -> URL:
    """Parse and vet a link before any connection; raise BAD_LINK or BLOCKED_ADDRESS."""
    try:
        u = url if isinstance(url, URL) else URL(url)
    except (ValueError, TypeError):
        raise SearchError(ErrorCode.BAD_LINK, "unparseable link") from None
    scheme = u.scheme.lower()
    if scheme not in ("http", "https"):
        shown = scheme if scheme.isalnum() and len(scheme) < 20 else "?"
        raise SearchError(ErrorCode.BAD_LINK, f"only http(s) links, not {shown}:")
    if u.user is not None or u.password is not None:
        raise SearchError(ErrorCode.BAD_LINK, "link carries a user name or password")
    host = u.host
    if not host or not host.strip("."):
        raise SearchError(ErrorCode.BAD_LINK, "link has no host")
    if any(c.isspace() for c in host):
        raise SearchError(ErrorCode.BAD_LINK, "host contains spaces")
    ip = _literal_ip(host)
    if ip is not None:
        if policy.is_blocked(ip):
            raise SearchError(ErrorCode.BLOCKED_ADDRESS, f"private address: {redact(u)}")
        if isinstance(ip, ipaddress.IPv4Address) and str(ip) != host:
            # aiohttp refuses non-canonical IPv4 forms; say so clearly instead.
            raise SearchError(ErrorCode.BAD_LINK, "non-canonical IP address in link")
    return u
