"""(being written) ops of the indexing family."""
__all__ = []
