using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lifecycle.Access;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tests.Tracking;

/// <summary>
/// Property: whatever arrives at a tracking endpoint, the answer is never a 5xx, a refused single message
/// stores nothing, and a batch stores exactly the messages it reports as accepted. Seeded, so a failure repeats.
/// </summary>
public class TrackingFuzzTests
{
    private static readonly string[] Endpoints = ["/v1/track", "/v1/identify", "/v1/page", "/v1/group", "/v1/alias", "/v1/screen", "/v1/batch", "/v1/t"];
    private static readonly string[] Fields = ["type", "userId", "anonymousId", "event", "messageId", "timestamp", "originalTimestamp", "sentAt", "properties", "traits", "context", "groupId", "previousId", "batch", "writeKey"];
    private static readonly string[] Strings = ["", " ", "track", "page", "Demo Requested", "2026-03-01T10:00:00Z", "not-a-date", "ユーザー", "사용자", "usuario ñ", "🎉", "\u0000", "\"quoted\"", "<script>alert(1)</script>", "'; DROP TABLE events; --"];

    private static object? RandomValue(Random random, int depth) => random.Next(depth > 2 ? 6 : 9) switch
    {
        0 => null,
        1 => random.Next(2) == 0,
        2 => random.Next(-1000, 1000) * Math.Pow(10, random.Next(-3, 20)),
        3 => Strings[random.Next(Strings.Length)],
        4 => new string((char)random.Next(0x20, 0xD7FF), random.Next(0, 40_000)),
        5 => Guid.NewGuid().ToString(),
        6 => Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1)).ToArray(),
        _ => RandomObject(random, depth + 1),
    };

    private static Dictionary<string, object?> RandomObject(Random random, int depth)
    {
        var message = new Dictionary<string, object?>();
        for (var i = random.Next(6); i > 0; i--) message[Fields[random.Next(Fields.Length)]] = RandomValue(random, depth);
        return message;
    }

    private static byte[] RandomBody(Random random)
    {
        switch (random.Next(10))
        {
            case 0: return Encoding.UTF8.GetBytes("{\"userId\": \"x\", \"event\": ")[..random.Next(1, 24)]; // truncated JSON
            case 1: return Enumerable.Range(0, random.Next(1, 200)).Select(_ => (byte)random.Next(256)).ToArray(); // bytes, maybe not UTF-8
            case 2:
                var batch = Enumerable.Range(0, random.Next(0, 30)).Select(_ => random.Next(3) == 0
                    ? (object?)RandomObject(random, 1)
                    : new Dictionary<string, object?> { ["type"] = "track", ["event"] = "Fuzz", ["userId"] = "u", ["messageId"] = Guid.NewGuid().ToString() }).ToArray();
                return JsonSerializer.SerializeToUtf8Bytes(new { batch });
            default: return JsonSerializer.SerializeToUtf8Bytes(RandomObject(random, 0));
        }
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task No_input_gets_a_5xx_and_refused_input_stores_nothing(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        string key;
        await using (var db = server.Database.Database.Open())
            key = await ApiKeys.CreateAsync(db, ApiKeyKind.Write, "fuzz", TimeProvider.System);
        var client = server.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key + ":")));

        var random = new Random(20261123);
        var stored = 0;
        for (var i = 0; i < 250; i++)
        {
            var endpoint = Endpoints[random.Next(Endpoints.Length)];
            var content = new ByteArrayContent(RandomBody(random));
            content.Headers.ContentType = new MediaTypeHeaderValue(random.Next(3) == 0 ? "text/plain" : "application/json");
            if (random.Next(12) == 0) content.Headers.ContentEncoding.Add("gzip"); // a body that claims gzip but is not
            var response = await client.PostAsync(endpoint, content);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode < 500, $"#{i} {endpoint}: {(int)response.StatusCode} {body}");

            if (response.StatusCode == HttpStatusCode.OK) stored += JsonDocument.Parse(body).RootElement.GetProperty("stored").GetInt32();
            else if (body.Contains("\"accepted\"")) stored += JsonDocument.Parse(body).RootElement.GetProperty("accepted").GetInt32();
            await using var db = server.Database.Database.Open();
            Assert.True(stored == await db.Events.CountAsync(), $"#{i} {endpoint}: {(int)response.StatusCode} {body}");
        }
    }
}
