"""What tests share that is not a fixture: bots, users, seeds and simulated time.

Test modules import helpers from here, never from another test module or a conftest.
"""
