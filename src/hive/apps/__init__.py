"""The HTTP applications Hive runs as separate processes: HCM (brain + UI) and HAG (gateway)."""
