"""Distribution pools: which pool products each tenant may see and buy."""
