"""Where a webhook may be sent: public internet addresses only, and the connection made to the
very address that was checked.

A webhook URL is chosen by an agency admin, and the portal POSTs to it from inside its own
network. Left unchecked, that lets anyone with the role reach the portal's neighbours (the
database, Redis, a cloud's metadata service at 169.254.169.254) and read their answers in the
delivery log. So a destination is checked when it is registered and again at every delivery (a
name may resolve elsewhere later), every address the name resolves to must be public, and the
connection goes to the address that was checked: no second DNS lookup that an attacker's name
server could answer differently (DNS rebinding). The Host header, TLS SNI and the certificate
check still use the host name.

A partner system on a private network is reached only when the portal's operators list that
network in WEBHOOK_ALLOWED_PRIVATE_NETWORKS.
"""

import http.client
import ipaddress
import socket
import ssl

from django.conf import settings

NOT_PUBLIC = (
    "Webhooks are sent to public internet addresses only: {host} is, or resolves to, a "
    "loopback, private, link-local, unique-local, unspecified or otherwise reserved address. "
    "A partner system on a private network can be reached only if the portal's operators "
    "allow-list that network."
)


class DestinationRefused(ValueError):
    """The host is, or resolves to, an address the portal does not send webhooks to."""


def allowed_private_networks():
    return [ipaddress.ip_network(network, strict=False)
            for network in getattr(settings, "WEBHOOK_ALLOWED_PRIVATE_NETWORKS", [])]


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _plain(address):
    """The address to judge: an IPv4 address dressed as IPv6 (::ffff:127.0.0.1, 6to4, NAT64's
    64:ff9b::7f00:1) is judged as the IPv4 address it reaches."""
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def is_allowed(address):
    """Whether the portal may send a webhook to `address` (an IP address, text or object)."""
    address = _plain(ipaddress.ip_address(address))
    if any(address in network for network in allowed_private_networks()
           if network.version == address.version):
        return True
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
        or address.is_loopback or address.is_link_local or address.is_private
    )


def resolve(host, port):
    """Every address `host` resolves to, once, as getaddrinfo's (family, sockaddr) pairs.
    Raises DestinationRefused when any of them is not allowed, socket.gaierror when the name
    does not resolve."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    addresses = [(family, sockaddr) for family, _, _, _, sockaddr in found]
    if not addresses or not all(is_allowed(sockaddr[0]) for _, sockaddr in addresses):
        raise DestinationRefused(NOT_PUBLIC.format(host=host))
    return addresses


def _connect(addresses, timeout):
    """A socket connected to the first of the checked `addresses` that answers. The sockaddr is
    an IP address already: connecting to it makes no DNS lookup."""
    error = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except OSError as failed:
            sock.close()
            error = failed
    raise error


class PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to `host` (its Host header), over a connection to one of the checked `addresses`."""

    def __init__(self, host, port, *, addresses, timeout):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self):
        self.sock = _connect(self.addresses, self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `host`: connected to one of the checked `addresses`, with the host name as TLS
    SNI and as the name the certificate must carry."""

    def __init__(self, host, port, *, addresses, timeout):
        super().__init__(host, port, timeout=timeout, context=tls_context())
        self.addresses = addresses

    def connect(self):
        self.sock = self._context.wrap_socket(
            _connect(self.addresses, self.timeout), server_hostname=self.host
        )


def tls_context():
    """The system's trusted certificates, the host name checked (Python's defaults)."""
    return ssl.create_default_context()


def connection(scheme, host, port, *, timeout):
    """A connection to a checked address of `host`; raises DestinationRefused, or OSError when
    the name does not resolve."""
    addresses = resolve(host, port)
    pinned = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    return pinned(host, port, addresses=addresses, timeout=timeout)
