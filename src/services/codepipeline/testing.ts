// Test support for pipelines run by a real daemon: wait on its CodePipeline events for a condition read through the API.
import { typeFilter } from '../../core/events.ts';
import type { TestDaemon } from '../../../test/helpers/daemon.ts';

/** Resolves once `check` holds, looking again after every CodePipeline event of the daemon (10 s real-time guard). */
export async function untilPipeline(t: TestDaemon, what: string, check: () => Promise<boolean>): Promise<void> {
  if (await check()) return;
  await new Promise<void>((resolve, reject) => {
    let busy = false;
    let done = false;
    const finish = (error?: Error): void => {
      done = true;
      clearTimeout(timer);
      off();
      if (error === undefined) resolve();
      else reject(error);
    };
    const timer = setTimeout(() => finish(new Error(`timed out waiting until ${what}`)), 10_000);
    const look = (): void => {
      if (busy || done) return;
      busy = true;
      check().then(
        (ok) => {
          busy = false;
          if (ok && !done) finish();
        },
        (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
      );
    };
    const off = t.daemon.bus.subscribe(typeFilter('codepipeline.*'), () => setImmediate(look));
    look();
  });
}
