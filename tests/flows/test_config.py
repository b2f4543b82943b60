import os
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from flows.config import RUN_ID_PATTERN, CleanParams, describe_errors


def error_line(**fields) -> str:
    with pytest.raises(ValidationError) as caught:
        CleanParams(**fields)
    return describe_errors(caught.value)


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    path = tmp_path / "in" / "page.html"
    path.parent.mkdir()
    path.write_text("<p>hi</p>")
    return path


def test_defaults_and_created_out(dump, tmp_path):
    out = tmp_path / "new" / "out"
    params = CleanParams(inputs=[str(dump)], out=str(out))
    assert out.is_dir()
    assert params.batch_size == 200
    assert params.max_page_bytes == 10_000_000
    assert params.workers >= 1
    assert re.fullmatch(RUN_ID_PATTERN, params.run_id)
    assert params.run_id != CleanParams(inputs=[str(dump)], out=str(out)).run_id


def test_a_glob_that_matches_is_a_valid_input(dump, tmp_path):
    params = CleanParams(inputs=[str(dump.parent / "*.html")], out=str(tmp_path / "out"))
    assert params.inputs == [str(dump.parent / "*.html")]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"inputs": []}, "inputs: List should have at least 1 item"),
        ({"inputs": ["/no/such/dump"]}, "inputs: '/no/such/dump' is not a file or folder"),
        ({"inputs": ["/no/such/*.html"]}, "inputs: '/no/such/*.html' is not a file or folder"),
        ({"batch_size": 0}, "batch_size: Input should be greater than 0"),
        ({"workers": -1}, "workers: Input should be greater than 0"),
        ({"max_page_bytes": 0}, "max_page_bytes: Input should be greater than 0"),
        ({"run_id": "../x"}, "run_id: String should match pattern"),
        ({"colour": "blue"}, "colour: unknown option"),
    ],
)
def test_invalid_configuration_is_one_line(dump, tmp_path, fields, expected):
    message = error_line(**{"inputs": [str(dump)], "out": str(tmp_path / "out"), **fields})
    assert message.startswith(expected)
    assert "\n" not in message


@pytest.mark.parametrize("through_a_symlink", [False, True])
def test_a_fifo_as_input_is_one_line_before_any_work(tmp_path, through_a_symlink):
    """Opening a FIFO blocks until something writes to it: it must fail here, not in the
    listing once the run (and its Prefect server) has started."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    given = fifo
    if through_a_symlink:
        given = tmp_path / "link"
        given.symlink_to(fifo)
    out = tmp_path / "out"

    message = error_line(inputs=[str(given)], out=str(out))

    assert message == (
        f"inputs: '{given}' is neither a file nor a folder (a FIFO, socket or device is no dump)"
    )
    assert not out.exists()


def test_out_under_a_file_is_rejected(dump, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    message = error_line(inputs=[str(dump)], out=str(blocker / "out"))
    assert message == f"cannot write to output folder '{blocker / 'out'}': Not a directory"


def test_out_is_not_created_when_another_option_is_invalid(dump, tmp_path):
    out = tmp_path / "out"
    error_line(inputs=[str(dump)], out=str(out), batch_size=0)
    assert not out.exists()


def test_several_problems_share_one_line_with_renamed_fields(dump, tmp_path):
    with pytest.raises(ValidationError) as caught:
        CleanParams(inputs=[str(dump)], out=str(tmp_path / "o"), batch_size=0, workers=0)
    message = describe_errors(caught.value, {"batch_size": "--batch-size"})
    assert message == (
        "--batch-size: Input should be greater than 0; workers: Input should be greater than 0"
    )
