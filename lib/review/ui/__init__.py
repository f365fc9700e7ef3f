"""lib.review.ui"""
