"""Supplier portal fixtures."""

from __future__ import annotations

from tests.admin.conftest import admin

__all__ = ["admin"]
