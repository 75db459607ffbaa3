"""The command line: ``skrobust COMMAND`` (or ``python -m skrobust COMMAND``).

One module per command, each with ``add_parser(commands, common)`` and
``run(args)``: ``demo`` (the paper's evaluation), ``featurize`` (photos to CNN
features), ``train`` (features and user tags to a saved tagger), ``predict``
(suggested tags per photo) and ``report`` (a static HTML page to judge a tagger).
Bad arguments are usage errors (exit 2); expected failures, a missing input file
among them, are one line on stderr (exit 1; ``--debug`` shows the traceback).
"""

import argparse
import sys

from skrobust.cli import _demo, _featurize, _predict, _report, _train
from skrobust.cli._errors import EXIT_FAILURE, run_command
from skrobust.cli._outputs import (
    refuse_outputs_that_are_inputs,
    removing_new_folders_on_failure,
)
from skrobust.cli._types import MissingInputError, path_roles

COMMANDS = (_demo, _featurize, _train, _predict, _report)

DESCRIPTION = """\
Image classifiers learned from noisy, user-supplied tags (robust logistic
regression, Izadinia et al.).

From photos to a tagger:
  skrobust featurize photos/ --output features.npy
  skrobust train --features features.npy --tags tags.txt --output tagger.skrobust
  skrobust predict --model tagger.skrobust --features features.npy
  skrobust report --model tagger.skrobust --features features.npy \\
      --photos photos/ --output report.html

Run "skrobust COMMAND --help" for a command's options and file formats.
"""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (the usage is in ``--help``)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def _get_value(self, action, arg_string):
        # A missing input is not a usage error (main: exit 1); say which option, as
        # argparse does for the others.
        try:
            return super()._get_value(action, arg_string)
        except MissingInputError as exc:
            raise MissingInputError(
                f"argument {argparse._get_action_name(action)}: {exc}") from None


def _common_options():
    """Options every command takes, before or after its name."""
    common = _Parser(add_help=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    # SUPPRESS: a subcommand's default must not reset a --debug given before it.
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of an error")
    return common


def build_parser():
    """The ``skrobust`` argument parser with every command."""
    from skrobust import __version__

    common = _common_options()
    parser = _Parser(
        prog="skrobust", description=DESCRIPTION, parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {__version__}",
                        help="show the version of skrobust and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = command.add_parser(commands, common)
        sub.set_defaults(path_roles=path_roles(sub))  # for the output-is-input guard
    return parser


def _run_guarded(args):
    refuse_outputs_that_are_inputs(args)  # before anything is read or written
    with removing_new_folders_on_failure(args):
        return args.run(args)


def main(argv=None):
    """Entry point of ``python -m skrobust`` and the ``skrobust`` console script.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success, 1 for an expected failure (one line on stderr; a missing
        input file too), 130 when
        interrupted. Usage errors exit with status 2 (``SystemExit``).

    Examples
    --------
    >>> from skrobust.cli import main
    >>> main(["--version"])
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except MissingInputError as exc:  # the user's files, not the usage: exit 1
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    check = getattr(args, "check", None)
    if check is not None:
        check(args)  # checks across arguments: usage errors too
    return run_command(_run_guarded, args)


__all__ = ["build_parser", "main"]
