"""xlcase's own conventions that the engine and the workbook's formulas must share (not dated reference data)."""

HEALTH_CLASS = "health"  # the benefit class discounted at the Green Book health rate (QALY-valued effects)
PAYBACK_TOLERANCE = 1e-6  # pounds: a cumulative net benefit this close below zero is rounding, not a shortfall
RECONCILIATION_ROUNDING = 0.01  # pounds: how far the financial case's reconciliation may miss (rounding)

# The financial case: which cost categories are pay (uplifted by the pay award in cash terms) and which
# continue after the project (recurrent) unless a line says otherwise.
PAY_CATEGORIES = frozenset({"pay", "backfill", "mentoring", "management", "external_staff"})
RECURRENT_CATEGORIES = frozenset({"pay", "management", "external_staff"})
CASH_RELEASING = "cash_releasing"  # the benefit class that the financial case counts as cash
TYPICAL_STANDARD = "ST0215"  # the assistant practitioner (health) apprenticeship, whose duration is the default
DRIVER_FIGURE = "switching_value_"  # + a driver: its switching value in the Results table (switching_value_agency_rate)
# Defined names of Inputs cells that the rules locate as well as the formulas use.
PENSION_TOTAL_RATE, PENSION_CENTRAL_RATE, LEVY_RATE = "PensionTotalRate", "PensionCentralRate", "LevyRate"
