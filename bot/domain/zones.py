"""Which time zones a person may choose: real IANA area/city zones, plus UTC.

The list comes from the tzdata package the bot installs, not from the host: a zone the
host knows but the wheel does not (`localtime`, a distribution's extras) would load here and
fail on another machine, and the reminder sweep reads every person's zone. Links such as
`US/Eastern` or `Factory` are not area/city names and are refused.
"""

from __future__ import annotations

import functools
from importlib import resources
from zoneinfo import ZoneInfo

# The continents and oceans of the IANA database; `Etc`, `US`, `Brazil` and the like are
# backward-compatibility links or fixed offsets, not places.
AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
UTC_NAME = "UTC"


@functools.cache
def accepted_zones() -> frozenset[str]:
    """Return every zone name a person may choose."""
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(name for name in listed if "/" in name and name.split("/", 1)[0] in AREAS) | {
        UTC_NAME
    }


@functools.cache
def _by_lower_case() -> dict[str, str]:
    return {zone.lower(): zone for zone in accepted_zones()}


def valid_zone(name: str) -> str | None:
    """Return the canonical spelling of an accepted zone name typed in any case, or None."""
    wanted = name.strip().replace(" ", "_").lower()
    return _by_lower_case().get(wanted) if wanted else None


def is_accepted(name: str) -> bool:
    """Return whether a stored zone name is one a person may have (exact spelling)."""
    return name in accepted_zones()


def zone_at(latitude: float, longitude: float) -> str | None:
    """Return the IANA zone at a place, from the offline boundary data of tzfpy."""
    from tzfpy import get_tz  # imported here: loading the boundary data takes a moment

    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    name = get_tz(longitude, latitude)
    return valid_zone(name) if name else None


def zone_info(name: str) -> ZoneInfo:
    """Return the zone of an accepted name; raise ValueError for any other."""
    if not is_accepted(name):
        raise ValueError(f"not an accepted time zone: {name[:64]!r}")
    return ZoneInfo(name)
