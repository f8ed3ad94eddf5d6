"""A proposal the command-line tests share: complete, valid, with one risk (a vendor pitch)."""

GOOD = {
    "title": "Invoice coding assistant",
    "problem": "Clerks assign general-ledger codes to 3,000 invoices a week by hand.",
    "origin": "vendor_pitch",
    "business_owner": "Finance operations lead",
    "kpi": "Invoices coded without correction",
    "annual_value_eur": 90_000,
    "annual_cost_eur": 25_000,
    "new_data_per_week": 3000,
    "retraining": "monthly",
    "serving": "batch",
    "ml_engineers": 0,
    "data_scientists": 1,
    "security_gaps": False,
    "data_access": True,
    "operating_plan": "Finance systems analyst runs it monthly and reviews the error report.",
}
