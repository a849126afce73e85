"""Intake: every channel through which requests reach the district."""
