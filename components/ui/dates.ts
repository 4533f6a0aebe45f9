// Dates for people, wherever the console shows one (keys, ledger, request log): "Nov 25, 2026",
// "3 minutes ago", "Never". Rendered on the server, which doesn't know the reader's time zone, so
// calendar dates are given in UTC.

const calendarDate = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const fullDateTime = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const relative = new Intl.RelativeTimeFormat("en-US", { numeric: "auto" });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function formatCalendarDate(date: Date): string {
  return calendarDate.format(date);
}

/** For a title attribute: the exact moment behind a short or relative date. */
export function formatFullDateTime(date: Date): string {
  return `${fullDateTime.format(date)} UTC`;
}

/** "just now", "3 minutes ago", "in 2 days"; beyond four weeks, the calendar date. */
export function formatRelativeTime(date: Date, now: Date = new Date()): string {
  const elapsed = date.getTime() - now.getTime();
  const distance = Math.abs(elapsed);
  if (distance < MINUTE) return elapsed <= 0 ? "just now" : "in a few seconds";
  if (distance < HOUR) return relative.format(Math.trunc(elapsed / MINUTE), "minute");
  if (distance < DAY) return relative.format(Math.trunc(elapsed / HOUR), "hour");
  if (distance < 28 * DAY) return relative.format(Math.trunc(elapsed / DAY), "day");
  return formatCalendarDate(date);
}
