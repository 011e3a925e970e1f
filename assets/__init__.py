"""Data shipped with both parts (request catalog, lessons, texts): package data of the wheel, and `texts.py`,
the one reader of the text catalogue (here, not in screens/, so sync/, voice/ and the server can use it).

Read it with `importlib.resources.files("assets")`, never with a path built from `__file__`. pip installs
wheels unpacked, so that is a real directory and modules may wrap it in `pathlib.Path`.
"""
