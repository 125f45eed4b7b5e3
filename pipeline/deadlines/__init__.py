"""Deadlines: Chinese working days, the year's holiday notice, Annex 1's rules, each order's
two clocks and their lights, and the explanation of a date."""
