"""Reaching AWS: botocore clients, the portal API, answer caps, deadlines and pacing."""
