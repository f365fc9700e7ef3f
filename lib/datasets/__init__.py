"""lib.datasets"""
