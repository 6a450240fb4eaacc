"""The financial case: what each option costs the trust in cash, year by year, and how that reconciles
with the economic case.

The economic case (xlcase.appraisal) is in real terms, counts every benefit, uplifts costs for
optimism bias and costs pensions at the whole employer rate. A board approves affordability: cash
out of and into the trust's budget. For each option and financial year, in cash terms from the
price base year (pay lines uplifted by the pay award, other lines by non-pay inflation, both a year):

- pay: the pay categories' lines (pay, backfill, mentoring, management, external staff), less the
  9.4% pension that NHS England pays centrally; non-pay: the other lines, apprenticeship fees among them;
- recurrent and non-recurrent costs apart (a line's own flag, else its category; trainee posts are
  not recurrent);
- funding: apprenticeship fees the levy (or the government, co-invested) pays, and the funding lines
  the case names (already in cash);
- cash-releasing benefits (uplifted by the pay award: in a workforce case they are pay: agency and
  bank shifts, vacancies);
- the net impact on the trust's income and expenditure, that impact against doing nothing, and its
  running total.
No optimism bias: the financial case shows the expected cash; the risk is the economic case's.
The Affordability sheet computes the same figures by formula; the tests compare them in LibreOffice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xlcase.appraisal import OptionMatrix, effective_optimism_bias
from xlcase.conventions import CASH_RELEASING, PAY_CATEGORIES, RECURRENT_CATEGORIES
from xlcase.model import Case, CostLine
from xlcase.text import financial_year
from xlcase.workforce import generated_lines

YEAR_KEYS = ("pay", "non_pay", "total_costs", "recurrent_costs", "non_recurrent_costs", "funding",
             "cash_releasing_benefits", "net_impact", "net_impact_vs_do_nothing", "cumulative_vs_do_nothing")
RECONCILIATION_KEYS = ("economic_net_benefit_vs_do_nothing", "less_non_cash_benefits", "add_optimism_bias",
                       "add_pension_paid_centrally", "add_funding", "inflation_to_cash", "financial_net_impact_vs_do_nothing")


def line_recurrent(line: CostLine) -> bool:
    """A typed cost line continues after the project if it says so, else if its category usually does."""
    if line.recurrent is not None:
        return line.recurrent
    return line.category in RECURRENT_CATEGORIES


@dataclass(frozen=True)
class OptionAffordability:
    """One option's financial case: figures by financial year (cash) and the reconciliation (totals)."""

    id: str | None
    name: str | None
    years: dict[str, np.ndarray]  # YEAR_KEYS -> one value per appraisal year
    reconciliation: dict[str, float]  # RECONCILIATION_KEYS -> totals over the appraisal period

    def to_dict(self, base_year: int) -> dict[str, Any]:
        count = len(self.years["pay"])
        return {
            "id": self.id,
            "name": self.name,
            "years": [{"year": t, "financial_year": financial_year(base_year + t),
                       **{key: float(self.years[key][t]) for key in YEAR_KEYS}} for t in range(count)],
            "reconciliation": {key: float(value) for key, value in self.reconciliation.items()},
        }


@dataclass(frozen=True)
class Affordability:
    """The financial case of every option of a case, with the assumptions it used."""

    price_base_year: int
    pay_award: float
    non_pay_inflation: float
    base_year: int
    options: tuple[OptionAffordability, ...] = field(default=())

    def option(self, option_id: str) -> OptionAffordability | None:
        return next((o for o in self.options if o.id == option_id), None)

    def to_dict(self) -> dict[str, Any]:
        """`affordability` of ``xlcase recalc --format json``."""
        return {
            "price_base_year": self.price_base_year,
            "pay_award": self.pay_award,
            "non_pay_inflation": self.non_pay_inflation,
            "options": [o.to_dict(self.base_year) for o in self.options],
        }


def uplift(rate: float, base_year: int, price_base_year: int, years: int) -> np.ndarray:
    """Cash over real for each appraisal year: (1 + rate) ^ (financial year - price base year)."""
    return (1.0 + rate) ** (base_year + np.arange(years) - price_base_year)


