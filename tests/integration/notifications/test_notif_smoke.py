from tests.integration.notifications.notif_world import World, sink, sms_provider  # noqa: F401

def test_smoke(settings_for, sink, sms_provider):
    w = World(settings_for, sink, sms_provider)
    f = w.facilitator()
    g = w.group([f])
    p = w.participant(channels=("email", "sms", "in_app"), sms_consent=True, phone="+15555550123")
    w.enroll(g, p)
    w.send_due()
    for r in w.rows():
        print(r.channel, r.kind, r.status, r.reason, r.attempts, r.last_error, r.title, r.body)
    print([m["Subject"] for m in sink.messages()])
    print(sink.messages()[0].get_body(("plain",)).get_content())
    print(sms_provider.received)
