"""Microphone, speech recognition, intent matching and narration: each a small interface
with a real backend and a test double (plyer style)."""
