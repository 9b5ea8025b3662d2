"""(being written) ops of the conv family."""
__all__ = []
