"""A faithful, stateful stand-in for JD VOP (see ``docs/vop-simulator.md``).

The catalogue is synthetic and costs no storage: every attribute of a SKU is a pure function of
its id and a seed. Only what changes over time (drift overlays, tokens, orders, after-sales,
messages, balance) lives in a small SQLite file.
"""
