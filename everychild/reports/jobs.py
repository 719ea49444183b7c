"""Periodic reporting work for ``everychild tick`` (each run idempotent)."""

from everychild.reports.services import escalate_missed, route_unrouted

__all__ = ["escalate_missed", "route_unrouted"]
