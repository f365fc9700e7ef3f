"""lib.checks.ui"""
