/**
 * A request answered before its body was read: refused by authentication,
 * a finalized package, a size limit, a wrong offset. The client may still
 * be sending, and Node's server would read and drop all of the rest (up to
 * the 5 GiB file limit) to keep the connection open for the next request.
 *
 * Instead, once the answer has been sent, the rest of the body is read and
 * dropped for LINGER_MS more: a client that is still sending gets time to
 * read the answer (closing at once could reset the connection under it and
 * lose the answer). A body that ends within that time leaves the connection
 * open. One that has not ended by then gets a half-close (FIN: the server
 * sends no more, the client's reads see the end) while the server goes on
 * dropping what arrives for LINGER_MS more; then the connection is closed.
 * A client that reads its answer only after sending the whole body, and
 * cannot send it within that time, may see the connection reset instead.
 */
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';

/** How long a refused body is still read after the answer, before the connection is closed. */
export const LINGER_MS = 2000;

/**
 * Called once the answer to `req` has been sent. Does nothing when its body
 * was read to the end, or when it did not come over a socket (an injected
 * request).
 */
export function closeUnreadBody(req: IncomingMessage, lingerMs = LINGER_MS): void {
  if (req.complete || req.destroyed || !(req.socket instanceof Socket)) return;
  req.unpipe();
  req.resume();
  const socket = req.socket;
  let timer = setTimeout(() => {
    if (req.complete) return;
    socket.end();
    timer = setTimeout(() => req.destroy(), lingerMs);
    timer.unref();
  }, lingerMs);
  timer.unref();
  const stop = () => clearTimeout(timer);
  req.once('end', stop);
  req.once('close', stop);
  socket.once('close', stop);
}
