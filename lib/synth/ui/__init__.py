"""lib.synth.ui"""
