"""Privacy by default, checked on everything the platform wrote during a module's stories (SPEC 3:
"logs carry ids, never names, emails or phone numbers"; message texts never name the recipient; SPEC 8:
a session note's text never appears in a log, an event, a message or an error).

`People` invents the people of a story (distinctive names, emails and phone numbers that cannot turn
up by accident) and remembers each one registered. `Scan` then reads every line each process wrote
(stdout and stderr), every email the mail sink kept, every SMS the SMS provider was handed, every
in-app notification and the notification log, looking for any person's full name, name tokens,
email, email local part and phone number (E.164, digits only, national form). A hit is reported by
place (file, line, field) and by whose and what kind of datum it is, never by the value itself, so
the failure message does not repeat the leak.
"""
from __future__ import annotations

import html
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path
from typing import Protocol, TypeVar

import sqlalchemy as sa

# Every token is 5+ letters and found nowhere in the code, templates or English prose of the
# messages; tokens are matched as whole words, so "Vance" is not found in "in advance".
FIRST_NAMES = (
    "Marisol", "Thaddeus", "Oluwaseun", "Anneliese", "Bartholomew", "Ximena", "Evangelina", "Leopoldo",
    "Wilhelmina", "Perpetua", "Radomir", "Svetlana", "Octavia", "Marguerite", "Casimir", "Philippa",
    "Esperanza", "Rosalind", "Benedikt", "Zenobia", "Lucinda", "Florentyna", "Dashiell", "Imogen",
    "Horatio", "Genoveva", "Ignatius", "Cosimo", "Augustin", "Ottoline",
)
LAST_NAMES = (
    "Quintero-Vance", "Okonkwo-Barrett", "Lindqvist", "Fairweather", "Szczepanski", "Abernathy",
    "Valdivieso", "Thistlewood", "Nakashima-Brandt", "Oyelaran", "Kowalczyk", "Ellingsworth",
    "Montgomery-Achebe", "Castellanos", "Haverbrook", "Wojciechowski", "Ravenscroft", "Delacroix-Mbeki",
    "Pennington", "Vasquez-Holloway", "Ashworth", "Iordanescu", "Blackwood-Tanaka", "Strathmore",
    "Featherstone", "Zamorano", "Kingsolver", "Marchetti", "Underhill", "Okafor-Lindgren",
)
# Numbers reserved for fiction: NANP 555-01xx and Ofcom's drama range 07700 900xxx.
US_AREA_CODES = ("617", "312", "503", "415", "720", "206")
MIN_TOKEN = 4  # name tokens shorter than this are not looked for (they would match ordinary words)
# Invented words that start every session note a story writes: found nowhere else, so a hit on one
# is a note's text where it must not be (SPEC 8: never in an event, a log, a message or an error).
NOTE_WORDS = ("Quillonbrook", "Ferndavish", "Orrimantle", "Zephyrook", "Vandelquist", "Thornawick",
              "Maplesnarth", "Brindlewhit", "Corvanesse", "Glimmerdown")


class Someone(Protocol):
    id: str
    role: str
    name: str
    email: str
    phone: str | None


P = TypeVar("P", bound=Someone)


