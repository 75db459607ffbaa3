"""Progress bars for long work (tqdm, when installed) and one-line stage messages."""

import logging
import math
import sys
import time
from contextlib import contextmanager


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


def progress_bar(total, desc, unit, quiet=False, initial=0):
    """Progress of ``total`` units, ``initial`` of them done before (a resumed run).

    On a terminal, a tqdm bar on stderr (when tqdm is installed); elsewhere (a log
    file, CI) a plain line on stderr every tenth of the way (:class:`LogProgress`),
    when the total is known. Nothing when quiet. Rates count this run's work only.
    """
    if quiet:
        return _NoBar()
    if not sys.stderr.isatty():
        return _NoBar() if total is None else LogProgress(total, desc, unit, initial)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _NoBar() if total is None else LogProgress(total, desc, unit, initial)
    return tqdm(total=total, desc=desc, unit=unit, initial=initial, file=sys.stderr)


def _duration(seconds):
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class LogProgress(_NoBar):
    """Progress as plain lines, for a log: one each time another ``fraction`` of the
    total is done, and at the end.

    Each line has the count, the percentage, the rate of this run (units done since
    it started over the time since; units done before a resume do not count) and
    the time left at that rate.

    Parameters
    ----------
    total : int
        Units of work in all.
    desc, unit : str
        What is counted ("features") and its unit ("photo").
    initial : int, default=0
        Units already done (by an earlier, interrupted run).
    fraction : float, default=0.1
        A line every this fraction of ``total``.
    stream : file, default=None
        Where the lines go (default: ``sys.stderr``).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> progress = LogProgress(4, "features", "photo", stream=out, fraction=0.5)
    >>> progress.update(1)
    >>> progress.update(1)
    >>> out.getvalue().startswith("features: 2/4 photos (50%)")
    True
    """

    def __init__(self, total, desc, unit, initial=0, fraction=0.1, stream=None):
        self.total, self.desc, self.unit = total, desc, unit
        self.initial = self.n = initial
        self.step = max(1, math.ceil(total * fraction))
        self.next = (initial // self.step + 1) * self.step
        self.stream = sys.stderr if stream is None else stream
        self.start = time.perf_counter()
        if initial:
            self._print(f"{desc}: {initial}/{total} {unit}s done by an earlier run; "
                        "resuming")

    def _print(self, line):
        print(line, file=self.stream, flush=True)

    def update(self, n=1):
        self.n += n
        if self.n < min(self.next, self.total):
            return
        self.next = (self.n // self.step + 1) * self.step
        elapsed = time.perf_counter() - self.start
        rate = (self.n - self.initial) / elapsed if elapsed > 0 else float("inf")
        line = (f"{self.desc}: {self.n}/{self.total} {self.unit}s "
                f"({100 * self.n / self.total:.0f}%), {rate:.2f} {self.unit}s/s")
        if self.n < self.total and 0 < rate < float("inf"):
            line += f", about {_duration((self.total - self.n) / rate)} left"
        self._print(line)


class Stages:
    """Prints one line per stage with the time since the start (unless quiet)."""

    def __init__(self, quiet=False):
        self.start = time.perf_counter()
        self.quiet = quiet

    def __call__(self, message):
        if not self.quiet:
            print(f"[{time.perf_counter() - self.start:6.1f} s] {message}", flush=True)


@contextmanager
def library_notices(quiet):
    """Within it, with ``quiet``, the library's one-line notices are not shown.

    skrobust.tags says "Loading NLTK's WordNet..." through its logger when the program
    configured one, else on stderr; a handler that drops the record keeps it off.
    """
    if not quiet:
        yield
        return
    logger = logging.getLogger("skrobust.tags")
    handler, propagate = logging.NullHandler(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
