"""(being written) ops of the loss family."""
__all__ = []
