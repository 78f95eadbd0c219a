/**
 * The Standard Webhooks envelope, `{"id","type","timestamp","livemode","data"}`, built once when an event is
 * accepted. Those exact bytes are stored (the `body` of an event row, which is why this lives with the
 * store), signed and sent on every attempt, so a receiver's signature check never depends on how payhook
 * would serialise the event today.
 */

const DATA_MARK = ',"data":';

/**
 * The envelope text for an event whose `data` is already serialised JSON. `livemode` is the mode of
 * the merchant scope the event belongs to (src/modes.ts), so a receiver can refuse test events on its
 * live endpoint. Events stored before modes have no `livemode` in their envelope (they are test mode).
 */
export function buildEnvelope(
  id: string,
  type: string,
  createdAt: number,
  dataJson: string,
  livemode: boolean,
): string {
  // Ids, types and ISO timestamps contain no characters JSON must escape (both are validated on the
  // way in), so concatenation is exact and ~4x faster than JSON.stringify of the whole object.
  return `{"id":"${id}","type":"${type}","timestamp":"${new Date(createdAt).toISOString()}","livemode":${livemode}${DATA_MARK}${dataJson}}`;
}

/** The `data` JSON text inside an envelope built by `buildEnvelope`. */
export function dataOfEnvelope(body: string): string {
  const at = body.indexOf(DATA_MARK);
  if (at < 0 || !body.endsWith('}')) throw new Error('not a payhook envelope');
  return body.slice(at + DATA_MARK.length, -1);
}
