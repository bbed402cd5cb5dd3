"""AWS config files: botocore-compatible reading, the config model, lossless editing, diffs."""
