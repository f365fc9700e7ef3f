"""lib.snapshots.ui"""
