"""Recognition's cost per input column, on the line crops paperdesk itself sends the recogniser (issue 14).

``capture`` reads pages with the real ``read_page`` and keeps every list of line images handed to
``Models.recognize`` (after narrowing and trimming, as the recogniser gets them) in one ``.npz``;
``time`` runs those lists through recognition set-ups (runtime options, width buckets) alternated in
rounds in one process, and prints CPU µs per padded input column and whether every line read the same.

    python -m bench.rec_lines capture samples/scans --pages 12 --out /tmp/lines.npz
    python -m bench.rec_lines time /tmp/lines.npz --rounds 3
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
from pathlib import Path
from typing import Any

import numpy as np

DPI = 300  # paperdesk's default


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def capture(folders: list[Path], pages: int, out: Path) -> None:
    """Read up to ``pages`` pages of the scans in ``folders`` and keep the recogniser's input lists."""
    import extract.ocr_models as models_mod
    from extract import ExtractOptions, read_page
    from extract.ocr import get_engine
    from forms.template import load_template
    from ingest.files import discover
    from ingest.scans import iter_pages

    calls: list[list[np.ndarray]] = []
    original = models_mod.Models.recognize

    def keep(self: models_mod.Models, lines: Any) -> Any:
        calls.append([np.ascontiguousarray(im) for im in lines])
        return original(self, lines)

    models_mod.Models.recognize = keep  # type: ignore[method-assign]
    template = load_template("kczg-2020")
    options = ExtractOptions(ocr_engine="hybrid", second_opinion=False)
    eng = get_engine("hybrid")
    done = 0
    for folder in folders:
        for path in discover([folder]):
            if path.suffix.lower() == ".docx" or done >= pages:
                continue
            try:
                for page in iter_pages(path, dpi=DPI):
                    read_page(page, template, options, engine=eng)
                    done += 1
                    if done >= pages:
                        break
            except Exception as exc:  # noqa: BLE001 - a bench: a bad sample file is skipped, named
                print(f"  skipped {path.name}: {exc}")
    models_mod.Models.recognize = original  # type: ignore[method-assign]
    with out.open("wb") as fh:
        pickle.dump(calls, fh)
    lines = sum(len(c) for c in calls)
    print(f"{done} pages, {len(calls)} recognition calls, {lines} lines -> {out}")


def padded_columns(calls: list[list[np.ndarray]]) -> int:
    """Columns of padded recogniser input the calls cost under the current ``ocr_models`` settings."""
    import extract.ocr_models as m

    total = 0
    for lines in calls:
        model = m.Models.__new__(m.Models)
        seen: list[tuple[int, int]] = []
        model._read_batch = lambda ls, r, b, o, seen=seen: seen.append((len(b), m._ceil_to(int(m.REC_HEIGHT * max(m.REC_MIN_RATIO, max(r[i] for i in b))), m.REC_WIDTH_STEP)))  # type: ignore[method-assign,misc]
        model.recognize(lines)
        total += sum(n * w for n, w in seen)
    return total


def apply_setup(spec: str) -> None:
    """Patch ``ocr_models`` for one set-up: ``key=value`` pairs joined by commas (``step=32``,
    ``minratio=0`` for no 320-column minimum, ``rtcache=N``, ``precision=bf16``; ``onednn=N`` must be
    in the environment before OpenVINO loads, so ``time`` runs each set-up in its own process)."""
    import extract.ocr_models as m

    for part in filter(None, spec.split(",")):
        key, value = part.split("=")
        if key == "step":
            m.REC_WIDTH_STEP = int(value)
        elif key == "minratio":
            m.REC_MIN_RATIO = float(value)
        elif key == "maxcols":
            m.REC_BATCH_MAX_COLS = int(value)
        elif key == "rtcache":
            m.OPENVINO_CONFIG["CPU_RUNTIME_CACHE_CAPACITY"] = int(value)
        elif key == "precision":
            m.OPENVINO_CONFIG["INFERENCE_PRECISION_HINT"] = value
        elif key == "model":  # another recognition model file (an experiment's, e.g. INT8)
            original = m.Session.__init__

            def init(self: Any, path: Path, backend: str, fixed_shape: bool = False, _o: Any = original, _v: str = value) -> None:
                _o(self, Path(_v) if path.name == m.REC_MODEL else path, backend, fixed_shape)
                if path.name == m.REC_MODEL and not self.characters:
                    self.characters = wheel_characters(path)

            m.Session.__init__ = init  # type: ignore[method-assign]
        elif key == "onednn":
            os.environ[m.ONEDNN_CACHE_ENV] = value
        else:
            raise SystemExit(f"unknown set-up key {key!r}")


