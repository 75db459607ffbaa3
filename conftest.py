"""Test-session setup shared by tests/ and the doctests in skrobust/."""

import os

# sklearn's array API support (and its estimator checks for it) needs scipy's, which
# is switched on only by this variable set before scipy is first imported.
# scripts/test.sh exports it too; setting it here makes a bare `pytest` equivalent.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
