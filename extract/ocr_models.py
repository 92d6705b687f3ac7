"""RapidOCR's models run by us: one detection and one recognition session per process.

The models are PP-OCRv4 detection and recognition, the ONNX files inside the
``rapidocr-onnxruntime`` wheel (installed with paperdesk, never downloaded). We
build the sessions ourselves instead of through ``rapidocr_onnxruntime.RapidOCR``
so that we choose what costs memory and CPU (measured on one 300-dpi sample page,
one thread, ``bench/memory.py`` and the notes of issue 14):

- the runtime, chosen per model: recognition (~70 % of a page's CPU) on OpenVINO, which
  reads the same text as ONNX Runtime at ~0.42 × its CPU (272 lines of 8 sample pages:
  10.9 against 25.4 CPU s, every line identical); its input width is rounded up to
  ``REC_WIDTH_STEP`` columns, as OpenVINO keeps memory for every input shape it has run
  (a worker's resident memory climbed ~60 MB over 120 lines of free widths, bounded with
  the steps). Detection on OpenVINO too: the same boxes, bit for bit, as ONNX Runtime's at
  0.53 × its CPU (11 sample pages: 0.26 against 0.49 s a page), its buffers freed after each
  page like recognition's; without OpenVINO both run on ONNX Runtime (arena off, memory
  patterns for the fixed-shape strips); one thread each either way. OpenVINO's memory went
  to oneDNN's kernel cache, one kernel set per input shape, kept by its LRU cache
  (``ONEDNN_CACHE_CAPACITY``), and to the intermediate tensors of the widest line run, freed
  when a page is read (``release_buffers``).
  The price (``bench.memory``, 5 pages of form01, one worker, issue 14): with recognition on
  OpenVINO a worker peaked at 505 MiB for 4.9 CPU s per page before both, at ~395-410 MiB for
  4.0-4.3 after (on ONNX Runtime 369-401 MiB for 6.9; ``REC_BACKENDS = ("onnxruntime",)``);
- detection runs on fixed-height horizontal strips of the page, their
  probability maps stitched into one before the boxes are found: the detector's
  activations grow with its input (~0.23 MB per input row at A4 width), a whole
  page at once peaked at +400 MB, a strip at a bounded amount;
- recognition reads the lines sorted by width, in batches whose padded width
  adds up to at most ``REC_BATCH_MAX_COLS`` (a batch's tensor is as wide as its
  widest line; batching more saves no CPU on one thread and costs ~17 MB per
  line of 960 columns);
- no angle classifier: pages arrive upright.

Boxes are four points ``(x, y)`` in pixels of the image passed in (``ocr_boxes`` finds them
in the detector's map and crops them for recognition).
"""

from __future__ import annotations

import gc
import importlib.util
import math
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from extract.ocr_boxes import boxes_from_map
from forms.errors import MissingDependencyError, OcrError
from ingest.heap import give_back_freed

MODEL_PACKAGE = "rapidocr_onnxruntime"
MODELS_INSTALL = "RapidOCR's models are not installed: pip install rapidocr-onnxruntime"
DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"
# Runtimes, each model's tried in this order, the first one installed runs it (see above).
BACKENDS = ("onnxruntime", "openvino")
DET_BACKENDS = ("openvino", "onnxruntime")
REC_BACKENDS = ("openvino", "onnxruntime")
# oneDNN, the kernels under OpenVINO's CPU plugin, keeps the kernels it built in a process-wide LRU
# cache that OpenVINO's own CPU_RUNTIME_CACHE_CAPACITY does not govern: ~3.7 MB for each recognition
# input shape it ran (a width step times a batch size: ~18 shapes in all). Its default, 1024 kernels,
# holds the shapes a page's lines recur in: recognition 8-12 % less CPU than with the cache off (the
# kernels built again at every call), the same text on every line (bench.rec_lines, 202 sample and
# 226 fresh lines, alternated), but page workers 348-362 MiB at their peak in a run and 403 MiB in
# bench.memory's in-process profile of 5 pages of form01, over the 400 MiB a worker may take (issue
# 14); 256 kernels keep the shapes met most (0-3 % less CPU) at 347 and 382 MiB (0 held 335-342).
ONEDNN_CACHE_ENV = "ONEDNN_PRIMITIVE_CACHE_CAPACITY"
ONEDNN_CACHE_CAPACITY = "256"
# Pages run in parallel worker processes (one per core), so each session uses one
# thread; more would oversubscribe the cores.
THREADS = 1

# OpenVINO's CPU plugin, as compile_model takes it: one thread and stream (see THREADS); f32, the
# same text as ONNX Runtime (bf16 on AVX-512 CPUs changes readings).
OPENVINO_CONFIG: dict[str, Any] = {
    "INFERENCE_NUM_THREADS": THREADS, "NUM_STREAMS": 1,
    "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32", "CPU_RUNTIME_CACHE_CAPACITY": 0,
}

