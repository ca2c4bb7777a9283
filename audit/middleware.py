"""Where a request came from, for the access-log rows its services write."""

from core.net import client_address

from .services import current_ip


class AccessContextMiddleware:
    """Remembers the client address of the request for the access log (core.net)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
