"""(being written) ops of the shape family."""
__all__ = []
