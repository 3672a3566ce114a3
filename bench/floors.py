"""Every metric of `make bench` beside its floor: the least any implementation could spend on
the same work (the same rows by one raw query, the same HTML through WeasyPrint alone, the
same misses by one INSERT … SELECT), measured in the same run with the samples interleaved
(floor, product, floor, product …) so the machine's noise falls on both alike, and reduced
to medians. The ratio is what to compare between runs and machines, never the times.

Each benchmark `record()`s its rows; at the end of the run the table is printed and written
as JSON to BENCH_JSON (default .data/bench.json). Sizes with no floor to set them beside (the
main pages' bytes at the realistic size) are `weigh()`ed: a second table, under "sizes".
"""

import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

SAMPLES = int(os.environ.get("BENCH_SAMPLES", "7"))
OUTPUT = Path(os.environ.get("BENCH_JSON", ".data/bench.json"))


@dataclass
class Row:
    metric: str
    floor: str  # what the floor is
    floor_ms: float
    product_ms: float
    queries: str = ""  # at small and large N, "12 / 12"
    size: str = ""  # bytes of the response, when there is one
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.product_ms / self.floor_ms if self.floor_ms else float("inf")


@dataclass
class Size:
    page: str
    url: str
    bytes: int
    gzip_bytes: int  # the body through gzip -6, as a compressing proxy would send it
    queries: int


RESULTS: list[Row] = []
SIZES: list[Size] = []


def interleaved(
    floor: Callable[[], object], product: Callable[[], object], samples: int = SAMPLES
) -> tuple[float, float]:
    """Median milliseconds of each, sampled alternately after one warm-up of each."""
    floor()
    product()
    floors, products = [], []
    for _ in range(samples):
        started = time.perf_counter()
        floor()
        floors.append(time.perf_counter() - started)
        started = time.perf_counter()
        product()
        products.append(time.perf_counter() - started)
    return statistics.median(floors) * 1000, statistics.median(products) * 1000


def record(row: Row) -> Row:
    RESULTS.append(row)
    return row


def weigh(size: Size) -> Size:
    SIZES.append(size)
    return size


def size_table(sizes: list[Size]) -> str:
    head = ("page", "KiB", "gzip KiB", "queries", "url")
    body = [
        (s.page, f"{s.bytes / 1024:.1f}", f"{s.gzip_bytes / 1024:.1f}", str(s.queries), s.url)
        for s in sizes
    ]
    return _columns(head, body)


def table(rows: list[Row]) -> str:
    head = ("metric", "floor", "floor ms", "product ms", "ratio", "queries", "size", "note")
    body = [
        (
            r.metric,
            r.floor,
            f"{r.floor_ms:.1f}",
            f"{r.product_ms:.1f}",
            f"{r.ratio:.2f}x",
            r.queries,
            r.size,
            r.note,
        )
        for r in rows
    ]
    return _columns(head, body)


def _columns(head: tuple[str, ...], body: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(line[i])) for line in [head, *body]) for i in range(len(head))]
    lines = [
        "  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True))
        for line in [head, *body]
    ]
    return "\n".join(line.rstrip() for line in lines)


def write(rows: list[Row], sizes: list[Size] | None = None) -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(
        json.dumps(
            {
                "samples": SAMPLES,
                "rows": [{**asdict(r), "ratio": round(r.ratio, 3)} for r in rows],
                "sizes": [asdict(s) for s in sizes or []],
            },
            indent=2,
        )
    )
