// Bookkeeping of everything the container demo creates on the host, so all of it is undone: at the end, on failure,
// on Ctrl-C, or later from the ledger file (`make demo-clean`) when the run was killed or kept with --keep.
//
// Each thing is recorded as data as it is created (an undo of something that turns out not to exist counts as done),
// the ledger is rewritten atomically after every change, and undoing runs newest first (a container goes before
// the mount under it, mounts before the namespace), goes on past failures and undoes each thing once.

import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../src/common/atomic-file.ts";

export type UndoAction =
  | { readonly kind: "container"; readonly id: string }
  | { readonly kind: "mount"; readonly path: string }
  | { readonly kind: "netns"; readonly name: string }
  | { readonly kind: "link"; readonly name: string }
  | { readonly kind: "directory"; readonly path: string };

/** The command that undoes `a`; also what --keep prints for doing it by hand. */
export function undoCommand(a: UndoAction): string[] {
  switch (a.kind) {
    case "container":
      return ["runc", "delete", "--force", a.id];
    case "mount":
      return ["umount", a.path];
    case "netns":
      return ["ip", "netns", "delete", a.name];
    case "link":
      return ["ip", "link", "delete", a.name];
    case "directory":
      return ["rm", "-rf", "--one-file-system", a.path];
  }
}

/** Undo failed but the thing is already gone (a namespace deleted with its peer, a container that exited). */
export function alreadyGone(a: UndoAction, stderr: string): boolean {
  const s = stderr.toLowerCase();
  switch (a.kind) {
    case "container":
      return s.includes("does not exist") || s.includes("not exist");
    case "mount":
      return s.includes("not mounted") || s.includes("no mount point");
    case "netns":
    case "link":
      return s.includes("no such file") || s.includes("cannot find device") || s.includes("does not exist");
    case "directory":
      return false;
  }
}

const sameAction = (a: UndoAction, b: UndoAction) => JSON.stringify(a) === JSON.stringify(b);

export interface UndoResult {
  readonly undone: readonly UndoAction[];
  readonly failed: readonly { readonly action: UndoAction; readonly error: string }[];
}

/** Runs one command; resolves with its exit code and stderr (it never throws for a non-zero exit). */
export type Runner = (argv: readonly string[]) => Promise<{ code: number; stderr: string }>;

export class CleanupLedger {
  private actions: UndoAction[] = [];

  /** `file`: where the ledger is kept (JSON), so another process can finish the job. */
  constructor(readonly file?: string) {}

  /** A ledger left by an earlier run (empty when the file does not exist). */
  static load(file: string): CleanupLedger {
    const ledger = new CleanupLedger(file);
    if (existsSync(file)) {
      const parsed = JSON.parse(readFileSync(file, "utf8")) as { actions?: UndoAction[] };
      ledger.actions = Array.isArray(parsed.actions) ? parsed.actions : [];
    }
    return ledger;
  }

  /** Records something just created (once: recording it again changes nothing). */
  record(a: UndoAction): void {
    if (this.actions.some((x) => sameAction(x, a))) return;
    this.actions.push(a);
    this.save();
  }

  /** Forgets `a` (the flow undid it itself, e.g. a restarted container's old instance). */
  forget(a: UndoAction): void {
    this.actions = this.actions.filter((x) => !sameAction(x, a));
    this.save();
  }

  /** What is still to undo, newest first. */
  pending(): UndoAction[] {
    return [...this.actions].reverse();
  }

  /**
   * Undoes everything, newest first, each action once; a failure is reported and the rest still runs. Only what
   * failed stays in the ledger, so running it again retries exactly that.
   */
  async undoAll(run: Runner): Promise<UndoResult> {
    const undone: UndoAction[] = [];
    const failed: { action: UndoAction; error: string }[] = [];
    for (const a of this.pending()) {
      let result: { code: number; stderr: string };
      try {
        result = await run(undoCommand(a));
      } catch (e) {
        result = { code: -1, stderr: e instanceof Error ? e.message : String(e) };
      }
      if (result.code === 0 || alreadyGone(a, result.stderr)) {
        undone.push(a);
        this.forget(a);
      } else {
        failed.push({ action: a, error: result.stderr.trim() || `exit ${result.code}` });
      }
    }
    return { undone, failed };
  }

  private save(): void {
    // The ledger may live in a directory it removes last; once that is gone there is nothing left to keep.
    if (this.file === undefined || !existsSync(dirname(this.file))) return;
    writeFileAtomic(this.file, `${JSON.stringify({ actions: this.actions }, null, 2)}\n`);
  }
}
