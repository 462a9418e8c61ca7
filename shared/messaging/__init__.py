"""Reliable messaging between services: transactional outbox, relay, idempotent consumers."""
