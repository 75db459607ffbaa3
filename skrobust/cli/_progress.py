"""Progress bars for long work (tqdm, when installed) and one-line stage messages."""

import sys
import time


class _NoBar:
    """Stands in for a tqdm bar when there is none to show."""

    def update(self, n=1):
        pass

    def set_postfix_str(self, text):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def progress_bar(total, desc, unit, quiet=False):
    """A tqdm bar on stderr, hidden when quiet, tqdm is missing or stderr is no terminal."""
    if quiet:
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _NoBar()
    # disable=None: tqdm hides itself when stderr is not a terminal (logs, CI).
    return tqdm(total=total, desc=desc, unit=unit, disable=None, file=sys.stderr)


class Stages:
    """Prints one line per stage with the time since the start (unless quiet)."""

    def __init__(self, quiet=False):
        self.start = time.perf_counter()
        self.quiet = quiet

    def __call__(self, message):
        if not self.quiet:
            print(f"[{time.perf_counter() - self.start:6.1f} s] {message}", flush=True)
