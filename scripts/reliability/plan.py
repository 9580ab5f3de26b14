#!/usr/bin/env python3
"""The annual plan against outside references, on a live server:

- every planned activity's dates, as the plan API returns them, equal python-dateutil's
  expansion of the same RRULE from the same first date (a fixed table — the 2nd Tuesday across
  a year end, month ends, leap days, UNTIL in UTC read in Tokyo, COUNT — and 150 random rules);
- the workspace's calendar feed and a person's own feed parse with the `icalendar` library, every
  item of the plan in the feed's window is an event with a stable UID, a DTSTAMP and an all-day
  DTSTART, and a second fetch gives the same UIDs;
- the year's Excel export opens with openpyxl, one row per item.

    scripts/reliability/plan.py .build/debug/meguri WORKDIR

Needs python-dateutil, icalendar and openpyxl (.ci/run installs them)."""
import datetime as dt
import io, os, random, sys, urllib.error, urllib.request
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(__file__))
from common import call, fresh_database, prepare  # noqa: E402

TOKYO = ZoneInfo("Asia/Tokyo")

FIXED = [
    ("FREQ=MONTHLY;BYDAY=2TU", "2026-04-14"),
    ("FREQ=MONTHLY;BYDAY=2TU;COUNT=5", "2026-11-10"),
    ("FREQ=MONTHLY;BYMONTHDAY=31", "2026-01-31"),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", "2026-01-31"),
    ("FREQ=YEARLY", "2024-02-29"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "2025-06-01"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "2026-04-02"),
    ("FREQ=MONTHLY;UNTIL=20270309T150000Z", "2026-12-10"),
    ("FREQ=MONTHLY;UNTIL=20270309T145959Z", "2026-12-10"),
    ("FREQ=YEARLY;BYMONTH=6;BYDAY=-1FR", "2025-01-01"),
    ("FREQ=YEARLY;BYDAY=20MO", "2025-01-01"),
    ("FREQ=MONTHLY;INTERVAL=3;BYDAY=-1WE", "2026-04-01"),
    ("FREQ=MONTHLY;BYDAY=MO,FR;BYMONTHDAY=13", "2025-09-01"),
]


def random_rule(rng):
    freq = rng.choice(["YEARLY", "MONTHLY", "WEEKLY"])
    parts = [f"FREQ={freq}"]
    if rng.random() < 0.4:
        parts.append(f"INTERVAL={rng.randint(1, 4)}")
    if rng.random() < 0.35:
        parts.append("BYMONTH=" + ",".join(str(m) for m in sorted(rng.sample(range(1, 13), rng.randint(1, 3)))))
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    if freq != "WEEKLY" and rng.random() < 0.45:
        limit = 5 if (freq == "MONTHLY" or any(p.startswith("BYMONTH=") for p in parts)) else 20
        picks = rng.sample(days, rng.randint(1, 2))
        parts.append("BYDAY=" + ",".join(f"{rng.choice([n for n in range(-limit, limit + 1) if n])}{d}" for d in picks))
    elif rng.random() < 0.4:
        parts.append("BYDAY=" + ",".join(rng.sample(days, rng.randint(1, 3))))
    if rng.random() < 0.3:
        parts.append("BYMONTHDAY=" + ",".join(str(rng.choice([n for n in range(-31, 32) if n])) for _ in range(rng.randint(1, 2))))
    end = rng.random()
    if end < 0.25:
        parts.append(f"COUNT={rng.randint(1, 30)}")
    elif end < 0.5:
        day = dt.date(2026, 4, 1) + dt.timedelta(days=rng.randint(0, 500))
        parts.append("UNTIL=" + day.strftime("%Y%m%d") if rng.random() < 0.5 else f"UNTIL={day.strftime('%Y%m%d')}T{rng.randint(0, 23):02d}0000Z")
    start = dt.date(2025, 6, 1) + dt.timedelta(days=rng.randint(0, 560))
    return ";".join(parts), start.isoformat()


def expected(rule, start, low, high):
    """dateutil's dates of the rule from the first date, inside [low, high]. A UTC UNTIL is an
    instant, so the days are taken in Tokyo (the workspace's zone); otherwise days are plain dates."""
    from dateutil.rrule import rrulestr
    aware = "UNTIL=" in rule and rule.split("UNTIL=")[1].split(";")[0].endswith("Z")
    zone = TOKYO if aware else None
    first = dt.datetime.fromisoformat(start).replace(tzinfo=zone)
    parsed = rrulestr(rule, dtstart=first)
    dates = parsed.between(dt.datetime.fromisoformat(low).replace(tzinfo=zone), dt.datetime.fromisoformat(high).replace(tzinfo=zone), inc=True)
    return [(d.astimezone(TOKYO) if aware else d).date().isoformat() for d in dates]


