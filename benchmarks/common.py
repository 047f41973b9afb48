"""Helpers the benchmark scripts share: random date windows and percentiles."""
from __future__ import annotations

import random


def percentile(values, q):
    """The q-quantile (0..1) of the values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def random_windows(low: int, high: int, count: int, seed: int = 7) -> list[tuple[int, int]]:
    """`count` windows of 7-120 days (day numbers) inside [low, high], the same for a seed."""
    rng = random.Random(seed)
    windows = []
    for _ in range(count):
        length = rng.randint(7, 120)
        start = rng.randint(low, max(low, high - length))
        windows.append((start, min(high, start + length)))
    return windows
