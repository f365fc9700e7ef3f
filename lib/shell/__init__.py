"""lib.shell"""
