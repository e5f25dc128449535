"""The service's routes, one module per area: quotes, plans, renewal, operations."""
