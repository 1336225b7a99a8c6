"""The benchmarks still run end to end (tiny sizes; figures are never checked here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.slow
def test_store_bench_runs_and_ends_with_json_figures() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH / "store.py"),
            "--cases",
            "6",
            "--notes",
            "3",
            "--inserts",
            "5",
            "--queries",
            "5",
            "--open-samples",
            "3",
            "--unlocks",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    figures = {json.loads(line)["metric"]: json.loads(line) for line in lines}
    assert {"seed_total", "open_case_p95", "search_p95", "insert_total", "unlock_median"} <= set(
        figures
    )
    assert figures["open_case_p95"]["baseline"] > 0
    assert result.stdout.rstrip().splitlines()[-1].startswith("{")


@pytest.mark.slow
def test_startup_bench_runs_and_ends_with_json_figures() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH / "startup.py"),
            "--cases",
            "20",
            "--notes",
            "2",
            "--starts",
            "1",
            "--unlocks",
            "1",
            "--queries",
            "5",
            "--switches",
            "5",
            "--autosaves",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [f["metric"] for f in figures] == [
        "start_to_unlock_shown",
        "unlock_to_caseload",
        "unlock_kdf",
        "unlock_beyond_kdf",
        "search_box_p95",
        "switch_case_overview_p95",
        "switch_case_notes_p95",
        "autosave_latency_p95",
    ]
    assert figures[0]["baseline"] > 0


@pytest.mark.slow
def test_sync_bench_runs_and_ends_with_json_figures() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "sync.py"), "--quick", "--sqlite-only"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.rstrip().splitlines()
    figures = [json.loads(line) for line in lines if line.startswith("{")]
    assert lines[-len(figures) :] == [line for line in lines if line.startswith("{")]
    assert [f["metric"] for f in figures] == [
        "seed_records",
        "push_sqlite",
        "push_whole_sync_sqlite",
        "pull_fresh_sqlite",
        "pull_fresh_whole_sync_sqlite",
        "incremental_sync_median_sqlite",
        "incremental_sync_p95_sqlite",
        "incremental_wire_bytes_sqlite",
        "devices_sync_p50_sqlite",
        "devices_sync_p99_sqlite",
        "devices_errors_sqlite",
    ]
    for figure in figures:
        assert figure["unit"] in {"s", "ms", "bytes", "count"}, figure
        assert isinstance(figure["value"], int | float), figure
        if "baseline" in figure:
            assert figure["baseline"] > 0, figure
            assert figure["ratio"] > 0, figure
