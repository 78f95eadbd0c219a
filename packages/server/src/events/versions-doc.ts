/**
 * docs/versions.md, rendered from the table of versions (versions.ts), so the page cannot drift from
 * the code: `npm run docs:versions` rewrites it and test/versions-doc.test.ts fails when they differ.
 * Each version's example is the same stored event rendered by the real upgrade functions.
 */
import { API_VERSIONS, LATEST_API_VERSION, OLDEST_API_VERSION, renderVersion } from './versions.js';

/** A stored payment event (the oldest version's shape), as the examples render it. */
const SAMPLE_STORED =
  '{"id":"evt_01KBX3Q9V7M2T4C8D6E0F1G2H3","type":"transaction.success","timestamp":"2026-12-05T09:30:00.000Z",' +
  '"data":{"order_id":"ord_01KBX3Q8A1B2C3D4E5F6G7H8J9","transaction_id":"txn_01KBX3Q8K1M2N3P4Q5R6S7T8V9",' +
  '"reference":"INV-1001","amount":10050,"amount_decimal":"100.50","currency":"AED","status":"success",' +
  '"order_status":"paid","sequence":1}}';

const INTRO = `# Event versions

payhook stores every event once, in one shape, and renders it for each endpoint in the **event version**
that endpoint asked for, in the delivery attempt, before signing: the signature covers the bytes the
endpoint receives. A version is a date. Each one after the first lists what changed from the one before;
nothing else changes between them.

- **New endpoints** get the latest version, \`${LATEST_API_VERSION}\`, unless they name one
  (\`POST /v1/endpoints\` \`{"api_version": "${OLDEST_API_VERSION}"}\`).
- **Endpoints made before versions existed** were given the oldest, \`${OLDEST_API_VERSION}\` (migration
  0008), so nothing they receive changed. An endpoint of the oldest version receives the stored bytes as
  they are.
- **Try a version before switching**: \`POST /v1/endpoints/{id}/test\` \`{"api_version": "${LATEST_API_VERSION}"}\`
  (\`payhook endpoints test <id> --api-version ${LATEST_API_VERSION}\`) sends a signed sample event in that
  version to the endpoint now; \`GET /v1/events/{id}?api_version=${LATEST_API_VERSION}\` shows a real event's
  data as that version renders it (\`GET /v1/events?api_version=\` a page of them, so catching up
  through the API, \`client.events.iterate({ api_version })\`, gives the shapes your webhooks have);
  \`payhook listen --api-version ${LATEST_API_VERSION}\` forwards events to your laptop rendered as
  production would.
- **Switch** in place: \`PATCH /v1/endpoints/{id}\` \`{"api_version": "${LATEST_API_VERSION}"}\`
  (\`payhook endpoints update <id> --api-version ${LATEST_API_VERSION}\`). Every attempt from then on is
  rendered in the new version, retries of older events included, so deploy a receiver that reads both
  shapes first, or switch when nothing is pending. An unknown version is \`400 unknown_api_version\`,
  whose \`details.versions\` lists the known ones.
- \`GET /v1/event-types\` lists the versions (\`versions\`, the latest marked \`latest: true\`); its JSON
  Schemas describe the oldest, stored shape, and \`GET /v1/event-types?api_version=${LATEST_API_VERSION}\`
  publishes them as they describe that version (each version's \`upgradeSchema\` beside its \`upgrade\`).
- A payload **format** other than \`standard\` (the payment module's \`foloosi\`) is another provider's fixed
  shape: it is the same in every version.
- The SDK's typed helper \`isPaymentEvent\` reads the version it was built for (\`SDK_API_VERSION\`),
  \`${OLDEST_API_VERSION}\`, and throws \`ApiVersionMismatchError\` naming both versions on an event of another;
  \`amountOf(event)\` reads an amount the same way in every version, to carry a receiver through a switch.

Thin events (\`payload_style: "thin"\`) are a separate choice from the version: see
[delivery.md](delivery.md#thin-events).

<!-- Rendered from packages/server/src/events/versions.ts (npm run docs:versions). Do not edit by hand. -->
`;

export function renderedVersionsDoc(): string {
  const rows = API_VERSIONS.map(
    (v) => `| \`${v.version}\` | ${v.summary}${v.version === LATEST_API_VERSION ? ' **Latest.**' : ''} |`,
  );
  const sections = API_VERSIONS.map((v, i) => {
    const changes = v.changes.map((c) => `- ${c}`).join('\n');
    const example = JSON.stringify(JSON.parse(renderVersion(SAMPLE_STORED, v.version)), null, 2);
    return `## ${v.version}\n\n${v.summary}\n\n${i === 0 ? 'The stored shape:' : `Changes from ${API_VERSIONS[i - 1].version}:`}\n\n${changes}\n\nA \`transaction.success\` event in ${v.version}:\n\n\`\`\`json\n${example}\n\`\`\`\n`;
  });
  return `${INTRO}\n| version | what it is |\n| --- | --- |\n${rows.join('\n')}\n\n${sections.join('\n')}`;
}
