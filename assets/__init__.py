"""Data shipped with both parts (request catalog, lessons, texts): package data of the wheel.

Read it with `importlib.resources.files("assets")`, never with a path built from `__file__`. pip installs
wheels unpacked, so that is a real directory and modules may wrap it in `pathlib.Path`.
"""
