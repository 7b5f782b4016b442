/**
 * Who waits for whom while variables resolve concurrently. A wait on a node that is still being
 * resolved and (through other pending waits) already waits for the waiter is a cycle: it would
 * never settle, so it is reported instead.
 */
export class DependencyGraph {
  private readonly edges = new Map<string, Set<string>>();
  private readonly active = new Set<string>();

  start(node: string): void {
    this.active.add(node);
  }

  finish(node: string): void {
    this.active.delete(node);
    this.edges.delete(node);
  }

  /**
   * Record that `from` waits for `to`. Returns the cycle `[from, to, ..., from]` when that wait
   * closes one, else undefined.
   */
  wait(from: string, to: string): string[] | undefined {
    if (from === to) return [from, to];
    if (this.active.has(to)) {
      const chain = this.findPath(to, from);
      if (chain) return [from, ...chain];
    }
    let targets = this.edges.get(from);
    if (!targets) this.edges.set(from, (targets = new Set()));
    targets.add(to);
    return undefined;
  }

  /** A path of pending waits from `start` to `goal`, through nodes still being resolved. */
  private findPath(start: string, goal: string): string[] | undefined {
    const previous = new Map<string, string>();
    const queue = [start];
    const seen = new Set(queue);
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i];
      if (node === goal) {
        const chain = [node];
        for (let at = node; at !== start;) {
          at = previous.get(at)!;
          chain.unshift(at);
        }
        return chain;
      }
      for (const next of this.edges.get(node) ?? []) {
        if (seen.has(next) || (!this.active.has(next) && next !== goal)) continue;
        seen.add(next);
        previous.set(next, node);
        queue.push(next);
      }
    }
    return undefined;
  }
}
