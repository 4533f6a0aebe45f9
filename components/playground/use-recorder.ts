"use client";

// Microphone recording for the audio playground: MediaRecorder captures the audio while an
// AnalyserNode measures its level for the meter, and a timer counts the length. Failures to get
// the microphone (denied, absent, insecure page) become sentences; uploading still works then.
import { useCallback, useEffect, useRef, useState } from "react";

export type RecorderState =
  | { status: "idle" }
  | { status: "starting" }
  | { status: "recording"; startedAt: number }
  | { status: "unavailable"; message: string };

// Opus in WebM (Chromium, Firefox) or in Ogg; MP4/AAC where only that exists (Safari).
const PREFERRED_TYPES: [mimeType: string, extension: string][] = [
  ["audio/webm;codecs=opus", "webm"],
  ["audio/webm", "webm"],
  ["audio/ogg;codecs=opus", "ogg"],
  ["audio/mp4", "m4a"],
];

function microphoneProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") {
    return "Microphone access was denied. Allow it in your browser's site settings to record, or upload a file instead.";
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") return "No microphone was found. Connect one to record, or upload a file instead.";
  if (name === "NotReadableError") return "The microphone is in use by another application. Close it to record, or upload a file instead.";
  return "The microphone could not be started. Upload a file instead.";
}

export function useRecorder({ maxSeconds, onRecorded }: { maxSeconds: number; onRecorded: (file: File) => void }) {
  const [state, setState] = useState<RecorderState>({ status: "idle" });
  const [level, setLevel] = useState(0);
  const [elapsedSeconds, setElapsedSeconds] = useState(0);
  const cleanup = useRef<(() => void) | null>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  const onRecordedRef = useRef(onRecorded);

  useEffect(() => {
    onRecordedRef.current = onRecorded;
  }, [onRecorded]);

  useEffect(() => () => cleanup.current?.(), []);

  const stop = useCallback(() => {
    if (recorder.current?.state === "recording") recorder.current.stop();
  }, []);

  const cancel = useCallback(() => {
    const active = recorder.current;
    if (active) active.ondataavailable = null;
    if (active) active.onstop = null;
    if (active?.state === "recording") active.stop();
    cleanup.current?.();
    setState({ status: "idle" });
  }, []);

  const start = useCallback(async () => {
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
      setState({ status: "unavailable", message: "This browser cannot record here (recording needs a secure https page). Upload a file instead." });
      return;
    }
    setState({ status: "starting" });
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    } catch (error) {
      setState({ status: "unavailable", message: microphoneProblem(error) });
      return;
    }

    const [mimeType, extension] = PREFERRED_TYPES.find(([type]) => MediaRecorder.isTypeSupported(type)) ?? ["", "webm"];
    const media = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    const chunks: Blob[] = [];
    media.ondataavailable = (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    };
    media.onstop = () => {
      cleanup.current?.();
      setState({ status: "idle" });
      const type = media.mimeType || mimeType || "audio/webm";
      onRecordedRef.current(new File(chunks, `recording.${extension}`, { type: type.split(";")[0] }));
    };

    // The level meter: the root mean square of the waveform, a few times a second.
    const audio = new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 2048;
    audio.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const startedAt = performance.now();
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      // Speech sits around 0.01–0.1 RMS; the square root spreads that over the meter.
      setLevel(Math.min(1, Math.sqrt(Math.sqrt(sum / samples.length)) * 1.6));
      const seconds = (performance.now() - startedAt) / 1000;
      setElapsedSeconds(seconds);
      if (seconds >= maxSeconds) stop();
    }, 100);

    cleanup.current = () => {
      clearInterval(timer);
      for (const track of stream.getTracks()) track.stop();
      void audio.close().catch(() => undefined);
      recorder.current = null;
      cleanup.current = null;
      setLevel(0);
    };
    recorder.current = media;
    setElapsedSeconds(0);
    media.start(250);
    setState({ status: "recording", startedAt: Date.now() });
  }, [maxSeconds, stop]);

  return { state, level, elapsedSeconds, start, stop, cancel };
}
