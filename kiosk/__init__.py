"""幸福微+ post kiosk: the Kivy app shell, configuration and command line.

Importing this package must not import Kivy: the CLI and the server use parts of it.
"""

__version__ = "0.1.0"