class People:
    """Everyone a story registered, with the names, emails and phones nobody may write down."""

    def __init__(self) -> None:
        self._numbers = itertools.count()
        self.everyone: list[Someone] = []
        self.note_texts: list[tuple[str, str, str]] = []  # (whose, invented word, full text)
        self._notes = itertools.count()

    def invent(self, role: str, phone: bool = False) -> tuple[str, str, str | None]:
        """(full name, email, E.164 phone or None) for a new person; unique for 900 people."""
        n = next(self._numbers)
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = LAST_NAMES[(n + n // len(FIRST_NAMES)) % len(LAST_NAMES)]
        domain = "clinic.example" if role == "facilitator" else "mail.example"
        if n % 2 == 0:  # the name in the address ...
            local = f"{first}.{last}.{n}".lower()
        else:  # ... or only initials, so the address is found by itself, not through the name
            local = "".join(word[0] for word in re.split(r"[\s-]", f"{first} {last}")).lower() + str(40000 + n)
        number = None
        if phone:
            number = (f"+1{US_AREA_CODES[(n // 100) % len(US_AREA_CODES)]}55501{n % 100:02d}" if n % 2 == 0
                      else f"+447700900{n % 1000:03d}")
        return f"{first} {last}", f"{local}@{domain}", number

    def note_text(self, whose: str, body: str) -> str:
        """A session note's text for a story, opening with an invented word, remembered for the scan."""
        n = next(self._notes)
        word = f"{NOTE_WORDS[n % len(NOTE_WORDS)]}{n // len(NOTE_WORDS) or ''}"
        text = f"{word} {body}"
        self.note_texts.append((whose, word, text))
        return text

    def add(self, person: P) -> P:
        self.everyone.append(person)
        return person

    def __len__(self) -> int:
        return len(self.everyone)


# --- finding ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Needle:
    whose: str  # "participant <id>": ids are not personal data, so they may be shown
    what: str  # "full name", "name token", "email", "email local part", "phone"


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation of many literal words, factored by common prefixes: a search costs about
    the same for 2,000 words as for one (a flat alternation tries every word at every position)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body  # greedy: the longest word wins

    return pattern(trie)


def _phone_forms(phone: str) -> set[str]:
    digits = re.sub(r"\D", "", phone)
    forms = {digits}
    if digits.startswith("1") and len(digits) == 11:
        forms.add(digits[1:])  # (617) 555-0142
    if digits.startswith("44"):
        forms.add("0" + digits[2:])  # 07700 900123
    return forms


_LETTER = re.compile(r"[^\W\d_]")
_NOT_DIGIT = re.compile(r"\D")


class Needles:
    def __init__(self, people: Iterable[Someone], note_texts: Iterable[tuple[str, str, str]] = ()):
        self.words: dict[str, Needle] = {}  # lower-case text -> whose and what
        self.whole_words: set[str] = set()  # matched only between non-letters
        self.phones: dict[str, Needle] = {}  # digits -> whose
        for person in people:
            whose = f"{person.role} {person.id}"
            name = person.name.lower()
            self._word(name, Needle(whose, "full name"), whole=True)
            for token in re.split(r"[^\w]|_|\d", name):
                if len(token) >= MIN_TOKEN:
                    self._word(token, Needle(whose, "name token"), whole=True)
            email = person.email.lower()
            self._word(email, Needle(whose, "email"))
            self._word(email.partition("@")[0], Needle(whose, "email local part"))
            for form in _phone_forms(person.phone) if person.phone else ():
                self.phones[form] = Needle(whose, "phone")
        for whose, word, text in note_texts:
            self._word(text.lower(), Needle(whose, "note text"))
            self._word(word.lower(), Needle(whose, "note text word"))
        self.pattern = re.compile(_trie_pattern(self.words)) if self.words else None
        self.phone_lengths = sorted({len(form) for form in self.phones})
        # A number as people write it: digits with spaces, dots, dashes or brackets between them, at
        # least as long as the shortest form looked for (which skips the short runs of hex ids fast).
        shortest = max(min(self.phone_lengths, default=2), 2)
        self.number = re.compile(rf"\d[\d ().-]{{{shortest - 2},}}\d")

    def _word(self, text: str, needle: Needle, whole: bool = False) -> None:
        self.words.setdefault(text, needle)
        if whole:
            self.whole_words.add(text)

    def find(self, text: str) -> list[tuple[str, Needle]]:
        """(the lower-case text found, whose and what) for every hit in `text`."""
        hits = {}
        lowered = text.lower()
        if self.pattern is not None:
            for match in self.pattern.finditer(lowered):
                found, start, end = match.group(), match.start(), match.end()
                if found in self.whole_words and (start > 0 and _LETTER.match(lowered[start - 1])
                                                  or end < len(lowered) and _LETTER.match(lowered[end])):
                    continue  # "vance" inside "advance"
                hits.setdefault(self.words[found], found)
        if self.phones:
            for match in self.number.finditer(lowered):
                digits = _NOT_DIGIT.sub("", match.group())
                for length in self.phone_lengths:
                    for start in range(len(digits) - length + 1):
                        if (needle := self.phones.get(digits[start:start + length])) is not None:
                            hits.setdefault(needle, digits[start:start + length])
        return [(found, needle) for needle, found in hits.items()]


# Words that would tell anyone glimpsing a page, feed or message what the sessions are for.
DISCRETION_WORDS = (
    "addiction", "substance", "alcohol", "drug", "rehab", "recovery", "treatment", "iop", "iop groups",
    "intensive outpatient", "outpatient", "psychoeducation", "process group", "therapy", "therapist",
    "diagnosis", "counseling", "sober", "relapse", "mental health", "psychiatric",
)
# Signed tokens in URLs are random letters: they are taken out before words are looked for.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}(?:\.[A-Za-z0-9_-]{4,})*")


def undiscreet_words(text: str, also: Iterable[str] = ()) -> list[str]:
    """The words of DISCRETION_WORDS (and `also`: a story's group names) found in `text`, whole words."""
    cleaned = _TOKEN.sub(" ", text).lower()
    return [word for word in (*DISCRETION_WORDS, *(w.lower() for w in also))
            if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", cleaned)]


# --- scanning ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    where: str  # e.g. "roster.log line 12, field 'msg'"
    needle: Needle
    place: str  # where, without the line or file: "roster.log", "email text/plain part", ...

    def __str__(self) -> str:
        return f"{self.where}: {self.needle.what} of {self.needle.whose}"


@dataclass
class Scan:
    """What was read and what was found in it."""

    people: Iterable[Someone]
    note_texts: Iterable[tuple[str, str, str]] = ()  # People.note_texts: session notes the stories wrote
    discreet_also: tuple[str, ...] = ()  # group names: no participant-facing text shows them either
    findings: list[Finding] = field(default_factory=list)
    seen: Counter = field(default_factory=Counter)

    def __post_init__(self):
        self.people = list(self.people)
        self.note_texts = list(self.note_texts)
        self.needles = Needles(self.people, self.note_texts)
        self.by_email = {person.email.lower(): person for person in self.people}
        self.by_phone = {person.phone: person for person in self.people if person.phone}

    def _look(self, where: str, place: str, text: str) -> None:
        self.findings += [Finding(where, needle, place) for _, needle in self.needles.find(text)]

    def _discreet(self, where: str, place: str, text: str) -> None:
        self.findings += [Finding(where, Needle("discretion", f"the word {word!r}"), place)
                          for word in undiscreet_words(text, self.discreet_also)]

    # --- what participants see --------------------------------------------------------------------
    def surface(self, kind: str, where: str, text: str) -> None:
        """A participant-facing page, feed or URL (`kind`: "page", "feed", "url"): nobody's personal
        data, and no word naming the program, a group's kind (or name), a diagnosis or a treatment."""
        self.seen[f"participant {kind}s"] += 1
        self._look(where, f"participant {kind}", text)
        self._discreet(where, f"participant {kind}", text)

    # --- logs -------------------------------------------------------------------------------------
    def log(self, source: str, text: str) -> None:
        """Every line of one process's output (its stdout and stderr, JSON or not)."""
        for number, line in enumerate(text.splitlines(), start=1):
            self.seen["log lines"] += 1
            for found, needle in self.needles.find(line):
                self.findings.append(Finding(f"{source} line {number}{_json_field(line, found)}", needle, source))

    # --- messages ---------------------------------------------------------------------------------
    def email(self, path: Path) -> None:
        """One .eml file of the mail sink: every header decoded, every part decoded (HTML unescaped).

        The To header, and the X-Envelope-To line the mail sink adds, legitimately carry the address
        of the message's own recipient: that one address is taken out of those two headers, and of
        nothing else, before they are read; any other address, or a display name, there is a hit.
        (Read with the email package's compat32 API: ten times faster than its modern one, which
        would add seconds to the 300 emails of the shutdown stream.)"""
        self.seen["emails"] += 1
        message = BytesParser(policy=policy.compat32).parsebytes(path.read_bytes().replace(b"\r\n", b"\n"))
        to = getaddresses(message.get_all("To", []))
        own = to[0][1].lower() if len(to) == 1 else None
        if own not in self.by_email:
            self.findings.append(Finding(f"{path.name} header 'To'", Needle("nobody registered", "recipient"),
                                         "email header 'To'"))
        for name, value in message.items():
            value = _decoded_header(value)
            if own and name.lower() in ("to", "x-envelope-to"):
                value = re.sub(re.escape(own), "", value, flags=re.IGNORECASE)
            self._look(f"{path.name} header '{name}'", f"email header '{name}'", value)
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            content = payload.decode(part.get_content_charset() or "latin-1", errors="replace")
            if part.get_content_type() == "text/html":
                content = html.unescape(content)
            self.seen["email parts"] += 1
            where = f"{path.name} {part.get_content_type()} part"
            self._look(where, f"email {part.get_content_type()} part", content)
            self._discreet(where, f"email {part.get_content_type()} part", content)
        self._discreet(f"{path.name} header 'Subject'", "email header 'Subject'", _decoded_header(message["Subject"] or ""))
        self._discreet(f"{path.name} header 'From'", "email header 'From'", _decoded_header(message["From"] or ""))

    def sms(self, request: Mapping) -> None:
        """One POST the SMS provider received: the `to` field must be exactly a registered phone and is
        the one place a phone may be; every other field of the body, the path and the headers are read."""
        self.seen["sms"] += 1
        body = dict(request["body"])
        where = f"SMS #{self.seen['sms']}"
        if body.pop("to", None) not in self.by_phone:
            self.findings.append(Finding(f"{where} field 'to'", Needle("nobody registered", "phone"), "SMS field 'to'"))
        for key, value in body.items():
            self._look(f"{where} field '{key}'", f"SMS field '{key}'", str(value))
            self._discreet(f"{where} field '{key}'", f"SMS field '{key}'", str(value))
        self._look(f"{where} path", "SMS path", request["path"])
        for key, value in request["headers"].items():
            self._look(f"{where} header '{key}'", f"SMS header '{key}'", str(value))

    def in_app(self, participant_id: str, items: list[dict]) -> None:
        """A participant's in-app inbox as the API shows it to them."""
        for item in items:
            self.seen["in-app notifications"] += 1
            for key, value in item.items():
                where = f"in-app notification {item.get('id')} of participant {participant_id}, field '{key}'"
                self._look(where, f"in-app field '{key}'", str(value))
                self._discreet(where, f"in-app field '{key}'", str(value))

    def records(self, source: str, items: list[dict], where: str | None = None) -> None:
        """Records ops read (the notification log: reasons and last errors are free text; the access
        audit's rows)."""
        for item in items:
            self.seen[source] += 1
            for key, value in item.items():
                self._look(f"{where or source + ' entry'} {item.get('id')}, field '{key}'", f"{source} field '{key}'",
                           str(value))

    # --- verdicts ---------------------------------------------------------------------------------
    def assert_saw(self, least: Mapping[str, int]) -> None:
        """The scan read at least this much ({what, as in `seen`: count}): it cannot pass because
        there was nothing to read."""
        short = {what: (self.seen[what], count) for what, count in least.items() if self.seen[what] < count}
        assert not short, f"the privacy scan read too little (read, expected at least): {short}; read {dict(self.seen)}"

    def assert_clean(self, limit: int = 25) -> None:
        print(f"privacy scan: read {dict(self.seen)} for {len(self.people)} people and {len(self.note_texts)} "
              f"note texts; {len(self.findings)} hits")
        if self.findings:
            where = Counter((finding.place, finding.needle.what) for finding in self.findings)
            summary = "\n  ".join(f"{count} x {what} in {place}" for (place, what), count in where.most_common())
            # The first hits of each place in turn, so that one loud source does not hide another.
            shown = "\n  ".join(str(finding) for finding in _first_of_each(self.findings, limit))
            raise AssertionError(
                f"personal data of the stories' people written where it must not be: {len(self.findings)} hits "
                f"(read {dict(self.seen)} for {len(self.people)} people)\n  {summary}\nfirst hits:\n  {shown}")


def scan_what_the_stack_wrote(stack) -> tuple[Scan, dict[str, str]]:
    """Stop every process of an e2e Stack (so what they write on their way out is read too), then
    scan each one's output, the mail sink's log, every email, every SMS and every access-audit row of
    the three services (SPEC 9: ids only); returns the scan and the processes' transcripts
    (name -> text) for the caller's own checks."""
    stack.stop_everything()  # the APIs write their queued audit rows on the way out
    scan = Scan(stack.people.everyone, stack.people.note_texts)
    transcripts = stack.transcripts()
    for process, text in transcripts.items():
        scan.log(f"{process}.log", text)
    scan.log("mail sink (test process)", "\n".join(stack.mail_log.lines))
    for path in stack.mail.files():
        scan.email(path)
    for request in stack.sms.all():
        scan.sms(request)
    for service, url in stack.database_urls.items():
        scan.records("audit rows", audit_rows(url), where=f"{service} audit row")
    return scan, transcripts


def audit_rows(database_url: str) -> list[dict]:
    """Every row of a service's access audit (shared.audit), as stored."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(sa.text("SELECT * FROM audit_log"))]
    finally:
        engine.dispose()


def _first_of_each(findings: list[Finding], limit: int) -> list[Finding]:
    """Up to `limit` findings, taking the places in turn."""
    by_place: dict[str, list[Finding]] = {}
    for finding in findings:
        by_place.setdefault(finding.place, []).append(finding)
    rounds = itertools.zip_longest(*by_place.values())
    return [finding for round_ in rounds for finding in round_ if finding is not None][:limit]


def _decoded_header(value: str) -> str:
    """A header's text with RFC 2047 encoded words (=?utf-8?q?...?=) decoded."""
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError):
        return value


def _json_field(line: str, found: str) -> str:
    """", field 'x'" for the JSON field of a log line that holds the hit ("" for a plain text line)."""
    if not line.startswith("{"):
        return ""
    try:
        record = json.loads(line)
    except ValueError:
        return ""
    if isinstance(record, dict):
        keys = [key for key, value in record.items() if found in json.dumps(value, ensure_ascii=False).lower()
                or found in re.sub(r"\D", "", json.dumps(value))]
        if keys:
            return f", field {keys[0]!r}"
    return ""
