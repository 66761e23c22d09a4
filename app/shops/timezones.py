"""A shop's time zone: owners and shoppers read and type times in it (deadlines, when an
order was placed, the days an order search covers); the database keeps UTC.

The IANA names come from the `tzdata` package when the system has no zone database, so a
fresh machine (or Windows) knows them too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import get_timezone_location

from app.errors import DomainError
from app.i18n import _, current_language

DEFAULT_ZONE = "UTC"
# Aliases and legacy names a person would not choose from a list.
_NOT_OFFERED = ("Etc/", "SystemV/", "US/", "posix", "right/", "Canada/", "Brazil/", "Chile/", "Mexico/")


@cache
def zone_choices() -> tuple[str, ...]:
    """The zones an owner chooses from: "Area/City" names, sorted, and UTC."""
    names = sorted(name for name in available_timezones()
                   if "/" in name and not name.startswith(_NOT_OFFERED))
    return ("UTC", *names)


def zone_options(language: str | None = None) -> list[tuple[str, str]]:
    """(name, label) for the time-zone list, in `language` (the reader's): "America/New York" /
    "美国（纽约）时间 · America/New_York"."""
    return _zone_options(language or current_language())


@cache
def _zone_options(language: str) -> list[tuple[str, str]]:
    if language == "en":
        return [(name, name.replace("_", " ")) for name in zone_choices()]
    return [(name, name if name == "UTC" else f"{get_timezone_location(name, locale=language)} · {name}")
            for name in zone_choices()]


def zone_city(name: str | None) -> str:
    """A zone as its reader says "... time": "Shanghai" / "上海"; UTC as it is."""
    if not name or name == "UTC":
        return "UTC"
    return get_timezone_location(name, locale=current_language(), return_city=True)


@cache
def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def shop_today(timezone: str | None, now: datetime | None = None) -> date:
    """The day it is on a shop's clock (now, or at `now`)."""
    return (now or datetime.now(UTC)).astimezone(zone(timezone)).date()


def valid_zone(name) -> str:
    name = str(name or "").strip()
    if name not in zone_choices():
        raise DomainError(_('Choose your time zone from the list (the city nearest you).'), field="timezone")
    return name


def local(moment: datetime | None, shop) -> datetime | None:
    """A stored (UTC) moment as the shop's clock shows it."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(getattr(shop, "timezone", None)))


def from_local(wall_clock: datetime, shop) -> datetime:
    """A time typed on the shop's clock (no zone), as the UTC moment to store."""
    if wall_clock.tzinfo is not None:
        return wall_clock.astimezone(UTC)
    return wall_clock.replace(tzinfo=zone(getattr(shop, "timezone", None))).astimezone(UTC)
