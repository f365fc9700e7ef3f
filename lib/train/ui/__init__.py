"""lib.train.ui"""
