// Shared bench helper: runs `fn` for at least `minMs` after a short warm-up and prints its rate.

export function measure(label: string, minMs: number, fn: () => void, width = 52): number {
  for (let i = 0; i < 3; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn();
    n++;
    elapsed = performance.now() - t0;
  }
  const rate = (n * 1000) / elapsed;
  console.log(
    `${label.padEnd(width)} ${rate.toFixed(1).padStart(12)} /s   (${(elapsed / n).toFixed(3)} ms each)`,
  );
  return rate;
}
