"""Developer and operator tools that are not part of a service (the `make run` launcher, helpers)."""
