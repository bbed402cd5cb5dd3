"""Token storage: the SSO token, its registration, and where their secrets live."""
