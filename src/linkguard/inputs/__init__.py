"""Inputs: command-line paths -> candidates to inspect (files now; archive members through inputs/archives.py)."""
