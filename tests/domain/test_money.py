"""Amounts as SPEC §3 lets users type them, and Money as the bot shows it."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money import (
    ISO_4217_CODES,
    MAX_AMOUNT,
    AmountError,
    Money,
    format_money,
    format_percent,
    parse_amount,
)


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the SPEC §3 forms
        ("48000", usd("48000")),
        ("48,000", usd("48000")),
        ("$48,000.50", usd("48000.50")),
        ("48k", usd("48000")),
        ("1.2m", usd("1200000")),
        ("EUR 40k", Money(Decimal("40000"), "EUR")),
        # their neighbours
        ("48K", usd("48000")),
        ("1.5M", usd("1500000")),
        ("48 k", usd("48000")),
        ("40k EUR", Money(Decimal("40000"), "EUR")),
        ("EUR40k", Money(Decimal("40000"), "EUR")),
        ("€40k", Money(Decimal("40000"), "EUR")),
        ("£1,200", Money(Decimal("1200"), "GBP")),
        ("¥1,200", Money(Decimal("1200"), "JPY")),
        ("₹5,00,000", Money(Decimal("500000"), "INR")),
        ("INR 1,23,45,678.50", Money(Decimal("12345678.50"), "INR")),
        ("usd 48000", usd("48000")),
        ("Chf 900", Money(Decimal("900"), "CHF")),
        ("$ 48,000", usd("48000")),
        ("  48k  ", usd("48000")),
        ("1,200k", usd("1200000")),
        ("1.2345k", usd("1234.50")),
        ("0", usd("0")),
        ("0.5", usd("0.50")),
        ("1000000000000", usd("1000000000000")),
        ("1000000m", usd("1000000000000")),
    ],
)
def test_parse_amount_accepts(text: str, expected: Money) -> None:
    assert parse_amount(text, "USD") == expected


def test_amount_without_currency_takes_the_pods_default() -> None:
    assert parse_amount("40k", "EUR") == Money(Decimal("40000"), "EUR")
    assert parse_amount("$40k", "EUR") == usd("40000")


def test_scaled_amounts_are_exact_decimals_not_floats() -> None:
    assert parse_amount("1.2m", "USD").amount.as_tuple() == Decimal("1200000").as_tuple()
    assert parse_amount("0.1k", "USD").amount.as_tuple() == Decimal("100").as_tuple()
    assert parse_amount("$48,000.50", "USD").amount.as_tuple() == Decimal("48000.50").as_tuple()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "An amount is missing"),
        ("   ", "An amount is missing"),
        ("48kk", "`48kk` is not an amount; write it like 48000"),
        ("-5", "is negative"),
        ("-$48,000", "is negative"),
        ("$-48,000", "is negative"),
        ("−5", "is negative"),
        ("5-", "is not an amount"),
        ("(48000)", "is not an amount"),
        ("+5", "is not an amount"),
        ("4,80,00", "misplaced commas"),
        ("48,00", "misplaced commas"),
        ("1,2m", "misplaced commas"),
        ("1,0000", "misplaced commas"),
        (",48000", "is not an amount"),
        ("0,480", "misplaced commas"),
        ("0.001", "more than 2 decimal places"),
        ("48.000", "more than 2 decimal places"),
        ("48,000.505", "more than 2 decimal places"),
        ("1.23456789k", "more than 2 decimal places"),
        ("$ EUR 5", "more than one currency (USD, EUR)"),
        ("EUR 5 GBP", "more than one currency (EUR, GBP)"),
        ("€5 USD", "more than one currency (EUR, USD)"),
        # SPEC §3: one currency marker, never repeated
        ("$$48", "writes the currency more than once"),
        ("$$$1m", "writes the currency more than once"),
        ("USD USD 48", "writes the currency more than once"),
        ("usd USD 48", "writes the currency more than once"),
        ("48 USD USD", "writes the currency more than once"),
        ("$USD 48", "writes the currency more than once"),
        ("$48,000 USD", "writes the currency more than once"),
        ("$48$", "writes the currency more than once"),
        ("€ € 5", "writes the currency more than once"),
        ("EUR 40k EUR", "writes the currency more than once"),
        ("EURO 5", "3-letter currency code"),
        ("US 5", "3-letter currency code"),
        ("UDS 5", "not an ISO currency code"),
        ("5 XYZ", "not an ISO currency code"),
        ("48MXN", "is not an amount"),
        ("1000000000000.01", "too large"),
        ("1001000m", "too large"),
        ("9" * 60, "too large"),
        ("1e5", "is not an amount"),
        ("1E5", "is not an amount"),
        ("NaN", "is not an amount"),
        ("inf", "is not an amount"),
        ("Infinity", "is not an amount"),
        ("48.", "is not an amount"),
        (".5", "is not an amount"),
        ("48 000", "is not an amount"),
        ("٤٨", "is not an amount"),
        ("forty", "is not an amount"),
        ("1" * 65, "is not an amount"),
    ],
)
def test_parse_amount_rejects(text: str, message: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(text, "USD")
    assert message in str(caught.value)


def test_rejection_is_one_sentence_that_shows_how_to_write_it() -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount("48kk", "USD")
    assert str(caught.value) == (
        "`48kk` is not an amount; write it like 48000, 48,000, $48,000.50, 48k, 1.2m or EUR 40k."
    )


def test_rejection_echoes_long_text_shortened_and_without_backticks() -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount("`" + "x" * 60, "USD")
    message = str(caught.value)
    assert message.startswith("`'xxx") and "…`" in message and message.count("`") == 2


def test_amount_error_is_a_value_error() -> None:
    assert issubclass(AmountError, ValueError)


@pytest.mark.parametrize("bad_default", ["usd", "US", "", "DOLLARS"])
def test_bad_default_currency_is_a_programming_error(bad_default: str) -> None:
    with pytest.raises(ValueError):
        parse_amount("48k", bad_default)


@pytest.mark.parametrize(
    ("money", "shown"),
    [
        (usd("48000"), "$48,000"),
        (usd("48000.00"), "$48,000"),
        (usd("48000.5"), "$48,000.50"),
        (usd("0"), "$0"),
        (usd("0.05"), "$0.05"),
        (usd("1234567.891"), "$1,234,567.89"),
        (usd("0.005"), "$0.01"),
        (usd("-1200"), "-$1,200"),
        (usd("-0.001"), "$0"),
        (Money(Decimal("40000"), "EUR"), "€40,000"),
        (Money(Decimal("1200"), "GBP"), "£1,200"),
        (Money(Decimal("1200"), "JPY"), "¥1,200"),
        (Money(Decimal("500000"), "INR"), "₹5,00,000"),
        (Money(Decimal("12345678.5"), "INR"), "₹1,23,45,678.50"),
        (Money(Decimal("999"), "INR"), "₹999"),
        (Money(Decimal("1200"), "CHF"), "CHF 1,200"),
        (Money(Decimal("1200.5"), "CHF"), "CHF 1,200.50"),
        (Money(Decimal("-1200.5"), "CHF"), "-CHF 1,200.50"),
    ],
)
def test_format_money(money: Money, shown: str) -> None:
    assert format_money(money) == shown
    assert str(money) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("18.25"), "18.3%"),
        (Decimal("18.24"), "18.2%"),
        (Decimal("18.35"), "18.4%"),
        (Decimal("-2.25"), "-2.3%"),
        (Decimal("-0.04"), "0.0%"),
        (Decimal("0"), "0.0%"),
        (Decimal("100"), "100.0%"),
        (Decimal("1E+3"), "1000.0%"),
        (7, "7.0%"),
    ],
)
def test_format_percent_rounds_half_up_to_one_place(value: Decimal, shown: str) -> None:
    assert format_percent(value) == shown


def test_format_percent_refuses_floats_and_nan() -> None:
    with pytest.raises(TypeError):
        format_percent(18.25)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        format_percent(Decimal("NaN"))


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(48000, "USD"), (48000.0, "USD"), (Decimal("NaN"), "USD"), (Decimal("1"), "usd")],
)
def test_money_refuses_floats_nan_and_bad_codes(amount: object, currency: str) -> None:
    with pytest.raises((TypeError, ValueError)):
        Money(amount, currency)  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------------

CENTS = st.integers(min_value=0, max_value=int(MAX_AMOUNT) * 100)
AMOUNTS = CENTS.map(lambda cents: Decimal(cents).scaleb(-2))
CURRENCIES = st.sampled_from(sorted(ISO_4217_CODES))


def plain(amount: Decimal) -> str:
    return f"{amount:f}"


def grouped(amount: Decimal) -> str:
    return f"{amount:,f}"


def lakhs(amount: Decimal) -> str:
    integer, _, frac = f"{amount:f}".partition(".")
    head, groups = integer[:-3], [integer[-3:]]
    while head:
        head, groups = head[:-2], [*groups, head[-2:]]
    return ",".join(reversed(groups)) + (f".{frac}" if frac else "")


def scaled(amount: Decimal, suffix: str, factor: int) -> str:
    return f"{(amount / factor).normalize():f}{suffix}"


@given(amount=AMOUNTS)
def test_every_written_style_of_an_amount_parses_back(amount: Decimal) -> None:
    unmarked = [
        plain(amount),
        grouped(amount),
        lakhs(amount),
        scaled(amount, "k", 1_000),
        scaled(amount, "K", 1_000),
        scaled(amount, "m", 1_000_000),
        scaled(amount, "M", 1_000_000),
    ]
    for text in unmarked:
        assert parse_amount(text, "GBP") == Money(amount, "GBP"), text
    marked = [
        "$" + grouped(amount),
        "$" + plain(amount),
        "USD " + grouped(amount),
        "usd " + plain(amount),
        grouped(amount) + " USD",
        "$" + scaled(amount, "M", 1_000_000),
        scaled(amount, "k", 1_000) + " USD",
    ]
    for text in marked:
        assert parse_amount(text, "GBP") == Money(amount, "USD"), text


# The ways of writing one currency's marker, and where a marker may stand around the number.
DOLLAR_MARKERS = st.sampled_from(["$", "USD", "usd", "Usd"])
MARKER_PLACES = st.sampled_from(["{m}{n}", "{m} {n}", "{n} {m}"])


def place(marker: str, where: str, text: str) -> str:
    """Put a marker before or after text; two codes are kept apart (`USDUSD` is one word)."""
    if where == "{m}{n}" and marker[-1].isalpha() and text[0].isalpha():
        where = "{m} {n}"
    return where.format(m=marker, n=text)


@given(amount=AMOUNTS, marker=DOLLAR_MARKERS, where=MARKER_PLACES)
def test_one_currency_marker_anywhere_is_read(amount: Decimal, marker: str, where: str) -> None:
    assert parse_amount(place(marker, where, grouped(amount)), "GBP") == Money(amount, "USD")


@given(
    amount=AMOUNTS,
    first=DOLLAR_MARKERS,
    second=DOLLAR_MARKERS,
    wheres=st.tuples(MARKER_PLACES, MARKER_PLACES),
    number=st.sampled_from([grouped, plain, lambda a: scaled(a, "k", 1_000)]),
)
def test_a_repeated_currency_marker_is_refused(
    amount: Decimal,
    first: str,
    second: str,
    wheres: tuple[str, str],
    number: Callable[[Decimal], str],
) -> None:
    text = place(second, wheres[1], place(first, wheres[0], number(amount)))
    with pytest.raises(AmountError) as caught:
        parse_amount(text, "USD")
    assert "writes the currency more than once" in str(caught.value), text


@given(amount=AMOUNTS, currency=CURRENCIES)
def test_code_prefixed_amounts_parse_back_in_any_currency(amount: Decimal, currency: str) -> None:
    assert parse_amount(f"{currency} {grouped(amount)}", "USD") == Money(amount, currency)
    assert parse_amount(f"{scaled(amount, 'k', 1000)} {currency}", "USD") == Money(amount, currency)


@given(amount=AMOUNTS, currency=st.sampled_from(["USD", "EUR", "GBP", "INR", "JPY", "CHF", "CAD"]))
def test_shown_money_parses_back_to_the_same_money(amount: Decimal, currency: str) -> None:
    money = Money(amount, currency)
    assert parse_amount(str(money), "USD") == money


@given(amount=AMOUNTS)
def test_parsed_amounts_are_canonical(amount: Decimal) -> None:
    parsed = parse_amount(grouped(amount), "USD").amount
    exponent = parsed.as_tuple().exponent
    assert exponent == (0 if amount == amount.to_integral_value() else -2)


AMOUNTISH = st.text(alphabet="0123456789,.kKmM$€£₹¥ EURusdx-−+eE", max_size=24)


@given(text=st.one_of(st.text(), AMOUNTISH))
def test_parse_amount_raises_only_amount_error(text: str) -> None:
    try:
        money = parse_amount(text, "USD")
    except AmountError as error:
        message = str(error)
        assert message.endswith(".") and "\n" not in message
    else:
        assert 0 <= money.amount <= MAX_AMOUNT
        assert money.amount == money.amount.quantize(Decimal("0.01"))
        assert money.currency in ISO_4217_CODES
