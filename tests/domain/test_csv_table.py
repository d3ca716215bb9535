"""The CSV reader every import uses refuses a control character as commands do, naming the
character, the column and the line; tabs and line breaks in a quoted cell are text."""

from bot.domain.csv_table import Line, RowError, read_table


def test_a_control_character_is_a_row_error_naming_its_column_and_line() -> None:
    lines, errors = read_table(
        '\ufeffname,note\r\n"Ac\tme","two\r\nlines"\r\nAc\x00me,x\r\nok,\x85\r\n', ("name", "note")
    )
    assert lines == [Line(2, {"name": "Ac\tme", "note": "two\r\nlines"})]
    assert errors == [
        RowError(4, "There is an invisible control character (U+0000) in name, after `Ac`; "
                    "remove it and try again."),
        RowError(5, "There is an invisible control character (U+0085) in note, at its start; "
                    "remove it and try again."),
    ]  # fmt: skip


def test_a_control_character_in_the_header_is_named_on_line_1() -> None:
    assert read_table("name,no\x1bte\n", ("name", "note")) == (
        [],
        [RowError(1, "There is an invisible control character (U+001B) in the header, after "
                     "`no`; remove it and try again.")],
    )  # fmt: skip
