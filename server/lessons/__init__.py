"""Smartphone lessons on the server: phone pages, practice-pay tokens, learners, class sessions, progress."""
