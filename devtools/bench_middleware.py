"""What the pages benchmark reads from every response (devtools.bench_settings only, never in
production): the time the request spent inside Django and the queries it made."""

import time
from contextlib import ExitStack

from django.db import connections

SERVER_TIMING = "Server-Timing"
QUERIES = "X-Bench-Queries"


class ServerTimingMiddleware:
    """The outermost middleware: `Server-Timing: app;dur=<ms>` from the first middleware in to the
    last one out (sessions, authentication, the view, the template, the access-log row), and
    `X-Bench-Queries: <n>`, the statements run on every database connection meanwhile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(count))
            response = self.get_response(request)
        response[SERVER_TIMING] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        response[QUERIES] = str(queries)
        return response
