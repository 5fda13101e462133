"""Admin console and tenant workbench: server-rendered pages served by HCM."""
