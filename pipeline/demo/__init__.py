"""Realistic district exports (the sample generator) and the demo home built from them."""
