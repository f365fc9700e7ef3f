"""lib.datasets.ui"""
