from cleaners.text import text_document


def test_one_block_per_non_empty_line_in_order():
    page = text_document("  First line  \n\n\nSecond line\r\nThird line\rFourth line\n   \n")

    assert [b.text for b in page.blocks] == [
        "First line",
        "Second line",
        "Third line",
        "Fourth line",
    ]
    assert [b.index for b in page.blocks] == [0, 1, 2, 3]
    assert {b.kind for b in page.blocks} == {"line"}


def test_text_document_records_origin_and_url_only():
    page = text_document("Hello", url="https://example.com/a")

    assert page.origin == "text"
    assert page.meta.url == "https://example.com/a"
    assert (page.meta.title, page.meta.author, page.meta.language) == (None, None, None)


def test_blank_input_has_no_blocks():
    assert text_document("").blocks == ()
    assert text_document(" \n\t\n").blocks == ()


def test_runs_of_whitespace_in_a_line_become_one_space():
    dump = "Team\tW\tL\nThe\u00a0council  voted  on Tuesday.\n"

    assert [b.text for b in text_document(dump).blocks] == [
        "Team W L",
        "The council voted on Tuesday.",
    ]
