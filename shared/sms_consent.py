"""The words a participant agrees to before any text message is sent to them.

Shown beside the consent box on their page and stored with the time of consent by roster, so the
record says what exactly was agreed to. Neutral on purpose: a text must not disclose treatment.
"""
SMS_CONSENT_WORDING = (
    "I agree to receive text messages about my session times, changes and links at the phone number "
    "on file. Message and data rates may apply. I can stop them at any time on this page."
)
