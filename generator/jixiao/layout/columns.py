"""Where the self-evaluation sheet puts things: its columns, panel and hidden flag columns."""

from __future__ import annotations

A, B, C, D, E, F, G, H, I, J, K, L, M = range(13)
PANEL_LABEL, PANEL_VALUE = 14, 15  # O, P: the self-check panel beside the form
FLAG0 = 19  # T...: hidden per-row flags

WIDTHS = {A: 11, B: 11, C: 26, D: 5, E: 9, F: 6, G: 13, H: 13, I: 6, J: 7, K: 7, L: 22, M: 20, 13: 2,
          PANEL_LABEL: 24, PANEL_VALUE: 40}
