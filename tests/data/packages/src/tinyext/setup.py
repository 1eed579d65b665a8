"""A tiny CPython extension, built here into a `linux_x86_64` wheel (not a portable tag) by fetch.py."""

from setuptools import Extension, setup

setup(
    name="tinyext",
    version="1.0",
    packages=["tinyext"],
    ext_modules=[Extension("tinyext._tiny", ["tinyext/_tiny.c"], libraries=["m"])],
)
