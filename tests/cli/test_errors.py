"""One-line errors and warnings of the command line (skrobust.cli._errors)."""

import argparse
import warnings

import pytest

from skrobust.cli._errors import CommandError, one_line, run_command


def _args(debug=False):
    return argparse.Namespace(debug=debug) if debug else argparse.Namespace()


@pytest.mark.parametrize("exc, line", [
    (ValueError("bad value\n  on two lines"), "bad value on two lines"),
    (FileNotFoundError(2, "No such file or directory", "/x/y"),
     "No such file or directory: /x/y"),
    (CommandError("too few images"), "too few images"),
    (ImportError("pip install 'skrobust[features]'"), "pip install 'skrobust[features]'"),
])
def test_expected_failures_are_one_line(exc, line, capsys):
    def command(args):
        raise exc
    assert run_command(command, _args()) == 1
    assert capsys.readouterr().err == f"skrobust: error: {line}\n"
    with pytest.raises(type(exc)):
        run_command(command, _args(debug=True))


def test_bugs_keep_their_traceback():
    def command(args):
        raise ZeroDivisionError
    with pytest.raises(ZeroDivisionError):
        run_command(command, _args())


def test_warnings_are_one_line(capsys):
    def command(args):
        warnings.warn("Tags [0, 3] have calibration labels\nthat are all 0", UserWarning)
        return 0
    assert run_command(command, _args()) == 0
    assert capsys.readouterr().err == (
        "skrobust: warning: Tags [0, 3] have calibration labels that are all 0\n")


def test_one_line_of_an_empty_message():
    assert one_line(KeyboardInterrupt()) == "KeyboardInterrupt"
