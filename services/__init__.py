"""Application services: they compose the pure domain (``knowledge``) with storage."""
