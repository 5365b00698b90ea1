"""Where a connection may go: public unicast addresses only, checked when it is made.

A hostile page (or a portal's DNS) can point a crawler at the machine it runs on, the
private network behind it or a cloud metadata service. Checking the URL is not enough: a
public name can resolve to 10.0.0.1 or 169.254.169.254. So the check sits in the resolver
Scrapy installs on the reactor (`TWISTED_DNS_RESOLVER`), which every connection goes
through: Twisted's `HostnameEndpoint` resolves every host (literals too) through it, and
`reactor.resolve` (proxy connections by name) reaches it as well. Refused addresses are
simply not passed on, so a host with only refused addresses fails with Twisted's
`DNSLookupError`; `refusal_reason(host)` says why, for counting.

Allowed despite the rules: the replay proxy (`GOVCRAWL_REPLAY_PROXY`, a loopback address;
only its address and port) and the networks an operator lists in
`GOVCRAWL_ALLOWED_NETWORKS` (say, an egress proxy on 10.1.2.3/32).
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from scrapy.resolver import CachingHostnameResolver
from twisted.internet.interfaces import (
    IAddress,
    IHostnameResolver,
    IResolutionReceiver,
)
from zope.interface import implementer

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services (AWS/GCP/Azure/OpenStack, AWS ECS, Alibaba, AWS over IPv6).
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, Teredo client)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    return None


def forbidden_reason(address: str | IPAddress) -> str | None:
    """Why a crawler must not connect to `address` (`metadata`, `loopback`, `private`,
    `link_local`, `cgnat`, `multicast`, `reserved`), None for a public unicast address. An
    unparsable address is `reserved`: refused."""
    try:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return "reserved"
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        return forbidden_reason(inner)
    if ip in METADATA:
        return "metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT:
        return "cgnat"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified or ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    return None if ip.is_global else "reserved"


class AddressPolicy:
    """Which resolved addresses a crawl may connect to: public ones, plus exceptions."""

    def __init__(
        self,
        allowed_endpoints: Iterable[tuple[IPAddress, int]] = (),
        allowed_networks: Iterable[Network] = (),
    ) -> None:
        self.allowed_endpoints = frozenset(allowed_endpoints)
        self.allowed_networks = tuple(allowed_networks)

    @classmethod
    def from_settings(cls, settings: Any) -> AddressPolicy:
        """The replay proxy's address and port, and `GOVCRAWL_ALLOWED_NETWORKS`."""
        endpoints = []
        proxy = (settings.get("GOVCRAWL_REPLAY_PROXY") or "").strip()
        if proxy:
            parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
            host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname or ""
            hosts = [host, "::1"] if parts.hostname == "localhost" else [host]
            for name in hosts:
                endpoints.append((ipaddress.ip_address(name), parts.port or 80))
        networks = [
            ipaddress.ip_network(n, strict=False)
            for n in settings.getlist("GOVCRAWL_ALLOWED_NETWORKS")
        ]
        return cls(endpoints, networks)

    def refusal(self, address: str, port: int) -> str | None:
        """None when a connection to `address`:`port` is allowed, else why not. Port 0 is
        a resolution without a port (`reactor.resolve`): the address alone is judged."""
        reason = forbidden_reason(address)
        if reason is None:
            return None
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip == a and port in (p, 0) for a, p in self.allowed_endpoints):
            return None
        if any(ip in network for network in self.allowed_networks):
            return None
        return reason


# Host → reason of its last refusal, for the middleware that counts refused requests.
_REFUSED: OrderedDict[str, str] = OrderedDict()
_REFUSED_KEPT = 4096


def refusal_reason(host: str) -> str | None:
    """Why the resolver last refused every address of `host` (None: it did not)."""
    return _REFUSED.get(host.lower())


def _remember_refusal(host: str, reason: str) -> None:
    _REFUSED[host.lower()] = reason
    _REFUSED.move_to_end(host.lower())
    while len(_REFUSED) > _REFUSED_KEPT:
        _REFUSED.popitem(last=False)


@implementer(IResolutionReceiver)
class _FilteringReceiver:
    """Passes on the addresses the policy allows; remembers why the others were refused."""

    # Interfaces are typed Any: mypy reads zope Interface methods without `self`.
    def __init__(self, receiver: Any, host: str, port: int, policy: AddressPolicy) -> None:
        self.receiver, self.host, self.port, self.policy = receiver, host, port, policy
        self.passed = 0
        self.refused: list[str] = []

    def resolutionBegan(self, resolution: Any) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: Any) -> None:
        reason = self.policy.refusal(getattr(address, "host", ""), self.port)
        if reason is None:
            self.passed += 1
            self.receiver.addressResolved(address)
        else:
            self.refused.append(reason)

    def resolutionComplete(self) -> None:
        if self.refused and not self.passed:
            _remember_refusal(self.host, self.refused[0])
        self.receiver.resolutionComplete()


@implementer(IHostnameResolver)
class GuardedResolver:
    """Scrapy's caching resolver (IPv4 and IPv6) with every answer filtered by the
    `AddressPolicy`. Set as `TWISTED_DNS_RESOLVER`; Scrapy builds it once per process."""

    def __init__(self, inner: Any, reactor: Any, policy: AddressPolicy) -> None:
        self.inner = inner
        self.reactor = reactor
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        # `crawler` is the CrawlerProcess here (Scrapy builds resolvers per process): only
        # its settings are used.
        inner = CachingHostnameResolver.from_crawler(crawler, reactor)
        return cls(inner, reactor, AddressPolicy.from_settings(crawler.settings))

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(
        self,
        resolutionReceiver: Any,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> Any:
        receiver = _FilteringReceiver(resolutionReceiver, hostName, portNumber, self.policy)
        return self.inner.resolveHostName(
            receiver, hostName, portNumber, addressTypes, transportSemantics
        )
