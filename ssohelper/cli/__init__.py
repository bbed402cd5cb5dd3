"""The click command line (see app.py). Only this package imports click."""
