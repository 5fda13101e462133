"""OMS: orders, sub-orders per supplier, the state machine, acceptance, the timeline."""
