// The registry engine: serves the OCI distribution API under /v2/ on the edge's port and collects unreferenced blobs.
import { typeFilter } from '../../core/events.ts';
import type { Engine, EngineContext } from '../types.ts';
import { GarbageCollector } from './gc.ts';
import type { RegistryContext } from './http.ts';
import { registryMount } from './routes.ts';

export function startRegistry(engine: EngineContext): Engine {
  const ctx: RegistryContext = { ...engine, log: engine.log.child({ component: 'registry' }), inFlight: new Map() };
  const gc = new GarbageCollector(ctx);
  const off = ctx.bus.subscribe(typeFilter('ecr.image.delete', 'ecr.repository.delete'), (event) => gc.schedule(event.type));
  // Start-up run: removes what a crash left (blobs stored but never linked, links of abandoned pushes).
  setImmediate(() => gc.schedule('start-up'));
  return {
    name: 'registry',
    mounts: [registryMount(ctx)],
    async stop() {
      off();
      await gc.stop();
    },
  };
}
