"""(being written) ops of the norm family."""
__all__ = []
