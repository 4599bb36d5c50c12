// Print, as JSON, how Mozilla's ical.js reads each event of an .ics file: UTC start and end,
// all-day flag, summary, and the first occurrences of repeating events.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const root = new ICAL.Component(ICAL.parse(text));
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtz);
}
const iso = (t) => (t.isDate ? t.toString() : t.toJSDate().toISOString().slice(0, 19) + "Z");
const out = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  const row = {
    uid: event.uid,
    summary: event.summary,
    allDay: event.startDate.isDate,
    start: iso(event.startDate),
    end: iso(event.endDate),
    occurrences: [],
  };
  if (event.isRecurring()) {
    const it = event.iterator();
    for (let n = 0, next; n < 5 && (next = it.next()); n++) {
      row.occurrences.push(iso(event.getOccurrenceDetails(next).startDate));
    }
  }
  return row;
});
process.stdout.write(JSON.stringify(out));
