"""Request keys as SPEC §2 lets users type them: `REQ-12`, `req-12` and `12`."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.request_keys import (
    MAX_REQUEST_NUMBER,
    RequestKeyError,
    format_request_key,
    parse_request_key,
)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("REQ-12", 12),
        ("req-12", 12),
        ("Req-12", 12),
        ("12", 12),
        ("#12", 12),
        ("  REQ-12 ", 12),
        ("REQ-1", 1),
        ("REQ-007", 7),
        (f"REQ-{MAX_REQUEST_NUMBER}", MAX_REQUEST_NUMBER),
    ],
)
def test_parse_request_key_accepts(text: str, number: int) -> None:
    assert parse_request_key(text) == number


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "A request key is missing"),
        ("   ", "A request key is missing"),
        ("0", "request numbers start at 1"),
        ("REQ-0", "request numbers start at 1"),
        ("REQ-", "`REQ-` is not a request key; write it like REQ-12 or 12."),
        ("REQ", "is not a request key"),
        ("REQ-1.5", "is not a request key"),
        ("1.5", "is not a request key"),
        ("-3", "is not a request key"),
        ("REQ--3", "is not a request key"),
        ("REQ-12x", "is not a request key"),
        ("xREQ-12", "is not a request key"),
        ("REQ-12 please", "is not a request key"),
        ("REQ 12", "is not a request key"),
        ("REQ12", "is not a request key"),
        ("RFQ-12", "is not a request key"),
        ("##12", "is not a request key"),
        ("#REQ-12", "is not a request key"),
        ("１２", "is not a request key"),
        ("٤٢", "is not a request key"),
        ("+12", "is not a request key"),
        ("12e3", "is not a request key"),
        (f"REQ-{MAX_REQUEST_NUMBER + 1}", "too large"),
        ("9" * 25, "is not a request key"),
    ],
)
def test_parse_request_key_rejects(text: str, message: str) -> None:
    with pytest.raises(RequestKeyError) as caught:
        parse_request_key(text)
    assert message in str(caught.value)


def test_request_key_error_is_a_value_error() -> None:
    assert issubclass(RequestKeyError, ValueError)


def test_format_request_key() -> None:
    assert format_request_key(12) == "REQ-12"


@pytest.mark.parametrize("number", [0, -1, MAX_REQUEST_NUMBER + 1])
def test_format_request_key_refuses_numbers_no_request_can_have(number: int) -> None:
    with pytest.raises(ValueError):
        format_request_key(number)


@pytest.mark.parametrize("number", [True, 12.0, "12"])
def test_format_request_key_refuses_non_ints(number: object) -> None:
    with pytest.raises(TypeError):
        format_request_key(number)  # type: ignore[arg-type]


NUMBERS = st.integers(min_value=1, max_value=MAX_REQUEST_NUMBER)


@given(number=NUMBERS)
def test_formatted_key_parses_back(number: int) -> None:
    assert parse_request_key(format_request_key(number)) == number


@given(number=NUMBERS)
def test_every_accepted_spelling_names_the_same_request(number: int) -> None:
    spellings = [f"REQ-{number}", f"req-{number}", f"Req-{number}", str(number), f"#{number}"]
    assert {parse_request_key(spelling) for spelling in spellings} == {number}


@given(text=st.one_of(st.text(), st.text(alphabet="REQreq-#0123456789. x", max_size=16)))
def test_parse_request_key_raises_only_request_key_error(text: str) -> None:
    try:
        number = parse_request_key(text)
    except RequestKeyError as error:
        assert str(error).endswith(".") and "\n" not in str(error)
    else:
        assert 1 <= number <= MAX_REQUEST_NUMBER
        assert parse_request_key(format_request_key(number)) == number