def raw(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def main():
    binary, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    import icalendar, openpyxl  # noqa: F401

    database = fresh_database("sqlite", workdir, "plan")
    server, token = prepare(binary, database, 18741, workdir)
    failures = []

    def check(condition, what):
        if not condition:
            print("FAIL " + what)
            failures.append(what)
        return condition

    try:
        w = "/api/v1/workspaces/proof"
        rng = random.Random(20261206)
        rules = FIXED + [random_rule(rng) for _ in range(150)]
        made = []
        for rule, start in rules:
            status, _, answer = call(server.base, "POST", w + "/planned-activities", token,
                                     {"title": f"{rule} from {start}", "startsOn": start, "rrule": rule, "phase": "do"})
            if check(status == 201, f"create {rule} from {start}: {status} {answer}"):
                made.append((answer["id"], rule, start))
        # The plan covers the fiscal year before this one to three after; ask two whole years.
        today = dt.datetime.now(TOKYO).date()
        fy = today.year if today.month >= 4 else today.year - 1
        compared = 0
        for year in (fy, fy + 1):
            low, high = f"{year}-04-01", f"{year + 1}-03-31"
            status, _, answer = call(server.base, "GET", f"{w}/plan?from={low}&to={high}&kind=activity", token, timeout=60)
            check(status == 200, f"the plan of FY {year} ({status})")
            by_activity = {}
            for item in answer.get("items", []):
                by_activity.setdefault(item["source"].split(":", 1)[1], []).append(item["date"])
            for identifier, rule, start in made:
                want = expected(rule, start, low, high)
                got = by_activity.get(identifier, [])
                check(got == want, f"{rule} from {start} in FY {year}: Meguri {got} dateutil {want}")
                compared += 1
        print(f"ok   {compared} expansions equal dateutil's ({len(made)} rules, two fiscal years)")

        # The workspace's feed: every plan item in the feed's window is an event.
        status, _, answer = call(server.base, "GET", f"{w}/plan/calendar", token)
        check(status == 200 and answer.get("url", "").endswith(".ics"), f"the plan's calendar address ({status})")
        path = answer["url"][answer["url"].index("/calendar/"):]
        status, content_type, body = raw(server.base + path)
        check(status == 200 and content_type.startswith("text/calendar"), f"the feed answers as text/calendar ({status} {content_type})")
        calendar = icalendar.Calendar.from_ical(body)
        events = [c for c in calendar.walk("VEVENT")]
        uids = [str(e["UID"]) for e in events]
        check(len(uids) == len(set(uids)), "every event's UID is unique")
        check(all("DTSTAMP" in e and isinstance(e["DTSTART"].dt, dt.date) and not isinstance(e["DTSTART"].dt, dt.datetime) for e in events),
              "every event has a DTSTAMP and an all-day DTSTART")
        low = max(dt.date(fy - 1, 4, 1), today - dt.timedelta(days=120))
        high = min(dt.date(fy + 4, 3, 31), today + dt.timedelta(days=400))
        items = []
        for a, b in ((low, low + dt.timedelta(days=399)), (low + dt.timedelta(days=400), high)):
            if a > b:
                continue
            status, _, answer = call(server.base, "GET", f"{w}/plan?from={a}&to={b}", token, timeout=60)
            items += answer.get("items", [])
        in_feed = {(str(e["SUMMARY"]).split(": ", 1)[-1], e["DTSTART"].dt.isoformat()) for e in events}
        missing = [(i["title"], i["date"]) for i in items if (i["title"], i["date"]) not in in_feed]
        check(len(events) == len(items) and not missing, f"the feed holds every plan item of its window ({len(events)} events, {len(items)} items, missing {missing[:3]})")
        again = icalendar.Calendar.from_ical(raw(server.base + path)[2])
        check(sorted(str(e["UID"]) for e in again.walk("VEVENT")) == sorted(uids), "a second fetch gives the same UIDs")
        print(f"ok   the workspace feed parses: {len(events)} events")

        # A person's own feed: made for the administrator, it holds nothing they do not own.
        status, _, answer = call(server.base, "GET", "/api/v1/me/calendar", token)
        mine = icalendar.Calendar.from_ical(raw(server.base + answer["url"][answer["url"].index("/calendar/"):])[2])
        check(len(list(mine.walk("VEVENT"))) == 0, "a person's own feed holds only what they own (here: nothing)")
        try:
            raw(server.base + "/calendar/" + "x" * 32 + ".ics")
            check(False, "an unknown calendar address is refused")
        except urllib.error.HTTPError as error:
            check(error.code == 404, f"an unknown calendar address is 404 ({error.code})")

        # The year as Excel.
        status, content_type, data = raw(f"{server.base}{w}/plan/export?year={fy}&format=xlsx&lang=ja", token)
        check(status == 200 and "spreadsheetml" in content_type, f"the year as Excel ({status})")
        rows = list(openpyxl.load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))
        status, _, answer = call(server.base, "GET", f"{w}/plan?from={fy}-04-01&to={fy + 1}-03-31", token, timeout=60)
        check(len(rows) == len(answer["items"]) + 1 and rows[0][0] == "日付", f"the workbook holds a header and one row per item ({len(rows)} rows)")
        print(f"ok   the year's workbook opens: {len(rows) - 1} rows")
    finally:
        server.stop()
    if failures:
        sys.exit(f"{len(failures)} check(s) failed")
    print("plan: all checks passed")


if __name__ == "__main__":
    main()
