"""Streaming int16 resampler (44.1/48 kHz microphones -> the recogniser's 16 kHz).

A windowed-sinc low-pass below the target's Nyquist frequency, then linear interpolation;
state carries across chunks so chunk boundaries leave no clicks.
"""

from __future__ import annotations

import numpy as np


class Resampler:
    def __init__(self, src_rate: int, dst_rate: int, taps: int = 63):
        self.src, self.dst = int(src_rate), int(dst_rate)
        self.step = self.src / self.dst
        if self.src > self.dst:
            cutoff = 0.45 * self.dst / self.src   # cycles per input sample
            n = np.arange(taps) - (taps - 1) / 2
            h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
            self.h = h / h.sum()
        else:
            self.h = np.ones(1)
        self._hist = np.zeros(len(self.h) - 1)
        self._buf = np.zeros(0)
        self._pos = 0.0

    def __call__(self, pcm: bytes) -> bytes:
        if self.src == self.dst:
            return pcm
        x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
        full = np.concatenate([self._hist, x])
        if len(self.h) > 1:
            self._hist = full[-(len(self.h) - 1):]
        filtered = np.convolve(full, self.h, mode="valid")
        buf = np.concatenate([self._buf, filtered])
        if len(buf) < 2:
            self._buf = buf
            return b""
        t = np.arange(self._pos, len(buf) - 1, self.step)
        out = np.interp(t, np.arange(len(buf)), buf)
        nxt = (t[-1] + self.step) if len(t) else self._pos
        keep = int(nxt)
        self._buf, self._pos = buf[keep:], nxt - keep
        return np.clip(np.rint(out), -32768, 32767).astype(np.int16).tobytes()
