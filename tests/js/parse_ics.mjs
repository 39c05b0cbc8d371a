import ICAL from "ical.js";
import { readFileSync } from "node:fs";
const out = {};
for (const path of process.argv.slice(2)) {
  const comp = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  for (const tz of comp.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(tz);
  out[path] = comp.getAllSubcomponents("vevent").map((v) => {
    const e = new ICAL.Event(v);
    return { uid: e.uid, summary: e.summary, start: e.startDate.toUnixTime(), end: e.endDate.toUnixTime(), tzid: e.startDate.zone.tzid, description: e.description, location: e.location };
  });
}
console.log(JSON.stringify(out));
