// Starts the API on $PORT (80 in the container) and stops cleanly on SIGTERM, as ECS asks tasks to.
import { createApp } from './server.ts';

const port = Number(process.env['PORT'] ?? 80);
// HEALTHY=false makes /health-check fail: the quickstart uses it to show a failed deployment rolling back.
const app = createApp(undefined, () => process.env['HEALTHY'] !== 'false');
app.listen(port, () => console.log(`test-api listening on ${port}`));
process.on('SIGTERM', () => app.close(() => process.exit(0)));
