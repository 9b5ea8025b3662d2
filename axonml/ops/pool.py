"""(being written) ops of the pool family."""
__all__ = []
