"""Events exchanged between services: the envelope and the catalogue of event schemas."""
from shared.events.envelope import Envelope, InvalidEvent, new_envelope, parse_envelope

__all__ = ["Envelope", "InvalidEvent", "new_envelope", "parse_envelope"]
