"""What a worker holds (issue 14): the modules it imports, the copies of a page it makes, the
resolution a fine scan is read at. Memory itself is a bench number (``bench/memory.py``), never
asserted here; the behaviour that keeps it low is."""

from __future__ import annotations

import gc
import json
import os
import pickle
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pytest
from PIL import Image

from extract.preprocess import prepare, rotate
from ingest import iter_pages
from ingest.orientation import _nearest
from ingest.orientation import rotate as turn_page
from ingest.scans import READ_MAX_DPI
from paperdesk.stages import default_stages, read_page_task

ROOT = Path(__file__).resolve().parent.parent
# What a process that only reads pages must not load: the checks' solver, the store, the report writers.
NOT_IN_A_WORKER = ("scipy", "pandas", "openpyxl", "sqlalchemy", "docx", "jinja2", "checks", "reports")


def test_a_page_worker_imports_neither_the_checks_nor_the_store_nor_the_report_writers() -> None:
    """A pool worker imports what unpickling its task needs: a fresh interpreter is handed the pickled
    ``read_page_task``, as ``ProcessPoolExecutor`` and Dask hand it, and says what it loaded."""
    child = (
        "import json, pickle, sys\n"
        "task = pickle.loads(sys.stdin.buffer.read())\n"
        "print(json.dumps({'task': task.__module__ + '.' + task.__name__, 'modules': sorted(sys.modules)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child], input=pickle.dumps(read_page_task), capture_output=True, cwd=ROOT, check=True
    )
    seen = json.loads(done.stdout)
    assert seen["task"] == "paperdesk.stages.read_page_task"
    assert {"extract.page", "ingest.scans", "cv2"} <= set(seen["modules"])  # it did load the page reader
    loaded = sorted({m.split(".")[0] for m in seen["modules"]} & set(NOT_IN_A_WORKER))
    assert loaded == []