# Detection strip: rows of the (shrunk) page per detector call, a multiple of 32 as
# the network wants. 512 rows at A4 width cost ~+120 MB of activations at most.
DET_STRIP_ROWS = 512
# Rows two strips share; each keeps the half nearer its own middle, so a text line
# (~22 px at the detection scale) is always seen with context above and below.
DET_STRIP_OVERLAP = 96
# The network's stride: input sides are multiples of it.
DET_STRIDE = 32
# Recognition input height, and the narrowest input the model was trained with (320 px).
REC_HEIGHT = 48
REC_MIN_RATIO = 320 / 48
# Columns of padded input one recognition batch may hold (one long line, a few short ones): OpenVINO
# keeps ~30 MB less after 272 lines than at 2400 columns, for the same CPU (11.1 against 11.8 s).
REC_BATCH_MAX_COLS = 960
# Recognition input widths are rounded up to a multiple of this: OpenVINO keeps memory per input
# shape it ran (few shapes, bounded memory); at most 159 padded columns, ~5 % of a 1000-column line.
REC_WIDTH_STEP = 160
# Normalised value of padding: RapidOCR pads recognition input with 0, detection we pad white.
DET_PAD_VALUE = 1.0
# An A4 page (the form's paper) as the detector sees it: its long side shrunk to 1240 px
# (ocr_rapid.RAPID_DET_MAX_SIDE), both sides to the stride. ONNX Runtime's first run of a strip
# shape plans its memory and meanwhile holds ~60 MB more than any later run; the sessions run it
# once on a blank strip when loaded, while the worker holds no page (issue 14: a worker's peak).
WARM_PAGE_SHAPE = (1248, 864)


