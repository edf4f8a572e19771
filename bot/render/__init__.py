"""Everything the user sees: texts, policy cards, keyboards, callback data.

Domain code (knowledge/, services/) never builds Telegram markup; handlers never format
text themselves. All data and user text is HTML-escaped here.
"""
