"""Time the appraisal engine on a large case: 50 options, 5,000 cost and benefit lines, 60 years.

Run ``python benchmarks/bench_engine.py``; a combined benchmark can import ``engine_timings``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

try:
    import xlcase  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xlcase.appraisal import appraise, appraise_arrays
from xlcase.model import Assumptions, BenefitLine, Case, CostLine, Option

OPTIONS = 50
COST_LINES = 2_500
BENEFIT_LINES = 2_500
YEARS = 60
RUNS = 30
SEED = 20270401


def build_case(options: int = OPTIONS, cost_lines: int = COST_LINES, benefit_lines: int = BENEFIT_LINES, years: int = YEARS) -> Case:
    """A synthetic case of the given size, lines spread over the options, one amount per year."""
    rng = np.random.default_rng(SEED)
    ids = [f"O{i}" for i in range(options)]
    cost_amounts = rng.integers(0, 50_000, size=(cost_lines, years)).astype(float).tolist()
    benefit_amounts = rng.integers(0, 60_000, size=(benefit_lines, years)).astype(float).tolist()
    return Case(
        title="Benchmark case",
        organisation="Benchmark trust",
        assumptions=Assumptions(appraisal_years=years, discount_rate=0.035, optimism_bias=0.2),
        options=[Option(id=i, name=f"Option {i}", do_nothing=(n == 0), preferred=(n == 1)) for n, i in enumerate(ids)],
        costs=[CostLine(option=ids[n % options], category="training", amounts=a) for n, a in enumerate(cost_amounts)],
        benefits=[
            BenefitLine(option=ids[n % options], beneficiary="trust", category="cash_releasing", amounts=a)
            for n, a in enumerate(benefit_amounts)
        ],
    )


def _median_ms(function, runs: int) -> float:
    function()  # warm up (reference data loaded and cached, numpy paths compiled)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def engine_timings(runs: int = RUNS) -> dict[str, float | int]:
    """Median timings, in milliseconds, of the engine on the benchmark case.

    Args:
        runs: how many timed runs each figure is the median of.

    Returns:
        ``build_case_ms`` (building the pydantic Case, for scale), ``appraise_ms`` (from the
        Case, model access included), ``appraise_arrays_ms`` (the vectorised core on ready
        option × year matrices), ``to_dict_ms``, and the case's size.
    """
    build_ms = _median_ms(build_case, max(3, runs // 10))
    case = build_case()
    result = appraise(case)
    costs = np.stack([o.costs for o in result.options]) / (1 + case.assumptions.optimism_bias)
    benefits = np.stack([o.benefits for o in result.options])

    def core() -> None:
        appraise_arrays(costs, benefits, do_nothing=0, rate=0.035, optimism_bias=0.2, preferred=1)

    return {
        "options": len(case.options),
        "lines": len(case.costs) + len(case.benefits),
        "years": case.assumptions.appraisal_years,
        "runs": runs,
        "build_case_ms": round(build_ms, 3),
        "appraise_ms": round(_median_ms(lambda: appraise(case), runs), 3),
        "appraise_arrays_ms": round(_median_ms(core, runs), 3),
        "to_dict_ms": round(_median_ms(result.to_dict, runs), 3),
    }


if __name__ == "__main__":
    print(json.dumps(engine_timings(), indent=2))
