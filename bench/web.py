"""How fast the review screen answers on a large batch.

    .venv/bin/python -m bench.web [--nominations 500] [--repeat 20]

Builds a SQLite store with a synthetic finished batch (the four paper forms of
``tests/web_fixture.py`` copied N/4 times under new document and record ids,
two findings each on most), logs in through FastAPI's TestClient (in-process,
no network) and prints the median and 95th-percentile time of: the full list,
a filtered list, a nomination page, a decision (POST + redirect) and a crop.
Numbers, not assertions: the machine's load changes them.
"""

from __future__ import annotations

import argparse
import copy
import re
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paperdesk.store import open_store
from paperdesk.web.app import create_app
from paperdesk.web.users import add_user
from tests.web_fixture import CLERK, CLERK_PASSWORD, make_results, store_batch

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def big_results(out_dir: Path, nominations: int) -> dict[str, Any]:
    base = make_results(out_dir)
    docs = []
    for i in range(nominations):
        doc = copy.deepcopy(base["documents"][i % 4])
        doc["id"] = f"d{i + 1:04d}"
        if doc.get("record_id"):
            record = f"KC2020-{i + 1:04d}"
            doc["record_id"] = record
            doc["online"] = {**doc["online"], "record_id": record}
            for f in doc["findings"]:
                f["record_id"] = record
                f["key"] = f"{f['code']}:{f['field'] or ''}:{record}"
        docs.append(doc)
    return {**base, "documents": docs, "unmatched_records": [], "findings": base["findings"][2:]}


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nominations", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out_dir = root / "out"
        out_dir.mkdir()
        results = big_results(out_dir, args.nominations)
        store = open_store(f"sqlite:///{root / 'bench.db'}")
        store_batch(store, out_dir, results)
        add_user(store, CLERK, CLERK_PASSWORD)
        client = TestClient(create_app(str(root / "bench.db")), base_url="http://127.0.0.1")  # a Host it answers
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        client.post("/login", data={"csrf_token": token.group(1), "name": CLERK, "password": CLERK_PASSWORD})
        page = client.get("/").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf is not None
        key = "SEAL_MISSING:recommender_opinion:KC2020-0001"
        cases: dict[str, Callable[[], Any]] = {
            "list (all)": lambda: client.get("/"),
            "list (domain + code filter)": lambda: client.get("/?domain=电子信息&code=SEAL_MISSING"),
            "nomination page": lambda: client.get("/n/d:d0001"),
            "decision POST + redirect": lambda: client.post(
                "/decide", data={"csrf_token": csrf.group(1), "n": "d:d0001", "key": key, "action": "confirm"},
                follow_redirects=False),
            "crop PNG": lambda: client.get("/crop?n=d:d0002&k=phone"),
        }
        print(f"{args.nominations} nominations, {args.repeat} requests each (ms: median / p95)")
        for name, fn in cases.items():
            median, p95 = timed(fn, args.repeat)
            print(f"  {name:30s} {median:8.1f} {p95:8.1f}")
        store.dispose()


if __name__ == "__main__":
    main()
