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

Connections are kept open between deliveries (`post`): a process keeps its idle connections by
(scheme, checked address, host name, port) and a delivery reuses one only when the address it
goes to is among those this delivery's own lookup just checked. The name is still resolved and
checked at every delivery; a reused connection carries the same Host header and was set up with
the same TLS server name and certificate check as a new one.
"""

import http.client
import ipaddress
import os
import select
import socket
import ssl
import threading
import time

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
    """A socket connected to the first of the checked `addresses` that answers, and that address.
    The sockaddr is an IP address already: connecting to it makes no DNS lookup."""
    error = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock, sockaddr[0]
        except OSError as failed:
            sock.close()
            error = failed
    raise error


class PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to `host` (its Host header), over a connection to one of the checked `addresses`;
    `peer` is the one it reached."""

    def __init__(self, host, port, *, addresses, timeout):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses
        self.peer = None

    def connect(self):
        self.sock, self.peer = _connect(self.addresses, self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to `host`: connected to one of the checked `addresses`, with the host name as TLS
    SNI and as the name the certificate must carry; `peer` is the address it reached."""

    def __init__(self, host, port, *, addresses, timeout):
        super().__init__(host, port, timeout=timeout, context=tls_context())
        self.addresses = addresses
        self.peer = None

    def connect(self):
        sock, self.peer = _connect(self.addresses, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def tls_context():
    """The system's trusted certificates, the host name checked (Python's defaults)."""
    return ssl.create_default_context()


def connection(scheme, host, port, *, timeout, addresses=None):
    """A new connection to a checked address of `host` (resolved and checked now unless the
    caller just did); raises DestinationRefused, or OSError when the name does not resolve."""
    if addresses is None:
        addresses = resolve(host, port)
    pinned = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    return pinned(host, port, addresses=addresses, timeout=timeout)


# Keeping connections open ----------------------------------------------------------------------

# An answer's body is read (and dropped) so that its connection can carry the next request; one
# longer than this, or of undeclared length, closes the connection instead of being read.
ANSWER_READ_LIMIT = 64 * 1024


class IdleConnections:
    """The idle keep-alive connections of this process, by (scheme, address, host, port): the
    address is the checked one the connection reached, the host the name it speaks to (Host
    header, TLS server name). A connection is lent to one delivery at a time."""

    def __init__(self, *, per_destination=4, idle_for=30.0):
        self.per_destination = per_destination
        self.idle_for = idle_for
        self.lock = threading.Lock()
        self.idle = {}  # key -> [(connection, since)]

    def take(self, scheme, host, port, addresses):
        """An idle connection to one of `addresses` (this delivery's checked ones), or None. One
        the partner closed meanwhile, or idle too long, is closed and skipped."""
        now = time.monotonic()
        with self.lock:
            for _, sockaddr in addresses:
                waiting = self.idle.get((scheme, sockaddr[0], host, port))
                while waiting:
                    pinned, since = waiting.pop()
                    if now - since < self.idle_for and not _dropped(pinned):
                        return pinned
                    pinned.close()
        return None

    def give_back(self, scheme, host, port, pinned):
        key = (scheme, pinned.peer, host, port)
        with self.lock:
            waiting = self.idle.setdefault(key, [])
            if len(waiting) < self.per_destination:
                waiting.append((pinned, time.monotonic()))
                return
        pinned.close()

    def forget(self):
        """Drop every idle connection without a word to the partner (after fork: the parent's
        sockets are not the child's to use)."""
        with self.lock:
            self.idle = {}

    def close_all(self):
        with self.lock:
            idle, self.idle = self.idle, {}
        for waiting in idle.values():
            for pinned, _ in waiting:
                pinned.close()


def _dropped(pinned):
    """Whether an idle connection was closed by the partner (or holds unasked-for bytes): either
    way it cannot carry the next request."""
    if pinned.sock is None:
        return True
    try:
        readable, _, _ = select.select([pinned.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


IDLE = IdleConnections()
os.register_at_fork(after_in_child=IDLE.forget)


def _exchange(pinned, method, path, body, headers):
    """One request and its answer on `pinned`; the answer's body is read so that the connection
    may be kept. Returns (status, reason, keep)."""
    pinned.request(method, path, body=body, headers=headers)
    response = pinned.getresponse()
    # Only a short body of declared length is read: a chunked or long one is not waited for,
    # and its connection is closed instead of kept.
    if response.length is not None and response.length <= ANSWER_READ_LIMIT:
        response.read()
    keep = not response.will_close and response.isclosed()
    return response.status, response.reason, keep


def post(scheme, host, port, *, path, body, headers, timeout):
    """POST to `host`: resolved and checked now, sent over an idle connection to one of the
    checked addresses if there is one, else over a new one. Returns (status, reason).

    Raises DestinationRefused (not a public address), or OSError / http.client.HTTPException
    (no answer). A reused connection that the partner closed before answering (a race every
    keep-alive client meets) is replaced by a new one once: the delivery id makes a repeat
    harmless. No redirect is followed: a 3xx is an answer like any other.
    """
    addresses = resolve(host, port)
    pinned = IDLE.take(scheme, host, port, addresses)
    if pinned is not None:
        pinned.timeout = timeout
        pinned.sock.settimeout(timeout)
        try:
            status, reason, keep = _exchange(pinned, "POST", path, body, headers)
        except ConnectionError:
            pinned.close()
            pinned = None
        except BaseException:
            pinned.close()
            raise
    if pinned is None:
        pinned = connection(scheme, host, port, timeout=timeout, addresses=addresses)
        try:
            status, reason, keep = _exchange(pinned, "POST", path, body, headers)
        except BaseException:
            pinned.close()
            raise
    if keep:
        IDLE.give_back(scheme, host, port, pinned)
    else:
        pinned.close()
    return status, reason
