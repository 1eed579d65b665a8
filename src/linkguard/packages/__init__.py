"""Packages and hosts: where an artifact lives.

A package is the unit an artifact ships and installs in (a wheel, an npm package, an app or framework bundle, or
the release archive or directory given); a host is the program that loads a plugin (CPython, Node.js). What the
package bundles and what the host provides are facts about the artifact's needs (`model.Provision`), never
findings; what the package declares (a wheel's platform tag, npm's `os`/`cpu`/`libc`) is checked by LG106.
"""
