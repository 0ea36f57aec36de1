import { EOF, checkMs, discardRest, passThrough, type ToxicType } from './types.js';

/** noop: passes data through. */
export const noop: ToxicType = {
  type: 'noop',
  attributes: [],
  run: (io) => passThrough(io),
};

/** slow_close: data passes untouched; the close (FIN) is delayed by `delay` ms. */
export const slowClose: ToxicType = {
  type: 'slow_close',
  attributes: ['delay'],
  invalid: ({ delay = 0 }) => checkMs('slow_close delay', delay),
  async run(io, { delay = 0 }) {
    for (;;) {
      const item = await io.read();
      if (item === null) return;
      if (item === EOF) {
        if (!(await io.sleep(delay))) {
          io.send(EOF); // interrupted while waiting: the close is due, do not lose it
          return;
        }
      }
      io.send(item);
    }
  },
};

/**
 * timeout: every byte is dropped. With `timeout` > 0 the stream closes after that many ms
 * without incoming data (each chunk re-arms the timer); 0 holds the connection open forever.
 * Removing the toxic closes the connection, since data was lost.
 */
export const timeout: ToxicType = {
  type: 'timeout',
  attributes: ['timeout'],
  closesOnRemove: true,
  invalid: ({ timeout: ms = 0 }) => checkMs('timeout', ms, ' (0 means never)'),
  async run(io, { timeout: ms = 0 }) {
    for (;;) {
      // Data and EOF alike are swallowed: the peer never hears of them.
      const item = ms > 0 ? await io.readWithin(ms) : await io.read();
      if (item === null) return;
      if (item === 'timeout' || item === EOF) {
        // The timer ran out, or the source closed (passed on, as Toxiproxy does).
        io.send(EOF);
        return discardRest(io);
      }
    }
  },
};

/**
 * reset_peer: on the first chunk (or EOF) after it starts, drop it, wait `timeout` ms, and
 * reset the connection (RST on both sockets). Unlike Toxiproxy, the RST is sent whenever the
 * toxic fires, also on connections opened before it was added, and never when it did not.
 */
export const resetPeer: ToxicType = {
  type: 'reset_peer',
  attributes: ['timeout'],
  invalid: ({ timeout: ms = 0 }) => checkMs('reset_peer timeout', ms),
  async run(io, { timeout: ms = 0 }) {
    const item = await io.read();
    if (item === null) return;
    // The chunk is gone; even if the toxic is removed during the wait, the reset must follow,
    // or the connection would carry on with a silent gap.
    if (ms > 0) await io.sleep(ms);
    io.reset();
    return discardRest(io);
  },
};

/**
 * limit_data: forwards at most `bytes` bytes on this connection and direction, then closes.
 * The count is per connection and survives updates.
 */
export const limitData: ToxicType = {
  type: 'limit_data',
  attributes: ['bytes'],
  invalid: ({ bytes = 0 }) => (bytes < 0 ? `limit_data bytes must be >= 0, got ${bytes}` : undefined),
  async run(io, { bytes: limit = 0 }) {
    for (;;) {
      const sent = io.state.sent ?? 0;
      if (sent >= limit && sent > 0) {
        io.send(EOF);
        return discardRest(io);
      }
      const item = await io.read();
      if (item === null) return;
      if (item === EOF) {
        io.send(item);
        continue;
      }
      const room = limit - sent;
      if (item.data.length >= room) {
        if (room > 0) io.send({ data: item.data.subarray(0, room), at: item.at });
        io.state.sent = limit;
        io.send(EOF);
        return discardRest(io);
      }
      io.state.sent = sent + item.data.length;
      io.send(item);
    }
  },
};
