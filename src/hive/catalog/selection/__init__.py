"""Selection into the pool: live upstream search, manual selection and selection rules."""
