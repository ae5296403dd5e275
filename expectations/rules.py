"""The rules the suites encode: value rules and the ``mostly`` thresholds (type map: ``common.json_types``).

Everything here is data. ``suites.py`` turns it (plus the spec seed) into suite JSON; nothing reads
these tables at validation time except through the generated suites.
"""

from __future__ import annotations

import re

# --- mostly thresholds ------------------------------------------------------------------------
# Three levels, one per kind of guarantee (expectations/README.md explains them):

#: What the loader guarantees (keys, NOT NULL columns). Any exception is a loader bug.
LOADER_GUARANTEE = 1.0
#: What Rasa's own code guarantees (types, fixed value sets, non-negative counts). Rasa's Segment write
#: key ships inside the package, so anyone can send junk under it; up to 1 message in 1,000 may be junk
#: before the run fails. A release that changes a type crosses this within days.
SENDER_GUARANTEE = 0.999
#: Values a user types on the command line and Rasa forwards unchecked (``--training-fraction``).
USER_INPUT = 0.99

_COUNT = re.compile(r"^(num_.+|number_of_.+|.+_count|count)$")


def is_count(prop: str, json_type: str) -> bool:
    """Counts (``num_*``, ``number_of_*``, ``*_count``, ``count``) and ``runtime`` must be >= 0."""
    return json_type == "integer" and (prop == "runtime" or _COUNT.match(prop) is not None)


#: ``(min, max, strict_min, mostly, why)`` for numeric properties with a bounded range.
RANGES: dict[str, tuple[float, float, bool, float, str]] = {
    "fraction": (
        0.0,
        1.0,
        True,
        USER_INPUT,
        "The share of examples kept for training is in (0, 1]. Rasa passes --training-fraction on "
        "unchecked, so a user's typo (80 for 0.8) lands here: up to 1% is tolerated.",
    ),
}
