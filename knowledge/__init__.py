"""Pure policy domain code: documents, entries, text processing and matching.

Nothing in this package imports telegram or touches the network; everything is
testable offline.
"""
