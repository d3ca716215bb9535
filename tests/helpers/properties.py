"""How many examples a property test draws: its full count in the thorough tier, fewer (a tenth,
at least 50, unless the test says) in `make test`.

`make test` stays honest (every property runs, on fresh examples each time); `make
test-thorough` (which CI runs) sets PODBOT_THOROUGH=1 and runs the tests marked `thorough` at the
count they were written with.
"""

from __future__ import annotations

import os

THOROUGH = os.environ.get("PODBOT_THOROUGH", "") not in ("", "0")


def examples(full: int, quick: int | None = None) -> int:
    """`full` in the thorough tier; otherwise `quick`, by default a tenth of `full`, at least
    50 (never more than `full`)."""
    if THOROUGH:
        return full
    return min(full, quick if quick is not None else max(50, full // 10))
