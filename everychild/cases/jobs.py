"""Periodic case-management work for ``everychild tick`` (each run idempotent)."""

from everychild.cases.services import escalate_overdue_steps

__all__ = ["escalate_overdue_steps"]
