// SubRip (`response_format: "srt"`) and WebVTT (`"vtt"`) renderings of transcript segments, one
// cue per segment with text. Works for any provider's segments, so text is sanitised: a blank
// line would end a cue early, and WebVTT reads `&` and `<` as markup.
import type { TranscriptSegment } from "@/lib/inference/providers/types";

export function toSrt(segments: readonly TranscriptSegment[]): string {
  return cues(segments)
    .map((cue, index) => `${index + 1}\n${timestamp(cue.start, ",")} --> ${timestamp(cue.end, ",")}\n${cue.text}\n`)
    .join("\n");
}

export function toVtt(segments: readonly TranscriptSegment[]): string {
  const body = cues(segments).map((cue) => `${timestamp(cue.start, ".")} --> ${timestamp(cue.end, ".")}\n${escapeVttText(cue.text)}\n`);
  return ["WEBVTT\n", ...body].join("\n");
}

function cues(segments: readonly TranscriptSegment[]): { start: number; end: number; text: string }[] {
  return segments
    .map((segment) => ({
      start: segment.start,
      end: Math.max(segment.end, segment.start),
      text: segment.text
        .split(/\r?\n|\r/)
        .map((line) => line.trim())
        .filter(Boolean)
        .join("\n"),
    }))
    .filter((cue) => cue.text !== "");
}

/** `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT); hours grow past two digits if they must. */
function timestamp(seconds: number, separator: "," | "."): string {
  const totalMs = Math.max(0, Math.round(seconds * 1000));
  const ms = totalMs % 1000;
  const totalSeconds = Math.floor(totalMs / 1000);
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  return `${pad(Math.floor(totalSeconds / 3600))}:${pad(Math.floor(totalSeconds / 60) % 60)}:${pad(totalSeconds % 60)}${separator}${pad(ms, 3)}`;
}

function escapeVttText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
