"""The exit kit: inventory, pull, record, retrain elsewhere and compare to the reference."""