def _scan_pdf(path: Path, dpi: int) -> Path:
    """A one-page scanned PDF: a colour A4 picture (black text lines, a red ring, a blue tick) at ``dpi``."""
    w, h = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    img = np.full((h, w, 3), 250, np.uint8)
    for i in range(30):
        y = h // 10 + i * h // 40
        cv2.putText(img, f"line {i} of the form", (w // 10, y), cv2.FONT_HERSHEY_SIMPLEX, dpi / 150, (20, 20, 20), 2)
    cv2.circle(img, (w * 3 // 4, h * 3 // 4), dpi // 2, (40, 40, 220), dpi // 30)
    cv2.line(img, (w // 5, h * 4 // 5), (w // 4, h * 5 // 6), (200, 60, 20), dpi // 40)
    Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)).save(path, resolution=dpi)
    return path


def test_a_scanned_pdf_page_is_rendered_once_with_the_pixels_pdfplumber_renders(tmp_path: Path) -> None:
    path = _scan_pdf(tmp_path / "scan.pdf", 200)
    (page,) = list(iter_pages(path, dpi=300))
    with pdfplumber.open(path) as pdf:
        rgb = np.asarray(pdf.pages[0].to_image(resolution=300).original.convert("RGB"))
    reference = turn_page(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), page.rotation)
    assert page.image.shape == reference.shape and page.image.dtype == np.uint8
    assert np.array_equal(page.image, reference)
    assert page.color_mode == "color" and page.dpi == 300


def _form_like(h: int, w: int) -> np.ndarray:
    """A gray page with rules and text-like strokes, drawn at any size."""
    img = np.full((h, w), 255, np.uint8)
    for y in range(h // 8, h * 7 // 8, h // 12):
        cv2.line(img, (w // 10, y), (w * 9 // 10, y), 0, max(1, h // 800))
        for x in range(w // 8, w * 7 // 8, w // 30):
            cv2.rectangle(img, (x, y + h // 60), (x + w // 50, y + h // 30), 0, max(1, h // 1000))
    return img


@pytest.mark.parametrize(
    ("dpi", "kind", "mode"),
    [(600, "1", "bilevel"), (600, "L", "gray"), (400, "RGB", "color"), (300, "L", "gray"), (200, "1", "bilevel")],
)
def test_a_scan_finer_than_300_dpi_is_read_at_300_keeping_its_colour_mode(tmp_path: Path, dpi: int, kind: str, mode: str) -> None:
    w, h = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    gray = _form_like(h, w)
    if kind == "L":
        gray = cv2.GaussianBlur(gray, (5, 5), 0) // 2 + 100  # a gray scan: soft edges, gray paper
        img = Image.fromarray(gray)
    elif kind == "1":
        img = Image.fromarray(gray).convert("1")
    else:
        bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
        cv2.circle(bgr, (w // 2, h // 2), w // 10, (30, 30, 230), max(2, dpi // 30))  # a red seal
        img = Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    path = tmp_path / "scan.tif"
    img.save(path, dpi=(dpi, dpi), compression="tiff_deflate")
    (page,) = list(iter_pages(path))
    read_dpi = min(dpi, READ_MAX_DPI)
    assert page.dpi == read_dpi
    assert page.color_mode == mode
    h_read, w_read = page.image.shape[:2]
    assert abs(h_read - h * read_dpi / dpi) <= 1 and abs(w_read - w * read_dpi / dpi) <= 1
    # The page is the same page, smaller: its rules are where they were, at the read resolution.
    y_rule = (h // 8) * read_dpi // dpi
    x_margin = round((w // 10 + w // 8) / 2 * read_dpi / dpi)  # on the rule, left of the text-like strokes
    column = page.image[:, x_margin].min(axis=1)
    assert column[max(0, y_rule - 2) : y_rule + 3].min() < 128 < int(column[y_rule + h_read // 24])


def test_nearest_glyphs_are_the_exact_nearest_neighbours() -> None:
    rng = np.random.default_rng(14)
    points = np.vstack([rng.uniform(0, 500, (700, 2)), [[10.0, 10.0], [10.0, 10.0], [10.0, 13.0]]])
    dist, idx = _nearest(points)
    full = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    np.fill_diagonal(full, np.inf)
    assert np.allclose(dist, full.min(axis=1))
    assert np.allclose(full[np.arange(len(points)), idx], full.min(axis=1))
    assert (idx != np.arange(len(points))).all()  # never itself, even beside a twin


def test_a_batch_page_is_deskewed_in_place_into_the_same_pixels_as_a_copy() -> None:
    level = cv2.cvtColor(_form_like(1400, 1000), cv2.COLOR_GRAY2BGR)
    cv2.circle(level, (700, 1100), 90, (40, 40, 220), 8)  # a red seal: the colour page is the one kept
    crooked = rotate(level, 2.0)
    copied = prepare(crooked.copy(), 150)
    scan = crooked.copy()
    owned = prepare(scan, 150, in_place=True)
    assert abs(copied.skew_deg) > 1.5 and owned.skew_deg == copied.skew_deg
    assert np.shares_memory(owned.color, scan)  # no second page held beside the scan
    assert np.array_equal(owned.color, copied.color)
    assert np.array_equal(owned.gray, copied.gray) and np.array_equal(owned.flat, copied.flat)
    assert not np.array_equal(scan, crooked)  # the scan itself was levelled
    # A batch's pages are the runner's own: its reading options say so; a caller's page is left alone.
    assert default_stages().extract_options("hybrid", None).deskew_in_place
    kept = crooked.copy()
    prepare(kept, 150)
    assert np.array_equal(kept, crooked)


def test_openvino_runs_with_onednns_kernel_cache_bounded() -> None:
    """oneDNN (under OpenVINO's CPU plugin) reads its kernel cache's capacity once, from the
    environment, at its first kernel: a fresh worker that loads the models has it at
    ``ONEDNN_CACHE_CAPACITY`` (each recognition input shape keeps ~3.7 MB while cached), and a
    capacity the user set is left as it is."""
    pytest.importorskip("openvino")
    from extract.ocr_models import ONEDNN_CACHE_CAPACITY

    child = (
        "import os, sys\n"
        "from extract.ocr_models import ONEDNN_CACHE_ENV, models\n"
        "m = models()\n"
        "print(m.rec.backend, os.environ.get(ONEDNN_CACHE_ENV))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ONEDNN_PRIMITIVE_CACHE_CAPACITY"}
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    assert done.stdout.split() == ["openvino", ONEDNN_CACHE_CAPACITY]
    env["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] = "64"
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    assert done.stdout.split() == ["openvino", "64"]


def test_rules_are_labelled_in_16_bits_with_the_same_components_and_32_past_its_range() -> None:
    from extract.preprocess import label_components

    mask = np.zeros((300, 400), np.uint8)
    for y in range(20, 280, 30):
        cv2.line(mask, (10, y), (390, y + 3), 255, 3)
    n, labels, stats = label_components(mask)
    n32, labels32, stats32, _ = cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=cv2.CV_32S)
    assert labels.dtype == np.uint16 and n == n32 == 10
    assert np.array_equal(labels, labels32) and np.array_equal(stats, stats32)
    # A page of specks (a torn, noisy scan) past 65535 components is labelled all the same.
    specks = np.zeros((600, 600), np.uint8)
    specks[::2, ::2] = 255
    n, labels, _ = label_components(specks)
    assert n == 300 * 300 + 1 and labels.dtype == np.int32


def test_a_pdf_page_is_the_buffer_pdfium_drew_into_and_can_be_levelled_in_place(tmp_path: Path) -> None:
    (page,) = list(iter_pages(_scan_pdf(tmp_path / "scan.pdf", 150), dpi=150))
    assert page.image.flags.c_contiguous and page.image.flags.writeable  # deskew_in_place writes over it
    assert page.image.base is not None and not isinstance(page.image.base, np.ndarray)  # PDFium's buffer, not a copy


def _worker_self() -> dict[str, object]:
    """In a pool's worker: who it is and which of the runner's own imports it holds."""
    return {"pid": os.getpid(), "modules": sorted({m.split(".")[0] for m in sys.modules} & set(NOT_IN_A_WORKER))}


def test_one_job_reads_its_pages_in_a_worker_process_that_holds_none_of_the_runner_s_imports() -> None:
    """``--jobs 1`` is one worker process, as ``--jobs N`` is N: the OCR models and a page's work images
    never share a process with the runner's store, the export's reader, the checks and the reports.
    The worker is forked from a fresh interpreter, not from the runner: this process has imported
    SQLAlchemy and openpyxl (the runner does), the worker has not."""
    import openpyxl  # noqa: F401  (what the parent of a batch holds: the export's reader, the store)

    import paperdesk.runner  # noqa: F401
    from paperdesk.parallel import make_pool

    assert {"sqlalchemy", "openpyxl"} <= set(sys.modules)
    pool = make_pool(1, None)
    try:
        ((tag, outcome),) = list(pool.run(_worker_self, [("page", ())], (ValueError,)))
    finally:
        pool.close()
    assert pool.workers == 1 and tag == "page" and outcome.error is None
    assert outcome.value["pid"] != os.getpid()
    assert outcome.value["modules"] == []


def _read_when_told(image: np.ndarray, go: Path) -> int:
    """A page worker that reads its page only once the test says so (``go`` exists)."""
    while not go.exists():
        time.sleep(0.01)
    return int(image[0, 0, 0])


def test_a_page_handed_to_a_worker_is_let_go_by_the_parent_while_the_worker_reads_it(tmp_path: Path) -> None:
    """The parent keeps no page a worker already has: once a page is pickled onto the pipe, its image
    is freed in the parent, while the worker still reads it (and the next page waits in the pipe)."""
    from paperdesk.parallel import make_pool

    go = tmp_path / "go"
    alive: list[weakref.ref[np.ndarray]] = []
    let_go = threading.Event()

    def page(value: int) -> np.ndarray:
        image = np.full((700, 500, 3), value, np.uint8)
        alive.append(weakref.ref(image))
        return image

    def watch() -> None:  # while the worker waits, both pages handed over are gone from this process
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (len(alive) == 2 and all(r() is None for r in alive)):
            gc.collect()
            time.sleep(0.05)
        if len(alive) == 2 and all(r() is None for r in alive):
            let_go.set()
        go.touch()

    pool = make_pool(1, None)
    watcher = threading.Thread(target=watch)
    try:
        watcher.start()
        done = dict((tag, o.value) for tag, o in pool.run(_read_when_told, ((n, (page(n), go)) for n in (7, 9)), ()))
    finally:
        go.touch()
        watcher.join()
        pool.close()
    assert done == {7: 7, 9: 9}  # each page reached the worker whole
    assert let_go.is_set()


def test_a_process_that_read_its_pages_in_line_lets_go_of_the_models_when_done() -> None:
    """A caller that reads pages in its own process (``InlinePool``) gets its memory back when the pool
    closes: the OCR sessions go (a worker process's go with it), and the next batch loads them again."""
    from extract import ocr_models
    from paperdesk.parallel import InlinePool

    first = ocr_models.models()
    assert ocr_models._MODELS
    InlinePool().close()
    assert not ocr_models._MODELS
    again = ocr_models.models()
    assert again is not first and again.recognize([np.full((48, 200), 255, np.uint8)])[0][0] == ""


def test_the_grid_counts_ink_per_row_and_column_as_the_masks_hold_it() -> None:
    from extract.grid import _ink_count

    mask = (np.random.default_rng(7).random((310, 220)) > 0.8).astype(np.uint8) * 255
    assert np.array_equal(_ink_count(mask, axis=1), (mask > 0).sum(axis=1))
    assert np.array_equal(_ink_count(mask, axis=0), (mask > 0).sum(axis=0))


def test_a_multi_page_tiff_s_frame_is_let_go_before_its_page_is_read(tmp_path: Path) -> None:
    """An open multi-page TIFF keeps its current frame decoded until the next is, and a closed Pillow
    image keeps its pixels while anything refers to it (a 600-dpi colour A4: 133 MB under the whole
    reading of the page made from it): while a page is out, no image of the file is alive, nor the file open."""
    w, h = 600, 850
    frames = []
    for i in range(3):
        bgr = cv2.cvtColor(_form_like(h, w), cv2.COLOR_GRAY2BGR)
        cv2.circle(bgr, (w // 2, h // 2), 40 + 10 * i, (30, 30, 230), 6)  # a red seal: colour frames
        frames.append(Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    path = tmp_path / "stack.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(600, 600), compression="tiff_deflate")
    del frames

    def held() -> list[str]:
        gc.collect()
        images = [o for o in gc.get_objects() if isinstance(o, Image.Image) and getattr(o, "filename", None) == str(path)]
        files = [fd for fd in Path("/proc/self/fd").iterdir() if os.path.realpath(fd) == str(path.resolve())]
        return [f"image {im!r}" for im in images] + [f"open file {fd}" for fd in files]

    pages = iter_pages(path)
    for number in (1, 2, 3):
        page = next(pages)
        assert page.number == number and page.dpi == READ_MAX_DPI and page.color_mode == "color"
        assert page.image.shape[:2] == (h // 2, w // 2)
        assert held() == []
    assert next(pages, None) is None


@pytest.mark.parametrize("factor", [2, 3, 4, 5])
def test_rows_are_box_averaged_exactly_as_pillow_reduces_a_frame(factor: int) -> None:
    from ingest.tiff_bands import reduce_rows

    rng = np.random.default_rng(factor)
    for h, w in ((37, 53), (40, 60), (41, 64), (9, 7), (1, 1), (2, 3)):
        rows = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        assert np.array_equal(reduce_rows(rows, factor), np.asarray(Image.fromarray(rows).reduce(factor))), (h, w)


def _colour_scan_tiff(path: Path, dpi: int, compression: str, frames: int = 2) -> list[Image.Image]:
    """A colour form-like TIFF of ``frames`` frames at ``dpi``, odd-sized (the edges' part-boxes), a red seal each."""
    w, h = round(210 / 25.4 * dpi / 4) | 1, round(297 / 25.4 * dpi / 4) | 1  # a quarter A4, odd sides
    images = []
    for i in range(frames):
        bgr = cv2.cvtColor(_form_like(h, w), cv2.COLOR_GRAY2BGR)
        cv2.circle(bgr, (w // 2, h // 2), w // 8 + 5 * i, (30, 30, 230), max(2, dpi // 60))
        images.append(Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    images[0].save(path, save_all=True, append_images=images[1:], dpi=(dpi, dpi), compression=compression)
    return images


@pytest.mark.parametrize("compression", ["jpeg", "tiff_deflate", "raw"])
def test_a_fine_colour_tiff_frame_is_read_strip_by_strip_into_the_pixels_pillow_gives(
    tmp_path: Path, compression: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 600-dpi colour frame becomes its 300-dpi page without the full-size frame ever decoded by Pillow
    (4 bytes a pixel, 139 MB for an A4: issue 14), into the very pixels Pillow's decode and reduce give."""
    from PIL import TiffImagePlugin

    path = tmp_path / "scan.tif"
    _colour_scan_tiff(path, 600, compression)
    expected = []
    with Image.open(path) as im:
        for i in range(im.n_frames):
            im.seek(i)
            expected.append(cv2.cvtColor(np.asarray(im.reduce(2)), cv2.COLOR_RGB2BGR))
    loads = []
    full_load = TiffImagePlugin.TiffImageFile.load
    monkeypatch.setattr(TiffImagePlugin.TiffImageFile, "load", lambda im: loads.append(im.size) or full_load(im))
    pages = list(iter_pages(path))
    assert loads == []  # no frame decoded whole
    assert [p.dpi for p in pages] == [READ_MAX_DPI] * 2 and all(p.color_mode == "color" for p in pages)
    for page, want in zip(pages, expected, strict=True):
        assert page.rotation == 0 and np.array_equal(page.image, want)


def test_a_fine_tiff_frame_the_strips_cannot_make_is_read_whole_by_pillow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the strip path does not apply (a 400-dpi scan: no whole factor) or its strips do not make
    the frame (a strip that does not decode), Pillow reads the frame whole, into the same page."""
    from PIL import TiffImagePlugin

    import ingest.scans
    from ingest.tiff_bands import BandError

    loads = []
    full_load = TiffImagePlugin.TiffImageFile.load
    monkeypatch.setattr(TiffImagePlugin.TiffImageFile, "load", lambda im: loads.append(im.size) or full_load(im))
    odd = tmp_path / "400.tif"
    _colour_scan_tiff(odd, 400, "tiff_deflate", frames=1)
    (page,) = list(iter_pages(odd))
    assert page.dpi == READ_MAX_DPI and page.color_mode == "color" and loads  # decoded whole by Pillow

    fine = tmp_path / "600.tif"
    _colour_scan_tiff(fine, 600, "tiff_deflate", frames=1)
    (by_strips,) = list(iter_pages(fine))

    def broken(path: Path, index: int, factor: int) -> np.ndarray:
        raise BandError("TIFF frame 0: strip at row 8 missing or out of order")

    monkeypatch.setattr(ingest.scans, "read_reduced_bgr", broken)
    loads.clear()
    (whole,) = list(iter_pages(fine))
    assert loads and np.array_equal(whole.image, by_strips.image)


def _say_pid_then_read_long(path: Path) -> int:
    """A page worker's long read: it says who it is, then takes two minutes."""
    path.write_text(str(os.getpid()))
    time.sleep(120)
    return 0


def test_a_worker_ends_when_the_runner_that_started_it_is_killed(tmp_path: Path) -> None:
    """A runner killed mid-batch (SIGKILL here; SIGTERM or a closed terminal alike) takes its workers with
    it: none reads on for nobody, holding its models and a page (they used to, for good)."""
    import psutil

    said = tmp_path / "worker.pid"
    runner = subprocess.Popen(
        [sys.executable, "-c",
         "import sys\nfrom pathlib import Path\nfrom paperdesk.parallel import make_pool\n"
         "from tests.test_memory import _say_pid_then_read_long\n"
         "pool = make_pool(1, None)\n"
         "list(pool.run(_say_pid_then_read_long, [(0, (Path(sys.argv[1]),))], ()))\n", str(said)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 120
        while not said.exists() or not said.read_text():
            assert time.monotonic() < deadline and runner.poll() is None, "the worker never started"
            time.sleep(0.1)
        worker = psutil.Process(int(said.read_text()))
    finally:
        runner.kill()
        runner.wait()

    def alive() -> bool:
        try:
            return worker.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + 30
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    if alive():
        worker.kill()
        pytest.fail("the worker outlived its runner")
