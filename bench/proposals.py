"""Deterministic, varied proposals for benchmarks (contract field names, realistic free text)."""

from __future__ import annotations

import random
from typing import Any

_PROBLEMS = [
    "Clerks re-key {n} supplier invoices a week by hand and make costly errors.",
    "Our competitors launched AI assistants and we cannot afford to fall behind.",
    "A vendor demo showed a turnkey platform that does everything out of the box.",
    "We have budget for AI this year and want to try large language models somewhere.",
    "Planners under-staff Monday mornings; queues exceed {n} minutes. Not a vendor idea.",
    "Field engineers wait for spare parts {n} times a month because stock runs out.",
    "Churn in the SME segment rose {n}% and account managers learn about it too late.",
]
_TITLES = [
    "Invoice matching", "Demand forecast per store", "Churn early warning", "Lane detection",
    "Next-best offer", "Contract clause extraction", "Call volume forecast", "Fraud scoring",
    "Spare-part stock levels", "Customer chatbot", "Route optimisation", "Predictive maintenance",
    "Price elasticity model", "Document classification", "Energy load forecast", "Lead scoring",
]  # fmt: skip
_PLANS = [
    "The analytics team runs it weekly, with tests and an on-call rota.",
    "Not yet clear who would run it.",
    "The data scientists will run the platform in their spare time.",
    None,
]
_ORIGINS = ["business_need", "vendor_pitch", "competitor_move", "leadership_mandate",
            "technology_exploration", "unknown"]  # fmt: skip
_RETRAINING = ["never", "yearly", "quarterly", "monthly", "weekly", "daily", "continuous"]
_SERVING = ["batch", "online", "streaming", "edge", "unknown"]
_STATUS = ["none", "building", "live", "stalled", "production"]


def generate(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` valid proposals, the same ones for the same seed."""
    rng = random.Random(seed)
    proposals = []
    for index in range(count):
        value = rng.choice([None, rng.randrange(5_000, 5_000_000, 1_000)])
        proposals.append(
            {
                "title": f"{rng.choice(_TITLES)} {index}",
                "problem": rng.choice(_PROBLEMS).format(n=rng.randrange(2, 5000)),
                "origin": rng.choice(_ORIGINS),
                "business_owner": rng.choice([None, "Head of operations", "CFO office"]),
                "kpi": rng.choice([None, "Hours saved per week", "Net revenue retention"]),
                "annual_value_eur": value,
                "annual_cost_eur": rng.choice([None, rng.randrange(10_000, 900_000, 1_000)]),
                "new_data_per_week": rng.choice([None, rng.randrange(0, 2_000_000)]),
                "retraining": rng.choice(_RETRAINING),
                "models": rng.randrange(0, 20),
                "serving": rng.choice(_SERVING),
                "ml_engineers": rng.choice([None, 0, 1, 3, 10]),
                "data_scientists": rng.choice([None, 0, 1, 2, 6]),
                "security_gaps": rng.choice([None, False, False, True]),
                "data_access": rng.choice([None, True, True, False]),
                "pilot_status": rng.choice(_STATUS),
                "operating_plan": rng.choice(_PLANS),
                "notes": rng.choice([None, "The sales rep promised results in weeks."]),
            }
        )
    return proposals
