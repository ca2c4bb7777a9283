"""The demo network of `manage.py seed_demo`: data (network, stories) and seeding (seeding)."""

from .network import DEMO_PASSWORD
from .seeding import demo_logins, demo_totals, seed_demo

__all__ = ["DEMO_PASSWORD", "demo_logins", "demo_totals", "seed_demo"]
