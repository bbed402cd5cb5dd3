"""ssohelper: retire static AWS access keys with IAM Identity Center."""

import time

__version__ = "0.1.0"
PROCESS_STARTED = time.monotonic()  # credential-process's 55 s budget counts from here
