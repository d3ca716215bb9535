"""What podbot writes into a modal's `private_metadata` or a button's `value`, and reads back.

One frozen dataclass per context (`RequestForm`, `IntakeForm`, `RejectForm`, `TermForm`,
`CheckinShare`, `ConfirmValue`): `dumps()` writes it, `loads(raw, source=…, refusal=…)` reads it
back. Slack hands these back as podbot wrote them, so anything else (not JSON, not an object, a
key missing or of the wrong type) comes from a forged or damaged payload: refused with `refusal`
(one sentence for the person) and one warning line naming `source`, never a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Self

from bot.errors import Refusal

log = logging.getLogger(__name__)

# The keys of a context podbot wrote and the JSON type(s) each holds.
Shape = Mapping[str, type | tuple[type, ...]]


def read_context(
    raw: object, *, source: str, refusal: str, required: Shape, optional: Shape | None = None
) -> dict[str, Any]:
    """The JSON object podbot wrote, read back: `required` keys present and `optional` ones
    absent or of their type; refused (`refusal`, one warning naming `source`) otherwise."""
    context, problem = _decode_context(raw, required, optional or {})
    if problem is None:
        return context
    log.warning("refused %s: %s", source, problem, extra={"source": source})
    raise Refusal(refusal)


def _decode_context(
    raw: object, required: Shape, optional: Shape
) -> tuple[dict[str, Any], str | None]:
    """`raw` decoded, and what is wrong with it as a context of this shape (None: nothing)."""
    if not isinstance(raw, str):
        return {}, f"it is a {type(raw).__name__}, not a string"
    try:
        context = json.loads(raw)
    except (ValueError, RecursionError):
        return {}, "it is not JSON"
    if not isinstance(context, dict):
        return {}, f"it is JSON but not an object (a {type(context).__name__})"
    for key, kinds in (*required.items(), *optional.items()):
        if key not in context:
            if key in required:
                return context, f"it has no {key!r}"
            continue
        # Exact types: json.loads makes only these, and True is not a request number.
        if type(context[key]) not in (kinds if isinstance(kinds, tuple) else (kinds,)):
            return context, f"its {key!r} is a {type(context[key]).__name__}"
    return context, None


@dataclass(frozen=True)
class _Context:
    REQUIRED: ClassVar[Shape] = {}
    OPTIONAL: ClassVar[Shape] = {}
    # Keys written even when None (their readers tell "not given" from "none").
    ALWAYS: ClassVar[tuple[str, ...]] = ()

    def dumps(self) -> str:
        kept = set(self.REQUIRED) | set(self.ALWAYS)
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None or k in kept})

    @classmethod
    def loads(cls, raw: object, *, source: str, refusal: str) -> Self:
        data = read_context(
            raw, source=source, refusal=refusal, required=cls.REQUIRED, optional=cls.OPTIONAL
        )
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class RequestForm(_Context):
    """A modal about one request (the card's forms, the update form), and where its answer
    goes: `channel` (and `thread`, when said in one). From the Log as update shortcut it also
    links the message (`link`), and with several requests to choose from names none
    (`choose`: the form has a picker)."""

    request: int | None = None
    channel: str = ""
    link: str | None = None
    thread: str | None = None
    choose: bool | None = None

    REQUIRED: ClassVar[Shape] = {"request": int, "channel": str}
    # The update form's: `request` may be None (a picker), and the shortcut's extras.
    UPDATE_REQUIRED: ClassVar[Shape] = {"request": (int, type(None)), "channel": str}
    UPDATE_OPTIONAL: ClassVar[Shape] = {"choose": bool, "link": (str, type(None)), "thread": str}

    @classmethod
    def loads_update(cls, raw: object, *, source: str, refusal: str) -> RequestForm:
        """The update form's context (the command's, the card's, the shortcut's)."""
        data = read_context(
            raw, source=source, refusal=refusal,
            required=cls.UPDATE_REQUIRED, optional=cls.UPDATE_OPTIONAL,
        )  # fmt: skip
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class IntakeForm(_Context):
    """The intake modal: the POD it was opened for and where its answer goes."""

    pod: str = ""
    channel: str = ""

    REQUIRED: ClassVar[Shape] = {"channel": str}
    ALWAYS: ClassVar[tuple[str, ...]] = ("pod",)


@dataclass(frozen=True)
class RejectForm(_Context):
    """The rejection modal of a savings claim, and where the Reject click was."""

    claim: int = 0
    channel: str = ""
    thread_ts: str | None = None

    REQUIRED: ClassVar[Shape] = {"claim": int}
    ALWAYS: ClassVar[tuple[str, ...]] = ("channel", "thread_ts")


@dataclass(frozen=True)
class TermForm(_Context):
    """The new-term modal of a won request."""

    request: int = 0

    REQUIRED: ClassVar[Shape] = {"request": int}


@dataclass(frozen=True)
class CheckinShare(_Context):
    """The check-in pack's Share button: the customer whose pack it shares."""

    customer: str = ""

    REQUIRED: ClassVar[Shape] = {"customer": str}


@dataclass(frozen=True)
class ConfirmValue(_Context):
    """ "Yes, log it": the command to run again confirmed, once per `once`."""

    command: str = ""
    args: str = ""
    once: str = ""

    REQUIRED: ClassVar[Shape] = {"command": str, "args": str, "once": str}
