/** A bare Fastify hello-world server: the baseline of bench/http.bench.ts. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening on ${url}`);
