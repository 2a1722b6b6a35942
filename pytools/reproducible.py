"""The build time written into archives: SOURCE_DATE_EPOCH (https://reproducible-builds.org/specs/source-date-epoch/)
when it is set, so that equal inputs give equal wheels and sdists."""

from __future__ import annotations

import os
import re

from .errors import AotWheelError

VARIABLE = "SOURCE_DATE_EPOCH"


def source_date_epoch() -> int | None:
    """The seconds since 1970 that SOURCE_DATE_EPOCH holds; None when it is unset or blank (the
    archive then takes the current time). Anything but a non-negative integer in ASCII digits,
    as `date +%s` prints it, is refused: a mistyped value must not give a silently different build."""
    value = os.environ.get(VARIABLE)
    if value is None or not value.strip():
        return None
    if not re.fullmatch(r"[0-9]+", value.strip()):
        raise AotWheelError(
            f"{VARIABLE}={value!r} is not a time: give the seconds since 1970-01-01 UTC as an integer "
            "(as `date +%s` prints it), or unset it"
        )
    return int(value.strip())
