"""Every differentiable op, one Function per op, grouped by family (see ARCHITECTURE.md)."""
