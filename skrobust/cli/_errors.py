"""Expected failures as one line on stderr: ``skrobust: error: ...`` and exit 1.

A user's mistake (a missing or corrupt file, an unwritable folder, too few images for
a split, a missing optional extra) is reported in one line without a traceback;
``--debug`` re-raises it so a developer sees where it came from. Bugs (any other
exception) keep their traceback.
"""

import sys
import warnings

from skrobust.experiments._demo_data import DemoDataError
from skrobust.tags import WordNetNotFoundError


class CommandError(Exception):
    """A command cannot go on with what it was given; the message says why."""


# What our code raises on bad user input or a missing extra (see the standards:
# ValueError/TypeError name the problem, OSError the file). LookupError covers a
# missing WordNet; DemoDataError, the demo's missing data files.
EXPECTED = (CommandError, ValueError, TypeError, OSError, ImportError,
            WordNetNotFoundError, DemoDataError)

EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130


def one_line(exc):
    """The exception's message on one line (file errors keep their path)."""
    text = str(exc)
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}"
    if isinstance(exc, KeyError):  # str(KeyError) is the repr of its key
        text = f"missing {text}"
    text = " ".join(text.split())
    return text or type(exc).__name__


def _warning_printer(prog):
    def show(message, category, filename, lineno, file=None, line=None):
        # A user needs the warning, not the library line that raised it.
        print(f"{prog}: warning: {one_line(message)}", file=sys.stderr)
    return show


def run_command(command, args, prog="skrobust"):
    """Run ``command(args)``; expected failures become one line and exit status 1.

    Warnings are printed as one line each too, unless ``--debug``.
    """
    debug = getattr(args, "debug", False)
    try:
        with warnings.catch_warnings():
            if not debug:
                warnings.showwarning = _warning_printer(prog)
            return command(args)
    except EXPECTED as exc:
        if debug:
            raise
        print(f"{prog}: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
