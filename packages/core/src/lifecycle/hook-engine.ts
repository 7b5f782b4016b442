import type { HookName, LifecycleEvent } from './events.js';

/** A hook receives the shared, mutable context of the command run. */
export type Hook<C> = (context: C) => void | Promise<void>;

/**
 * One typed hook engine. A command is a sequence of lifecycle events; each event runs its
 * `before:` hooks, its own hooks, then its `after:` hooks, in registration order.
 */
export class HookEngine<C> {
  private readonly hooks = new Map<HookName, Hook<C>[]>();

  /** Register a hook. Returns a function that unregisters it. */
  on(name: HookName, hook: Hook<C>): () => void {
    const list = this.hooks.get(name) ?? [];
    list.push(hook);
    this.hooks.set(name, list);
    return () => {
      const current = this.hooks.get(name);
      if (current)
        this.hooks.set(
          name,
          current.filter((h) => h !== hook),
        );
    };
  }

  /** Register several hooks at once, e.g. a plugin's `hooks` map. */
  register(map: Partial<Record<HookName, Hook<C>>>): void {
    for (const [name, hook] of Object.entries(map) as [HookName, Hook<C>][]) this.on(name, hook);
  }

  /** Run the events in order. The first hook that throws stops the run. */
  async run(events: readonly LifecycleEvent[], context: C): Promise<void> {
    for (const event of events) {
      for (const name of [`before:${event}`, event, `after:${event}`] as HookName[]) {
        for (const hook of this.hooks.get(name) ?? []) await hook(context);
      }
    }
  }
}
