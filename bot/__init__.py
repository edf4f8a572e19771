"""policybot: the Telegram application, its CLI and its settings."""
