"""One module per feature; each exports ``build_handlers()``. Wiring is in bot/app.py."""
