"""Money amounts as users type them in `/proc` (SPEC §3) and as the bot shows them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

__all__ = [
    "ISO_4217_CODES",
    "MAX_AMOUNT",
    "AmountError",
    "Money",
    "format_money",
    "format_percent",
    "parse_amount",
]

# The largest amount a user may type; anything bigger is a typo, not a SaaS deal.
MAX_AMOUNT = Decimal(10) ** 12

# Active ISO 4217 codes, so `UDS 40k` is caught as a typo instead of becoming a currency.
_ISO_4217_TEXT = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS
    TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF
    YER ZAR ZMW ZWG ZWL
"""
ISO_4217_CODES = frozenset(_ISO_4217_TEXT.split())

_SYMBOL_TO_CODE = {"$": "USD", "€": "EUR", "£": "GBP", "₹": "INR", "¥": "JPY"}
_CODE_TO_SYMBOL = {code: symbol for symbol, code in _SYMBOL_TO_CODE.items()}
_SCALES = {"k": Decimal(1_000), "m": Decimal(1_000_000)}
_CENT = Decimal("0.01")

_CURRENCY_FORMAT = re.compile(r"[A-Z]{3}")
_SYMBOLS = re.escape("".join(_SYMBOL_TO_CODE))
# Currency markers around one unsigned number; the markers are checked afterwards (at most
# one is allowed) so that `$ EUR 5`, `$$5` or `EURO 5` get a precise message instead of a
# generic one.
_AMOUNT = re.compile(
    rf"""
    \s*
    (?P<before>(?:(?:[{_SYMBOLS}]|[A-Za-z]++)\s*)*)
    (?P<int>[0-9][0-9,]*)
    (?:\.(?P<frac>[0-9]+))?
    (?:\s*(?P<scale>[kKmM]))?
    (?P<after>(?:\s*[{_SYMBOLS}]|\s+[A-Za-z]++)*)
    \s*
    """,
    re.VERBOSE,
)
_MARKER = re.compile(rf"[{_SYMBOLS}]|[A-Za-z]+")
_MINUS = re.compile(r"[-−–]")
_WESTERN_GROUPS = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+")
# Lakh grouping (5,00,000), which Indian teams write whatever the currency.
_INDIAN_GROUPS = re.compile(r"[1-9][0-9]?(?:,[0-9]{2})*,[0-9]{3}")
_MAX_TEXT = 64
_HOW_TO_WRITE = "write it like 48000, 48,000, $48,000.50, 48k, 1.2m or EUR 40k"


class AmountError(ValueError):
    """An amount a user typed that is not a valid amount of money."""


@dataclass(frozen=True)
class Money:
    """An exact amount of money in one ISO 4217 currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money amount must be a Decimal, not {type(self.amount).__name__}")
        if not self.amount.is_finite():
            raise ValueError(f"Money amount must be finite, not {self.amount}")
        if not isinstance(self.currency, str) or not _CURRENCY_FORMAT.fullmatch(self.currency):
            raise ValueError(f"Money currency must be 3 upper-case letters, not {self.currency!r}")

    def __str__(self) -> str:
        return format_money(self)


def parse_amount(text: str, default_currency: str) -> Money:
    """Parse an amount typed by a user (`48k`, `$48,000.50`, `EUR 40k`, …) into exact Money."""
    stripped = text.strip()
    if not stripped:
        raise AmountError(f"An amount is missing; {_HOW_TO_WRITE}.")
    if len(stripped) > _MAX_TEXT:
        raise AmountError(f"{_quote(stripped)} is not an amount; {_HOW_TO_WRITE}.")
    match = _AMOUNT.fullmatch(stripped)
    if match is None:
        if _is_negative(stripped):
            raise AmountError(f"{_quote(stripped)} is negative; amounts must be 0 or more.")
        raise AmountError(f"{_quote(stripped)} is not an amount; {_HOW_TO_WRITE}.")

    currency = _currency(stripped, match["before"] + " " + match["after"], default_currency)
    digits = _ungrouped(stripped, match["int"])
    frac = match["frac"] or ""
    scale = match["scale"]
    # A European `48.000` means forty-eight thousand: never read 3+ written decimals as cents.
    if scale is None and len(frac) > 2:
        raise AmountError(
            f"{_quote(stripped)} has more than 2 decimal places; amounts are exact to the "
            "cent (and use commas, not dots, between thousands)."
        )
    with localcontext() as ctx:
        ctx.prec = 2 * _MAX_TEXT  # exact for any text we accept
        value = Decimal(f"{digits}.{frac or 0}")
        if scale is not None:
            value *= _SCALES[scale.lower()]
        if value > MAX_AMOUNT:
            raise AmountError(f"{_quote(stripped)} is too large; amounts go up to {MAX_AMOUNT:,f}.")
        cents = value.quantize(_CENT)
        if cents != value:
            raise AmountError(
                f"{_quote(stripped)} is {value.normalize():f}, which has more than 2 decimal "
                "places; amounts are exact to the cent."
            )
    canonical = cents.quantize(Decimal(1)) if cents == cents.to_integral_value() else cents
    return Money(canonical, currency)


def format_money(m: Money) -> str:
    """Show Money the way a procurement team writes it: `$48,000`, `€1,200.50`, `CHF 900`."""
    with localcontext() as ctx:
        ctx.prec = max(2 * _MAX_TEXT, m.amount.adjusted() + 8)
        cents = abs(m.amount).quantize(_CENT, rounding=ROUND_HALF_UP)
        whole = cents == cents.to_integral_value()
        number = f"{cents:.0f}" if whole else f"{cents:.2f}"
    integer, _, frac = number.partition(".")
    grouped = _group_digits(integer, lakhs=m.currency == "INR")
    body = f"{grouped}.{frac}" if frac else grouped
    symbol = _CODE_TO_SYMBOL.get(m.currency)
    marked = f"{symbol}{body}" if symbol else f"{m.currency} {body}"
    return f"-{marked}" if m.amount < 0 and cents else marked


# An amount this many times the request's, or under this fraction of it, is likely a slip
# (`1.2m` for `1.2k`, a missing zero): asked to be confirmed before it is written (SPEC §4).
SCALE_LIMIT = Decimal(10)


def out_of_scale(amount: Money, reference: Money | None) -> str | None:
    """How `amount` compares with `reference` when it is more than SCALE_LIMIT times it or
    under a SCALE_LIMIT-th of it (`25×`, `1/40 of`); None when in scale, or when there is
    nothing to compare (no reference, a zero, another currency: never converted)."""
    if reference is None or reference.currency != amount.currency:
        return None
    if reference.amount <= 0 or amount.amount <= 0:
        return None
    ratio = amount.amount / reference.amount
    if ratio > SCALE_LIMIT:
        return f"{ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP):,f}×"
    if ratio < 1 / SCALE_LIMIT:
        return f"1/{(1 / ratio).quantize(Decimal(1), rounding=ROUND_HALF_UP):,f} of"
    return None


def format_percent(value: Decimal) -> str:
    """Show a percentage (in percent units, 18.25 → `18.3%`) to one decimal place, half up."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"format_percent needs a Decimal, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"format_percent needs a finite number, not {value}")
    with localcontext() as ctx:
        ctx.prec = max(2 * _MAX_TEXT, value.adjusted() + 8)
        rounded = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no `-0.0%`
    return f"{rounded:f}%"


