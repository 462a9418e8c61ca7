"""The Flask side every service shares: application factory, errors, correlation ids, metrics."""
