"""tinyext: one C function, so the wheel carries one extension module built with this host's toolchain."""
