"""Which requests are a person at work: a page's own background refresh (the navigation's
unread count, polled every 20 s) is not, so that it neither keeps an idle session open nor
counts as activity. Views mark themselves with `@passive`; the session limits read the mark."""


def passive(view):
    """Mark a view as a background refresh: its requests do not count as activity."""
    view.keeps_session_idle = True
    return view


def is_passive(view):
    return getattr(view, "keeps_session_idle", False)
