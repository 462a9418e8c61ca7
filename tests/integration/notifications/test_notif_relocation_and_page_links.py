"""A change of modality or place is its own notice (with each member's join link when there is now a
room); every participant's message carries their personal page link of the current generation; a
fresh link asked for by email arrives by email."""
from datetime import timedelta

from services.notifications.domain.model import FACILITATOR_CHANNELS  # noqa: F401 - facilitators: email
from shared.join_links import LinkSigner
from shared.page_links import PageLinkSigner
from tests.integration.notifications.notif_world import World, now
from tests.support.tokens import TEST_SECRET

WEB = "http://web.test"


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def links_in(text: str, prefix: str) -> list[str]:
    return [word for word in text.split() if word.startswith(prefix)]


def page_link_of(text: str):
    [url] = links_in(text, f"{WEB}/p/")
    return PageLinkSigner(TEST_SECRET, WEB).read(url.rsplit("/", 1)[1])


def snow_day(world, starts_in: timedelta):
    facilitator = world.facilitator()
    group = world.group([facilitator], modality="in_person", location="Room 4")
    members = [world.participant(), world.participant(channels=("email", "in_app"))]
    for member in members:
        world.enroll(group, member)
    starts = now() + starts_in
    session = world.session(group, starts, modality="in_person", location="Room 4")
    world.send_due()  # welcomes (and any reminder already due)
    return facilitator, group, members, session, starts


def test_a_snow_day_tells_each_member_it_is_online_with_their_own_join_link_at_once(settings_for, sink):
    world = World(settings_for, sink, WEB_PUBLIC_URL=WEB)
    facilitator, group, members, session, starts = snow_day(world, timedelta(hours=12))
    already = len(sink.messages())

    world.relocate(session, group, starts, "in_person", "virtual", previous_location="Room 4")
    world.send_due()

    notices = [m for m in sink.messages()[already:] if "is online" in m["Subject"]]
    assert {m["To"] for m in notices} >= {f"p-{pid[:8]}@example.org" for pid in members}
    assert all("Session time changed" not in m["Subject"] for m in sink.messages())
    for member in members:
        [notice] = [m for m in notices if m["To"] == f"p-{member[:8]}@example.org"]
        text = plain(notice)
        assert "The time has not changed" in text
        [join] = links_in(text, "http://sessions.test/join/")
        ids = LinkSigner(TEST_SECRET, "http://sessions.test").read_join_token(join.rsplit("/", 1)[1])
        assert tuple(map(str, ids)) == (session, member)
        assert str(page_link_of(text).participant_id) == member
    rows = world.rows(session_id=session, kind="session_relocated")
    assert rows and all(r.urgent for r in rows)  # 12 hours away: it goes through quiet hours
    [in_app] = [r for r in rows if r.channel == "in_app"]
    assert "Join with your link" in in_app.body
    # The pending reminder turned into an online one: it will carry the join link.
    pending = [r for r in world.rows(session_id=session) if r.kind.startswith("reminder") and r.status == "pending"]
    assert pending and {r.kind for r in pending} == {"reminder_virtual"}


def test_a_move_to_another_room_two_days_ahead_says_where_and_is_not_urgent(settings_for, sink):
    world = World(settings_for, sink, WEB_PUBLIC_URL=WEB)
    facilitator, group, members, session, starts = snow_day(world, timedelta(days=2))
    world.relocate(session, group, starts, "in_person", "in_person", previous_location="Room 4",
                   location="Room 9")
    world.send_due()
    [notice, *_] = [m for m in sink.messages() if "new place" in m["Subject"]]
    assert "moves to Room 9" in plain(notice) and "/join/" not in plain(notice)
    assert not any(r.urgent for r in world.rows(session_id=session, kind="session_relocated"))


def test_messages_carry_a_page_link_of_the_generation_roster_announced_last(settings_for, sink):
    world = World(settings_for, sink, WEB_PUBLIC_URL=WEB)
    group = world.group([world.facilitator()])
    member = world.participant()
    world.enroll(group, member)
    world.send_due()
    [welcome] = [m for m in sink.messages() if m["To"] == f"p-{member[:8]}@example.org"]
    assert page_link_of(plain(welcome)).generation == 1
    assert "open your page" in welcome.get_body(("html",)).get_content()

    world.participant(participant_id=member, event="roster.participant.updated", page_link_generation=2)
    world.publish("roster.participant.page_link_requested", {"participant_id": member})
    world.send_due()
    [fresh] = [m for m in sink.messages() if m["Subject"] == "Your personal link"]
    assert fresh["To"] == f"p-{member[:8]}@example.org"
    assert page_link_of(plain(fresh)).generation == 2


def test_a_requested_link_goes_by_email_even_to_someone_who_chose_only_in_app_and_once(settings_for, sink):
    world = World(settings_for, sink, WEB_PUBLIC_URL=WEB)
    member = world.participant(channels=("in_app",), quiet_hours={"start": "00:00", "end": "23:59"})
    event = world.publish("roster.participant.page_link_requested", {"participant_id": member})
    world.pipeline.handle(event)  # redelivered: no second email
    world.send_due()
    assert [m["Subject"] for m in sink.messages()] == ["Your personal link"]
