"""Thin browser views: parse input, call a selector or service, render. One module a page.

Every case and item is fetched through sharing.permissions (get_visible_or_404), and every
annotation, attachment and share through its visible parent (get_child_or_404): what an agency
may not see is a 404, the same as what does not exist. A page that changes something checks the
level inside the service; a viewer asking to edit gets a 403 only for objects it can already see.
"""
