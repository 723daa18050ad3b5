import { formatDuration, parseDuration } from "../src/api/duration";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["10s", 10_000],
    ["20m", 1_200_000],
    ["2h", 7_200_000],
    ["7d", 604_800_000],
    ["1h30m", 5_400_000],
    [" 45s ", 45_000],
  ])("reads %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "10", "1.5s", "-1s", "10 s", "s", "10sec", "1y", "99999999999999999d"])(
    "refuses %j",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [900_000, "15m"],
    [5_400_000, "1h30m"],
    [90_061_001, "1d1h1m1s1ms"],
  ])("formats %d as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
