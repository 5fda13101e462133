"""Pool freshness: change-feed handlers, bulk apply, active refresh and nightly calibration."""
