"""Parses DSNs with Python's email package, as a mail reader or a bounce processor would.

Reads one message a line from stdin, base64-encoded, and for each prints one JSON line:
{"headers": {name: value} of the top level, "content_type", "report_type", "boundary",
 "parts": [content types of the top-level parts], "text": the first part decoded,
 "per_message": {field: value}, "recipients": [{field: value}, ...],
 "original": {"content_type", "attached": whether the whole message came back (a body, not only
 headers), "headers": {name: value}, "body": text or null},
 "defects": [defects Python found anywhere]}.
Field names are lower-case; folded values are unfolded; 8-bit header octets are read as UTF-8.
"""
import base64
import email
import email.parser
import email.policy
import json
import re
import sys


def text(value):
    """A header value as str: unfolded, with raw UTF-8 octets (surrogate-escaped by the parser) decoded."""
    value = re.sub(r"\r?\n(?=[ \t])", "", str(value))
    return value.encode("ascii", "surrogateescape").decode("utf-8", "replace")


def fields(message):
    return {name.lower(): text(value) for name, value in message.raw_items()}


def blocks_of(part):
    """The field blocks of a delivery-status part: Python splits message/delivery-status itself;
    message/global-delivery-status it parses as one message whose body holds the other blocks."""
    payload = part.get_payload()
    if part.get_content_type() == "message/delivery-status":
        return [fields(block) for block in payload]
    first = payload[0]
    rest = first.get_payload(decode=True) or b""
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    others = [fields(parser.parsebytes(chunk.strip(b"\r\n") + b"\n")) for chunk in re.split(rb"\r?\n\r?\n", rest) if chunk.strip()]
    return [fields(first)] + others


def original_of(part):
    ctype = part.get_content_type()
    if ctype in ("message/rfc822", "message/global", "message/global-headers"):
        inner = part.get_payload()[0]
        body = inner.get_payload(decode=True) if not inner.is_multipart() else b"multipart"
        body_text = body.decode("utf-8", "replace") if body else None
        return {"content_type": ctype, "attached": bool(body_text), "headers": fields(inner), "body": body_text}
    raw = part.get_payload(decode=True) or b""
    inner = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    return {"content_type": ctype, "attached": False, "headers": fields(inner), "body": None}


def defects_of(message):
    found = [type(d).__name__ for d in message.defects]
    if message.is_multipart():
        for sub in message.get_payload():
            found += defects_of(sub)
    return found


def parse(raw):
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    parts = message.get_payload() if message.is_multipart() else []
    result = {
        "headers": fields(message),
        "content_type": message.get_content_type(),
        "report_type": message.get_param("report-type"),
        "boundary": message.get_boundary(),
        "parts": [p.get_content_type() for p in parts],
        "defects": defects_of(message),
    }
    if len(parts) == 3:
        result["text"] = parts[0].get_payload(decode=True).decode(parts[0].get_content_charset() or "ascii")
        blocks = blocks_of(parts[1])
        result["per_message"] = blocks[0]
        result["recipients"] = blocks[1:]
        result["original"] = original_of(parts[2])
    return result


# One process serves a whole test file: Python's start-up costs more than the parsing.
for line in sys.stdin:
    print(json.dumps(parse(base64.b64decode(line))), flush=True)
