"""BMS: accounts, ledger, freezes, settlement, reconciliation."""
