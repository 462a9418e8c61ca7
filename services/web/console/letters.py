"""The attendance letter: a printable PDF of an export, with the consent it rests on, the
redisclosure notice of 42 CFR 2.32 and a verification code naming the disclosure."""
from __future__ import annotations

import hashlib
import hmac

from fpdf import FPDF

from services.web.console.consent import Consent
from services.web.console.presenting import local


def verification_code(secret: str, disclosure_id: str) -> str:
    digest = hmac.new(secret.encode(), disclosure_id.encode(), hashlib.sha256).hexdigest().upper()
    return "-".join(digest[i:i + 4] for i in range(0, 12, 4))


def _latin(text: str) -> str:
    # The PDF core fonts are Latin-1: typographic quotes and dashes become their plain forms.
    replaced = (text or "").translate(str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                                                     "\u2013": "-", "\u2014": "-", "\u00a7": "\u00a7"}))
    return replaced.encode("latin-1", "replace").decode("latin-1")


def attendance_letter(export: dict, participant: dict, consent: Consent, code: str, issued_by: str) -> bytes:
    disclosure = export["disclosure"]
    tz = export.get("timezone")
    pdf = FPDF(format="Letter")
    pdf.set_title("Attendance letter")
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Attendance letter", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    lines = [
        f"To: {disclosure['recipient']}",
        f"Purpose: {disclosure['purpose']}",
        f"Participant: {participant['preferred_name']}",
        f"Period: {export['from']} to {export['to']}",
        f"Issued: {local(disclosure['created_at'], tz, '%B %-d, %Y')} by {issued_by}",
        f"Consent: written consent signed by {consent.signed_by} on {consent.signed_on.isoformat()}, "
        f"valid until {consent.expires_on.isoformat()} (42 CFR 2.31).",
    ]
    for line in lines:
        pdf.multi_cell(0, 6, _latin(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, f"Total: {export['total_hours']} hours; weekly minimum {export['minimum_hours']} hours",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    with pdf.table(col_widths=(40, 30, 30, 40), text_align="LEFT") as table:
        table.row(["Week of", "Hours", "Sessions", "Below minimum"])
        for week in export["weeks"]:
            table.row([week["week_start"], f"{week['hours']}", str(week["sessions_attended"]),
                       "yes" if week["below_minimum"] else "no"])
    pdf.ln(2)
    with pdf.table(col_widths=(60, 40, 30), text_align="LEFT") as table:
        table.row(["Session", "Attendance", "Minutes"])
        for session in export["sessions"]:
            table.row([local(session["starts_at"], tz, "%a %b %-d, %Y %-I:%M %p"),
                       session["status"].replace("_", " ") + (" (walk-in)" if session.get("walk_in") else ""),
                       str(session["minutes"])])
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Notice prohibiting redisclosure", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(0, 5, _latin(export["redisclosure_notice"]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(0, 6, _latin(f"Verification code: {code} (disclosure {disclosure['id']}). "
                                "The program confirms this letter on request with this code."),
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
