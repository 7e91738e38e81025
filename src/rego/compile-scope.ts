// Variable scopes for compilation: names → frame slots, with closure tracking for nested bodies.

import type { SourceLocation } from "./errors.ts";

/** The slots of one rule definition's frame (parameters, body, comprehensions, every bodies). */
export class FrameAlloc {
  readonly names: string[] = [];
  readonly locs: SourceLocation[] = [];
  readonly wild: boolean[] = [];

  alloc(name: string, loc: SourceLocation, wild = false): number {
    this.names.push(name);
    this.locs.push(loc);
    this.wild.push(wild);
    return this.names.length - 1;
  }

  get size(): number {
    return this.names.length;
  }
}

/** One body's names. Lookups that reach an enclosing scope record the slot as a closure variable. */
export class Scope {
  private readonly own = new Map<string, number>();
  /** Slots owned by enclosing scopes and used in this scope or below. */
  readonly closure = new Set<number>();

  constructor(
    readonly frame: FrameAlloc,
    readonly parent?: Scope,
  ) {}

  declare(name: string, loc: SourceLocation): number {
    const slot = this.frame.alloc(name, loc);
    this.own.set(name, slot);
    return slot;
  }

  declaresHere(name: string): boolean {
    return this.own.has(name);
  }

  lookup(name: string): number | undefined {
    const below: Scope[] = [];
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) {
      const slot = s.own.get(name);
      if (slot !== undefined) {
        for (const b of below) b.closure.add(slot);
        return slot;
      }
      below.push(s);
    }
    return undefined;
  }
}
