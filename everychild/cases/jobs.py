"""Periodic case-management work for ``everychild tick`` (each run idempotent)."""

from everychild.cases.services import escalate_overdue

__all__ = ["escalate_overdue"]
