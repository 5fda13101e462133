"""The JD VOP adapter: transport, token, result codes, wire models, mapping, adapter."""
