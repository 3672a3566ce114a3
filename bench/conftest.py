"""`make bench`: the rows every benchmark recorded, as one table and as JSON (bench/floors.py)."""

import pytest

from bench import floors


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not floors.RESULTS and not floors.SIZES:
        return
    print(
        f"\n\nmake bench: product beside its floor, medians of {floors.SAMPLES} interleaved samples"
    )
    if floors.RESULTS:
        print(floors.table(floors.RESULTS))
    if floors.SIZES:
        print("\nsizes of the main pages at the realistic size (bench/dataset.py)")
        print(floors.size_table(floors.SIZES))
    floors.write(floors.RESULTS, floors.SIZES)
    print(f"(written to {floors.OUTPUT})")
