"""skrobust.save and skrobust.load: models in a file that cannot run code and shows damage.

:mod:`._save_load` is the entry point, :mod:`._archive` the zip layout and its
hashes, :mod:`._codec` what the manifest holds (a fixed whitelist of classes).
"""

from skrobust._persistence._save_load import load, load_state, save, save_state

__all__ = ["load", "load_state", "save", "save_state"]
