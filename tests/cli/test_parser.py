"""The `skrobust` parser (skrobust.cli): commands, --version, help on every option."""

import argparse
import re
import subprocess
import sys

import pytest

import skrobust
from skrobust.cli import build_parser, main

COMMANDS = ["demo", "featurize", "train", "predict", "report"]


def _subparsers(parser):
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def test_every_command_and_option_has_help_text():
    parser = build_parser()
    commands = _subparsers(parser)
    assert sorted(commands) == sorted(COMMANDS)
    for name, sub in [("skrobust", parser), *commands.items()]:
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_help_is_plain_text(command, capsys):
    with pytest.raises(SystemExit) as caught:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert caught.value.code == 0 and out.startswith("usage: skrobust")
    for rst in ("``", ":class:", ":func:", ":mod:", ":ref:"):
        assert rst not in out, rst
    assert not re.search(r"^\s*\.\. [a-z]", out, re.MULTILINE)  # no RST directives


def test_version(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"skrobust {skrobust.__version__}\n"


def test_module_entry_point_rejects_unknown_commands():
    result = subprocess.run(
        [sys.executable, "-m", "skrobust", "train-everything"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "invalid choice: 'train-everything'" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
