"""Notifications: the in-app inbox and outbound channels (SMS, WeCom, DingTalk, email)."""
