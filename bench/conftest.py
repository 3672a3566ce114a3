"""`make bench`: the rows every benchmark recorded, as one table and as JSON (bench/floors.py)."""

import pytest

from bench import floors


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not floors.RESULTS:
        return
    print(
        f"\n\nmake bench: product beside its floor, medians of {floors.SAMPLES} interleaved samples"
    )
    print(floors.table(floors.RESULTS))
    floors.write(floors.RESULTS)
    print(f"(written to {floors.OUTPUT})")
