"""One module per feature; each declares its ``FEATURE`` (bot/features.py), listed in
bot/registry.py. Wiring is in bot/app.py."""
