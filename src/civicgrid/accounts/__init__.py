"""Accounts: users, roles, tokens and the data each role may see."""
