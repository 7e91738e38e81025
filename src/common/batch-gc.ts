// A collection hint for long synchronous batches (issue 13: `generate` on a thousand workloads).
//
// Bun schedules most collections from its event loop, which a loop of synchronous work (or of awaits on settled
// promises) never reaches; the garbage of each item (policy text, YAML syntax trees, file buffers) then piles up and
// was most of generate's peak RSS. A young-generation collection every so many items frees it at a cost of a few ms.

/** Returns a function to call once per item: every `every` calls it collects the young generation. */
export function batchCollector(every = 100): () => void {
  let n = 0;
  return () => {
    if (++n % every === 0) Bun.gc(false);
  };
}
