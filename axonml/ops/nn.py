"""(being written) ops of the nn family."""
__all__ = []
