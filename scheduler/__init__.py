"""Scheduled jobs: small async functions run by PTB's JobQueue (APScheduler).

Each job scans the database for due work, so a restart loses nothing.
"""
