"""Local state: role-credential entries, locks, the keyring store and atomic file writes.

Stdlib only at import time: a credential_process cache hit imports from here.
"""
