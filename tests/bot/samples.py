"""Samples the shell's tests share: a complete, valid proposal with one risk (a vendor pitch),
and check numbers that name no check."""

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

# Numbers no check can have: beyond the id column (PostgreSQL's INTEGER overflows at 2**31, and
# Python ints beyond 2**63 cannot even be bound in SQLite), and zero. Typed as the number, shown
# back as "You have no check #<digits>".
NOT_A_CHECK = ["99999999999999999999", "9223372036854775808", "2147483648", "0", "#00"]
# Not numbers at all: digits that are not ASCII (str.isdigit and int take them), far too many
# digits, or more than digits. Answered with how to give a number.
NOT_A_NUMBER = ["²", "١٢", "1" * 31, "12abc", "-3"]
