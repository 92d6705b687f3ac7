"""A page that is no form at all: a colourful photo-like picture (what a clerk's stack also holds:
a photo of the lab, a colour brochure page). Colour gradients, filled shapes with edges, sensor
noise; no text, no rules."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

A4_150_DPI = (1754, 1240)
SENSOR_NOISE = 10  # gray levels either way, as a phone camera's


@lru_cache(maxsize=4)
def photo_page(seed: int, shape: tuple[int, int] = A4_150_DPI) -> np.ndarray:
    """A photo-like BGR page of ``shape`` (h, w); the same for the same seed (cached: treat it as read-only)."""
    rng = np.random.default_rng(seed)
    h, w = shape
    ramp_x = np.linspace(0, 1, w, dtype=np.float32)[None, :].repeat(h, 0)
    ramp_y = np.linspace(0, 1, h, dtype=np.float32)[:, None].repeat(w, 1)
    img = np.dstack([255 * ramp_x, 255 * ramp_y, 200 * (1 - ramp_x) + 40]).astype(np.uint8)
    for _ in range(12):
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        cv2.circle(img, (int(rng.integers(0, w)), int(rng.integers(0, h))), int(rng.integers(40, 250)), colour, -1)
        corners = rng.integers(0, [w, h, w, h])
        cv2.rectangle(img, (int(corners[0]), int(corners[1])), (int(corners[2]), int(corners[3])),
                      tuple(int(v) for v in rng.integers(0, 255, 3)), -1)
    blurred = cv2.GaussianBlur(img, (0, 0), 3)
    noise = rng.integers(-SENSOR_NOISE, SENSOR_NOISE + 1, blurred.shape, dtype=np.int16)
    return np.clip(blurred + noise, 0, 255).astype(np.uint8)