def _currency(text: str, markers: str, default_currency: str) -> str:
    """Resolve the currency named by the symbols and codes around the number."""
    codes: list[str] = []
    for marker in _MARKER.findall(markers):
        if marker in _SYMBOL_TO_CODE:
            codes.append(_SYMBOL_TO_CODE[marker])
            continue
        code = marker.upper()
        if len(code) != 3:
            raise AmountError(
                f"{_quote(text)} has `{marker}` where a 3-letter currency code like EUR "
                "belongs; write it like EUR 40k."
            )
        if code not in ISO_4217_CODES:
            raise AmountError(
                f"{_quote(text)} names `{marker}`, which is not an ISO currency code; "
                "use one like USD, EUR, GBP or INR."
            )
        codes.append(code)
    distinct = list(dict.fromkeys(codes))
    if len(distinct) > 1:
        raise AmountError(
            f"{_quote(text)} names more than one currency ({', '.join(distinct)}); use one."
        )
    # SPEC §3 allows one currency marker: `$$48` or `USD USD 48` is a slip, and guessing what
    # was meant could as well be wrong (`$$$1m` is not obviously a million dollars).
    if len(codes) > 1:
        raise AmountError(
            f"{_quote(text)} writes the currency more than once; write it once, "
            "like $48,000 or EUR 40k."
        )
    if distinct:
        return distinct[0]
    if not isinstance(default_currency, str) or not _CURRENCY_FORMAT.fullmatch(default_currency):
        raise ValueError(f"default_currency must be 3 upper-case letters, not {default_currency!r}")
    return default_currency


def _ungrouped(text: str, integer: str) -> str:
    """Return the integer digits without commas, if the commas group them correctly."""
    if "," not in integer:
        return integer
    if _WESTERN_GROUPS.fullmatch(integer) or _INDIAN_GROUPS.fullmatch(integer):
        return integer.replace(",", "")
    raise AmountError(
        f"{_quote(text)} has misplaced commas; group digits in threes like 48,000 "
        "(or in lakhs like 4,80,000)."
    )


def _group_digits(integer: str, *, lakhs: bool) -> str:
    """Group digits in threes (1,234,567) or, for lakhs, the Indian way (12,34,567)."""
    head, groups = integer[:-3], [integer[-3:]]
    width = 2 if lakhs else 3
    while head:
        head, group = head[:-width], head[-width:]
        groups.append(group)
    return ",".join(reversed(groups))


def _is_negative(text: str) -> bool:
    """Tell whether text is an amount with a minus sign somewhere before its digits."""
    minus = _MINUS.search(text)
    if minus is None or any(c in "0123456789" for c in text[: minus.start()]):
        return False
    return _AMOUNT.fullmatch(text[: minus.start()] + text[minus.end() :]) is not None


def _quote(text: str) -> str:
    """Echo user text back as one line of inline code, shortened, with its backticks defused."""
    shown = text if len(text) <= 40 else text[:39] + "…"
    return "`" + "".join(" " if c.isspace() else c for c in shown).replace("`", "'") + "`"
