"""Screens of the access feature: team and roles, my queue, activity."""
