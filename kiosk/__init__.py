"""幸福微+ post kiosk: the Kivy app shell, configuration and command line.

Importing this package must not import Kivy: the CLI uses parts of it without a window.
"""

from importlib.metadata import version

__version__ = version("xingfu-kiosk")   # one version, pyproject.toml's, in the installed metadata