def wheel_characters(path: Path) -> list[str]:
    """The character list of the wheel's recognition model (a saved IR may not carry its metadata)."""
    import onnxruntime as ort

    meta = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).get_modelmeta().custom_metadata_map
    return str(meta.get("character", "")).splitlines()


def run_once(path: Path, spec: str, every: int, answers: Path) -> None:
    """One set-up in this process: CPU of recognising the kept calls (every ``every``-th), answers pickled."""
    apply_setup(spec)
    from extract.ocr_models import Models

    with path.open("rb") as fh:
        calls: list[list[np.ndarray]] = pickle.load(fh)[::every]
    model = Models()
    c0 = _cpu()
    got = [model.recognize(lines) for lines in calls]
    cpu = _cpu() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB (Linux counts KiB)
    with answers.open("wb") as fh:
        pickle.dump((cpu, padded_columns(calls), got, peak), fh)


def time_setups(path: Path, rounds: int, specs: list[str], every: int) -> None:
    """Each set-up in its own process, alternated over ``rounds``; the first is the reference."""
    import subprocess
    import sys
    import tempfile

    spent: dict[str, list[float]] = {s: [] for s in specs}
    reference: list[list[tuple[str, float]]] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for spec in specs:
                out = Path(tmp) / "answers.pkl"
                subprocess.run([sys.executable, "-m", "bench.rec_lines", "once", str(path), spec or "-", "--every", str(every), "--answers", str(out)], check=True)
                with out.open("rb") as fh:
                    cpu, cols, got, peak = pickle.load(fh)
                if reference is None:
                    reference = got
                pairs = [(x, y) for a, b in zip(reference, got, strict=True) for x, y in zip(a, b, strict=True)]
                diff = [(x[0], y[0]) for x, y in pairs if x[0] != y[0]]
                spent[spec].append(cpu)
                print(f"  round {r + 1} {spec or 'current':32s} {cpu:6.2f} CPU s  {cols} cols  {cpu / cols * 1e6:5.1f} µs/col  "
                      f"peak {peak:.0f} MiB  lines {len(pairs)}, read otherwise {len(diff)}  load {os.getloadavg()[0]:.1f}", flush=True)
                for x, y in diff[:8]:
                    print(f"      {x!r} -> {y!r}")
    for spec, xs in spent.items():
        print(f"{spec or 'current':32s} best {min(xs):6.2f} CPU s  mean {sum(xs) / len(xs):6.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    cap = sub.add_parser("capture")
    cap.add_argument("folders", type=Path, nargs="+")
    cap.add_argument("--pages", type=int, default=12)
    cap.add_argument("--out", type=Path, required=True)
    tim = sub.add_parser("time")
    tim.add_argument("lines", type=Path)
    tim.add_argument("setups", nargs="+", help="set-ups as key=value,... ('-' or '' for the current one)")
    tim.add_argument("--rounds", type=int, default=2)
    tim.add_argument("--every", type=int, default=1, help="keep every n-th recognition call")
    once = sub.add_parser("once")
    once.add_argument("lines", type=Path)
    once.add_argument("setup")
    once.add_argument("--every", type=int, default=1)
    once.add_argument("--answers", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    if args.cmd == "capture":
        capture(args.folders, args.pages, args.out)
    elif args.cmd == "once":
        run_once(args.lines, "" if args.setup == "-" else args.setup, args.every, args.answers)
    else:
        time_setups(args.lines, args.rounds, ["" if s == "-" else s for s in args.setups], args.every)


if __name__ == "__main__":
    main()
