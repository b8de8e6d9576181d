"""The back-office server (``ireti-till server``): tills' feeds, catalog, cross-till refunds,
fleet health, on PostgreSQL. The till's own packages never import this one."""
