import { describe, expect, it } from "vitest";

import { toSrt, toVtt } from "@/lib/inference/audio/subtitles";
import type { TranscriptSegment } from "@/lib/inference/providers/types";

const segments: TranscriptSegment[] = [
  { id: 0, start: 0, end: 1.23, text: " hello there" },
  { id: 1, start: 1.2345, end: 3723.5, text: "second line" },
];

describe("subtitles", () => {
  it("numbers SRT cues from 1 with comma milliseconds and hours past the first", () => {
    expect(toSrt(segments)).toBe("1\n00:00:00,000 --> 00:00:01,230\nhello there\n\n2\n00:00:01,235 --> 01:02:03,500\nsecond line\n");
  });

  it("writes WebVTT with its header and dot milliseconds", () => {
    expect(toVtt(segments)).toBe("WEBVTT\n\n00:00:00.000 --> 00:00:01.230\nhello there\n\n00:00:01.235 --> 01:02:03.500\nsecond line\n");
  });

  it("keeps cues intact whatever the text holds: blank lines dropped, WebVTT markup escaped, empty segments skipped", () => {
    const awkward: TranscriptSegment[] = [
      { id: 0, start: 0.5, end: 1, text: "a <b> & c\n\n--> d" },
      { id: 1, start: 1, end: 2, text: "   " },
      { id: 2, start: 2, end: 2.5, text: "last" },
    ];

    expect(toSrt(awkward)).toBe("1\n00:00:00,500 --> 00:00:01,000\na <b> & c\n--> d\n\n2\n00:00:02,000 --> 00:00:02,500\nlast\n");
    expect(toVtt(awkward)).toBe("WEBVTT\n\n00:00:00.500 --> 00:00:01.000\na &lt;b&gt; &amp; c\n--&gt; d\n\n00:00:02.000 --> 00:00:02.500\nlast\n");
  });

  it("renders no segments as no cues", () => {
    expect(toSrt([])).toBe("");
    expect(toVtt([])).toBe("WEBVTT\n");
  });
});
