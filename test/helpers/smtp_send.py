"""Sends mail with Python's smtplib, as a real client does.

Reads JSON from stdin: {"host", "port", "sessions": N, "messages": [{"from", "to": [...], "body",
"mail_options": [...], "rcpt_options": [...], "smtputf8": bool}], and optionally "tls": "starttls" or
"implicit" with "cafile" (the CA that signed the server's certificate, which must name the host
address), "login": [user, password] for AUTH, "source" (the client's own address, e.g. 127.0.0.2)
and "helo" (the name it greets with; default client.example.org)}. The messages are spread over
N parallel sessions (threads). Prints one JSON line per message as soon as it is answered:
{"index", "ok", "code", "reply"} -- so a caller that kills the server midway still knows which
messages got their 250.
"""
import json
import smtplib
import ssl
import sys
import threading

job = json.load(sys.stdin)
lock = threading.Lock()


def report(index, ok, code, reply):
    with lock:
        print(json.dumps({"index": index, "ok": ok, "code": code, "reply": reply}), flush=True)


def connect():
    tls = job.get("tls")
    helo = job.get("helo", "client.example.org")
    source = (job["source"], 0) if job.get("source") else None
    context = ssl.create_default_context(cafile=job["cafile"]) if tls else None
    if tls == "implicit":
        client = smtplib.SMTP_SSL(job["host"], job["port"], timeout=10, context=context, local_hostname=helo, source_address=source)
    else:
        client = smtplib.SMTP(job["host"], job["port"], timeout=10, local_hostname=helo, source_address=source)
    client.ehlo(helo)
    if tls == "starttls":
        client.starttls(context=context)
        client.ehlo(helo)
    if job.get("login"):
        client.login(*job["login"])
    return client


def worker(indexes):
    client = None
    for i in indexes:
        m = job["messages"][i]
        try:
            if client is None:
                client = connect()
            code, reply = client.mail(m["from"], m.get("mail_options", []))
            if code != 250:
                report(i, False, code, reply.decode())
                client.rset()
                continue
            refused = None
            for rcpt in m["to"]:
                code, reply = client.rcpt(rcpt, m.get("rcpt_options", []))
                if code not in (250, 251):
                    refused = (code, reply.decode())
            if refused:
                report(i, False, refused[0], refused[1])
                client.rset()
                continue
            code, reply = client.data(m["body"].encode("utf-8"))
            report(i, code == 250, code, reply.decode())
        except (smtplib.SMTPException, OSError) as err:
            code = getattr(err, "smtp_code", 0)
            report(i, False, code, str(err))
            client = None
    if client is not None:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            pass


sessions = max(1, job.get("sessions", 1))
threads = [threading.Thread(target=worker, args=(range(s, len(job["messages"]), sessions),)) for s in range(sessions)]
for t in threads:
    t.start()
for t in threads:
    t.join()