def model_dir() -> Path:
    """The folder of the ONNX models inside the installed rapidocr-onnxruntime wheel."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(MODELS_INSTALL)
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    if not (folder / DET_MODEL).is_file() or not (folder / REC_MODEL).is_file():
        raise MissingDependencyError(f"{MODELS_INSTALL} (no models in {folder})")
    return folder


class Session:
    """One model on one runtime, one thread; ``run(x)`` returns the first output."""

    def __init__(self, path: Path, backend: str, fixed_shape: bool = False) -> None:
        self.backend = backend
        self.characters: list[str] = []
        self._lock = threading.Lock()
        if backend == "openvino":
            # Before the runtime's first kernel: oneDNN reads its cache's capacity once (see above).
            os.environ.setdefault(ONEDNN_CACHE_ENV, ONEDNN_CACHE_CAPACITY)
            import openvino as ov

            core = ov.Core()
            model = core.read_model(str(path))
            info = model.get_rt_info()
            framework = info["framework"] if "framework" in info else {}
            if "character" in framework:  # the ONNX file's metadata, as RapidOCR reads it
                self.characters = str(framework["character"].astype(str)).splitlines()
            compiled = core.compile_model(model, "CPU", dict(OPENVINO_CONFIG))
            self._compiled = compiled
            self._request = compiled.create_infer_request()
            self._ort: Any = None
        elif backend == "onnxruntime":
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = THREADS
            opts.inter_op_num_threads = THREADS
            opts.enable_cpu_mem_arena = False
            # Memory-pattern planning reuses one block across a run's tensors when the input
            # shape repeats (detection strips); for every new shape it plans and keeps another.
            opts.enable_mem_pattern = fixed_shape
            opts.log_severity_level = 3
            self._ort = ort.InferenceSession(
                str(path), opts, providers=[("CPUExecutionProvider", {"arena_extend_strategy": "kSameAsRequested"})]
            )
            meta = self._ort.get_modelmeta().custom_metadata_map
            self.characters = str(meta.get("character", "")).splitlines()
            self._input = self._ort.get_inputs()[0].name
        else:
            raise ValueError(f"unknown runtime {backend!r}; choose one of {', '.join(BACKENDS)}")

    def release(self) -> None:
        """Free what the runtime keeps between runs for the largest input it ran (OpenVINO: its
        intermediate tensors, ~22 MB after a 2400-column line; ONNX Runtime, arena off, keeps none)."""
        if self._ort is None:
            with self._lock:
                self._compiled.release_memory()

    def run(self, x: np.ndarray) -> np.ndarray:
        with self._lock:
            try:
                if self._ort is not None:
                    return np.asarray(self._ort.run(None, {self._input: x})[0])
                return np.array(self._request.infer({0: x}, share_outputs=False)[0])
            except RuntimeError as exc:  # both runtimes raise RuntimeError subclasses
                raise OcrError(f"{self.backend} failed on input {x.shape}: {exc}") from exc


def available_backend(preferred: Sequence[str] = BACKENDS) -> str:
    """The first runtime of ``preferred`` that is installed."""
    for name in preferred:
        if importlib.util.find_spec(name) is not None:
            return name
    raise MissingDependencyError("no inference runtime: pip install onnxruntime (or openvino)")


def _ceil_to(n: int, step: int) -> int:
    return max(step, int(math.ceil(n / step)) * step)


def _round_to(n: int, step: int) -> int:
    return max(step, int(round(n / step)) * step)


def strips(height: int, rows: int = DET_STRIP_ROWS, overlap: int = DET_STRIP_OVERLAP) -> tuple[int, list[tuple[int, int, int]]]:
    """Split ``height`` rows into equal strips of at most ``rows`` rows (multiple of the stride)
    overlapping by ``overlap``: ``(strip_rows, [(start, keep_from, keep_to), ...])`` where each
    strip keeps rows ``keep_from:keep_to`` of the page and the kept ranges tile it exactly."""
    if height <= rows:
        return _ceil_to(height, DET_STRIDE), [(0, 0, height)]
    n = int(math.ceil((height - overlap) / (rows - overlap)))
    size = _ceil_to(int(math.ceil((height - overlap) / n)) + overlap, DET_STRIDE)
    step = size - overlap
    out: list[tuple[int, int, int]] = []
    for k in range(n):
        start = min(k * step, max(0, height - size))
        keep_from = 0 if k == 0 else out[-1][2]
        keep_to = height if k == n - 1 else start + size - overlap // 2
        out.append((start, keep_from, keep_to))
    return size, out


class Models:
    """The detection and recognition sessions of one process, and what runs them."""

    def __init__(self, backend: str | None = None) -> None:
        """``backend`` runs both models; by default each model gets its own (``DET_BACKENDS``, ``REC_BACKENDS``)."""
        folder = model_dir()
        self.det = Session(folder / DET_MODEL, backend or available_backend(DET_BACKENDS), fixed_shape=True)
        self.rec = Session(folder / REC_MODEL, backend or available_backend(REC_BACKENDS))
        self.backend = self.rec.backend
        if not self.rec.characters:
            raise MissingDependencyError(f"{MODELS_INSTALL} (the recognition model has no character list)")
        self.characters = ["", *self.rec.characters, " "]  # CTC blank first, space last (PaddleOCR)
        rows, cols = WARM_PAGE_SHAPE
        self.text_map(np.full((strips(rows)[0], cols), 255, np.uint8))  # one blank strip of a page's shape
        give_back_freed()

    def text_map(self, gray: np.ndarray) -> np.ndarray:
        """The detector's text probability for every pixel of ``gray``, strip by strip."""
        h, w = gray.shape[:2]
        size, plan = strips(h)
        width = _ceil_to(w, DET_STRIDE)
        pred = np.zeros((h, w), np.float32)
        x = np.empty((1, 3, size, width), np.float32)
        for start, keep_from, keep_to in plan:
            part = gray[start : start + size]
            x.fill(DET_PAD_VALUE)
            x[0, :, : part.shape[0], :w] = part.astype(np.float32) / 127.5 - 1.0
            out = self.det.run(x)[0, 0]
            pred[keep_from:keep_to] = out[keep_from - start : keep_to - start, :w]
            del out
            # ONNX Runtime freed the strip's activations (arena off), glibc kept them: without a trim
            # each strip's ~11 MB stayed resident under the next strip's ~55 MB run (issue 14).
            give_back_freed()
        return pred

    def detect(self, gray: np.ndarray, scale: float) -> list[np.ndarray]:
        """Text line boxes of a gray page, found on the page shrunk by ``scale`` (≤ 1), in page pixels."""
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1.0 else gray
        # Both sides stretched to the nearest multiple of the stride, as RapidOCR does (its
        # detector is tuned on that; padding instead moved boxes by a pixel and changed readings).
        sh, sw = small.shape[:2]
        th, tw = _round_to(sh, DET_STRIDE), _round_to(sw, DET_STRIDE)
        fitted = cv2.resize(small, (tw, th)) if (th, tw) != (sh, sw) else small
        give_back_freed()  # the page's preparation freed its work images: start from there
        h, w = gray.shape[:2]
        fx, fy = sw / tw / scale, sh / th / scale
        boxes = []
        pred = self.text_map(fitted)
        # OpenVINO keeps a strip's activations until released: freed here, not under the page's recognition
        # and marks (5 pages of form01 in one process: peak 430 -> 380 MiB; ONNX Runtime 388).
        self.det.release()
        # The detector's activations are freed, but glibc keeps their pages: without a trim a worker's
        # resident memory climbed ~100 MB page by page. Mapping large buffers fresh instead
        # (M_MMAP_THRESHOLD 1-4 MiB) cost 20-30 s of system CPU on five pages; a trim costs milliseconds.
        give_back_freed()
        for box in boxes_from_map(pred):
            box = box * [fx, fy]
            box[:, 0] = np.clip(box[:, 0], 0, w - 1)
            box[:, 1] = np.clip(box[:, 1], 0, h - 1)
            boxes.append(box.astype(np.float32))
        return boxes

    def recognize(self, lines: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Text and mean character probability of each line image (gray or BGR)."""
        out: list[tuple[str, float]] = [("", 0.0)] * len(lines)
        ratios = [im.shape[1] / max(1, im.shape[0]) for im in lines]
        order = [i for i in np.argsort(ratios, kind="stable").tolist() if lines[i].size]
        batch: list[int] = []
        for i in order:
            cols = REC_HEIGHT * max(REC_MIN_RATIO, ratios[i])
            if batch and (len(batch) + 1) * cols > REC_BATCH_MAX_COLS:
                self._read_batch(lines, ratios, batch, out)
                batch = []
            batch.append(i)
        if batch:
            self._read_batch(lines, ratios, batch, out)
        return out

    def _probs(self, lines: Sequence[np.ndarray], ratios: list[float], batch: list[int]) -> np.ndarray:
        """The recogniser's character probabilities (line, step, character) for ``batch`` of ``lines``."""
        ratio = max(REC_MIN_RATIO, max(ratios[i] for i in batch))
        width = _ceil_to(int(REC_HEIGHT * ratio), REC_WIDTH_STEP)
        x = np.zeros((len(batch), 3, REC_HEIGHT, width), np.float32)
        for k, i in enumerate(batch):
            im = lines[i]
            w = min(width, int(math.ceil(REC_HEIGHT * ratios[i])))
            small = cv2.resize(im, (w, REC_HEIGHT)).astype(np.float32) / 127.5 - 1.0
            x[k, :, :, :w] = small[None] if small.ndim == 2 else small.transpose(2, 0, 1)
        return self.rec.run(x)

    def alternatives(self, line: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """Each character one line image reads as (the steps ``recognize`` keeps), with the recogniser's
        ``k`` likeliest characters at that step and their probabilities, the read one first."""
        if not line.size:
            return []
        probs = self._probs([line], [line.shape[1] / max(1, line.shape[0])], [0])[0]
        idx = probs.argmax(axis=1)
        keep = np.ones(idx.shape[0], bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        out: list[list[tuple[str, float]]] = []
        for step in np.flatnonzero(keep).tolist():
            top = np.argsort(-probs[step])[:k].tolist()
            out.append([(self.characters[j], float(probs[step][j])) for j in top if 0 < j < len(self.characters)])
        return out

    def _read_batch(self, lines: Sequence[np.ndarray], ratios: list[float], batch: list[int], out: list[tuple[str, float]]) -> None:
        probs = self._probs(lines, ratios, batch)
        best, score = probs.argmax(axis=2), probs.max(axis=2)
        for k, i in enumerate(batch):
            idx = best[k]
            keep = np.ones(idx.shape[0], bool)
            keep[1:] = idx[1:] != idx[:-1]
            keep &= idx != 0
            chars = [self.characters[j] for j in idx[keep].tolist() if j < len(self.characters)]
            out[i] = ("".join(chars), float(score[k][keep].mean()) if keep.any() else 0.0)


_MODELS: dict[str, Models] = {}
_MODELS_LOCK = threading.Lock()


def release_buffers() -> None:
    """Every loaded session's between-runs buffers freed (``Session.release``), the C heap trimmed:
    a worker calls it when a page is read, so the next page's detector and work images do not
    stack on the widest line the last page recognised."""
    with _MODELS_LOCK:
        loaded = list(_MODELS.values())
    for m in loaded:
        m.det.release()
        m.rec.release()
    give_back_freed()


def unload() -> None:
    """Drop the process's sessions (the next ``models()`` loads them again) and trim the C heap: a
    process that read its pages in-line (``--jobs 1``) goes on to the checks and reports without
    ~100 MB of models and their buffers; the runtimes' libraries stay mapped."""
    with _MODELS_LOCK:
        _MODELS.clear()
    gc.collect()  # a session is freed with the last reference to it, here and now
    give_back_freed()


def models(backend: str | None = None) -> Models:
    """The process's one set of sessions for ``backend`` (by default each model's first installed runtime), loaded once."""
    name = backend or "default"
    with _MODELS_LOCK:
        if name not in _MODELS:
            _MODELS[name] = Models(backend)
        return _MODELS[name]
