"""lib.snapshots"""
