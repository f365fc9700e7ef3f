"""lib.evaluate.ui"""
