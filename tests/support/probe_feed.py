"""Imported by the worker start of the probe domain (stands for a module that subscribes
change-feed handlers on import)."""
