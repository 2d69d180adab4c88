"""Typed repositories: every query the services need, each run in the caller's transaction.

A repository never commits; the unit of work (bot/db/unit_of_work.py) that hands it out does.
"""
