"""The clinic's words and limits, defined once: the event catalogue (the wire contract), the API
schemas, the domain rules and the adapters all import them from here. Pure Python."""
from __future__ import annotations

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MODALITIES = ("in_person", "virtual", "hybrid")
GROUP_KINDS = ("psychoeducation", "process")
ENROLLMENT_POLICIES = ("open", "closed")
END_REASONS = ("completed", "discharged", "withdrew", "transferred", "stepped_up", "stepped_down")
CHANNELS = ("email", "sms", "in_app")
ATTENDANCE = ("not_recorded", "present", "late", "left_early", "absent", "excused")

# A group below six active members is still forming; above fifteen it is no longer a therapy group.
MIN_CAPACITY, MAX_CAPACITY = 6, 15
# A quarter hour is the shortest billable group contact; eight hours the longest IOP day.
MIN_DURATION_MINUTES, MAX_DURATION_MINUTES = 15, 480
