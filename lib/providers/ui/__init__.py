"""lib.providers.ui"""
