"""The README's first steps on a fresh machine: scripts/demo.sh's extras, and how to
run the ``skrobust`` command from the virtual environment the scripts make."""

import re

from _shared import REPO


def _setup_extras(script):
    text = (REPO / "scripts" / script).read_text()
    return set(re.search(r'bash scripts/setup.sh "([^"]*)"', text).group(1).split(","))


def test_demo_script_installs_what_the_command_line_needs():
    # featurize needs torch and the CNN weights ("features"), report Pillow and
    # matplotlib ("features", "plots"): after demo.sh, the README's next commands run.
    assert {"features", "plots", "nlp"} <= _setup_extras("demo.sh")


def test_readme_says_how_to_run_skrobust_from_the_venv():
    readme = (REPO / "README.md").read_text()
    quick_start = readme[:readme.index("## From photos to a tagger")]
    assert ". .venv/bin/activate" in quick_start and ".venv/bin/skrobust" in quick_start
    # ... before the command line's first bare `skrobust` command.
    first_command = readme.index("\nskrobust ")
    assert readme.index(". .venv/bin/activate") < first_command
