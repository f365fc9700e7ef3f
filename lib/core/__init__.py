"""lib.core"""
