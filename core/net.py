"""Where a request comes from: the one place that reads the client's address.

Behind the reverse proxy the README prescribes, REMOTE_ADDR is the proxy. The address the proxy
reports in X-Forwarded-For is believed only when the request comes from a proxy named in
FORWARDED_ALLOW_IPS (addresses or networks, comma-separated; `*` trusts every sender, as
gunicorn's setting of the same name does), and then only the part of the header that trusted
proxies added: the rightmost address that is not itself a trusted proxy. A client cannot forge
its address by sending the header itself.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _trusted(entries):
    if "*" in entries:
        return None  # every sender
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return tuple(networks)


def _parse(text):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address, trusted):
    return trusted is None or any(address in network for network in trusted)


def client_address(request):
    """The client's IP address as text, or None when there is none to tell."""
    remote = _parse(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    trusted = _trusted(tuple(getattr(settings, "FORWARDED_ALLOW_IPS", ())))
    if not _is_trusted(remote, trusted):
        return str(remote)
    forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if trusted is None:  # `*`: the sender is a proxy, and what it appended is the client
        address = _parse(forwarded[-1]) if forwarded else None
        return str(address or remote)
    for part in reversed(forwarded):
        address = _parse(part)
        if address is None:
            return str(remote)  # a header no trusted proxy wrote: believe none of it
        if not _is_trusted(address, trusted):
            return str(address)
    return str(remote)
