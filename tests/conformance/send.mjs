// Sends the same journey through the real Segment and RudderStack node clients to a Lifecycle server.
// usage: node send.mjs <server base url> <write key>
// Each client tags its messages (context.traits / properties.client) so the .NET test can check both arrived.
import { Analytics as SegmentAnalytics } from "@segment/analytics-node";
import RudderAnalytics from "@rudderstack/rudder-sdk-node";

const [, , host, writeKey] = process.argv;
if (!host || !writeKey) {
  console.error("usage: node send.mjs <server base url> <write key>");
  process.exit(1);
}

function journey(client, prefix, done) {
  const userId = `${prefix}-user`;
  const anonymousId = `${prefix}-anon`;
  client.page({ anonymousId, name: "Pricing", properties: { url: `https://example.com/pricing?utm_medium=cpc&utm_source=google`, client: prefix } });
  client.identify({ anonymousId, userId, traits: { email: `${prefix}@example.com`, name: "Kim Minji", title: "마케팅 매니저" } });
  client.track({ userId, event: "Demo Requested", properties: { client: prefix, plan: "Enterprise" } });
  client.group({ userId, groupId: `${prefix}-account`, traits: { name: "株式会社サンプル" } });
  client.alias({ userId, previousId: `${prefix}-old-id` });
  client.screen?.({ userId, name: "Dashboard" });
  done();
}

const segment = new SegmentAnalytics({ writeKey, host, flushAt: 3, flushInterval: 200, maxRetries: 2 });
journey(segment, "segment", () => {});
await segment.closeAndFlush({ timeout: 10000 });

const rudder = new RudderAnalytics(writeKey, { dataPlaneUrl: host, flushAt: 3, flushInterval: 200, gzip: true });
journey(rudder, "rudder", () => {});
await new Promise((resolve, reject) => rudder.flush((error) => (error ? reject(error) : resolve())));
console.log("sent");
