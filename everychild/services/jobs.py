"""Periodic service work for ``everychild tick`` (each run idempotent)."""

from everychild.services.services import escalate_unanswered

__all__ = ["escalate_unanswered"]