def affordability(case: Case) -> Affordability:
    """The financial case of every option (see the module docstring)."""
    a = case.assumptions
    years = a.appraisal_years
    base_prices = a.price_base_year if a.price_base_year is not None else a.base_year
    pay_index = uplift(a.pay_award, a.base_year, base_prices, years)
    non_pay_index = uplift(a.non_pay_inflation, a.base_year, base_prices, years)
    by_option = OptionMatrix(case, years)
    workforce = generated_lines(case, years)

    def typed(pay: bool, recurrent: bool | None = None) -> np.ndarray:
        return by_option([c for c in case.costs if (c.category in PAY_CATEGORIES) == pay
                          and (recurrent is None or line_recurrent(c) == recurrent)])

    def generated(measure: str, pay: bool | None = None, recurrent: bool | None = None) -> np.ndarray:
        return by_option([g for g in workforce if g.measure == measure
                          and (pay is None or (g.category in PAY_CATEGORIES) == pay)
                          and (recurrent is None or g.recurrent == recurrent)])

    pay_real = typed(True) + generated("cost", True)
    central = generated("central_pension", True)
    non_pay_real = typed(False) + generated("cost", False)
    recurrent_pay = typed(True, True) + generated("cost", True, True) - generated("central_pension", True, True)
    recurrent_non_pay = typed(False, True) + generated("cost", False, True)
    funding = generated("funding") * non_pay_index + by_option(case.funding)
    cash_releasing_real = by_option([b for b in case.benefits if b.category == CASH_RELEASING])
    all_benefits = by_option(case.benefits)

    pay = (pay_real - central) * pay_index
    non_pay = non_pay_real * non_pay_index
    total = pay + non_pay
    recurrent = recurrent_pay * pay_index + recurrent_non_pay * non_pay_index
    cash_releasing = cash_releasing_real * pay_index
    net = funding + cash_releasing - total
    dn = next((i for i, o in enumerate(case.options) if o.do_nothing), None)

    def against(matrix: np.ndarray) -> np.ndarray:
        return matrix - (matrix[dn] if dn is not None else 0.0)

    net_vs_dn = against(net)
    bias = np.array([effective_optimism_bias(case, i) for i in range(len(case.options))])[:, None] \
        if case.options else np.zeros((0, 1))
    raw_costs = pay_real + non_pay_real
    economic = against(all_benefits) - against(raw_costs * (1 + bias))
    reconciliation = {
        "economic_net_benefit_vs_do_nothing": economic.sum(axis=1),
        "less_non_cash_benefits": -against(all_benefits - cash_releasing_real).sum(axis=1),
        "add_optimism_bias": against(raw_costs * bias).sum(axis=1),
        "add_pension_paid_centrally": against(central * pay_index).sum(axis=1),
        "add_funding": against(funding).sum(axis=1),
        "inflation_to_cash": (against(cash_releasing_real) * (pay_index - 1) - against(pay_real) * (pay_index - 1)
                              - against(non_pay_real) * (non_pay_index - 1)).sum(axis=1),
        "financial_net_impact_vs_do_nothing": net_vs_dn.sum(axis=1),
    }
    figures = {"pay": pay, "non_pay": non_pay, "total_costs": total, "recurrent_costs": recurrent,
               "non_recurrent_costs": total - recurrent, "funding": funding, "cash_releasing_benefits": cash_releasing,
               "net_impact": net, "net_impact_vs_do_nothing": net_vs_dn,
               "cumulative_vs_do_nothing": np.cumsum(net_vs_dn, axis=1)}
    options = tuple(
        OptionAffordability(o.id, o.name, {key: figures[key][i] for key in YEAR_KEYS},
                            {key: float(reconciliation[key][i]) for key in RECONCILIATION_KEYS})
        for i, o in enumerate(case.options)
    )
    return Affordability(base_prices, a.pay_award, a.non_pay_inflation, a.base_year, options)
