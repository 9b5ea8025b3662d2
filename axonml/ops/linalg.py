"""(being written) ops of the linalg family."""
__all__ = []
