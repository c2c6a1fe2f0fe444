using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lifecycle.Access;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tests.Tracking;

public class TrackingApiTests
{
    private static async Task<(RunningServer Server, HttpClient Client, string Key)> StartAsync(string engine)
    {
        var server = await RunningServer.StartAsync(engine);
        await using var db = server.Database.Database.Open();
        var key = await ApiKeys.CreateAsync(db, ApiKeyKind.Write, "website", TimeProvider.System);
        var client = server.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key + ":")));
        return (server, client, key);
    }

    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    private static async Task<int> CountEvents(RunningServer server)
    {
        await using var db = server.Database.Database.Open();
        return await db.Events.CountAsync();
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_track_call_is_stored_once_however_often_it_is_retried(string engine)
    {
        var (server, client, _) = await StartAsync(engine);
        await using var _server = server;
        const string body = """{"userId":"c-1","event":"Demo Requested","messageId":"m-1","properties":{"plan":"エンタープライズ"},"timestamp":"2026-03-01T10:00:00Z"}""";
        for (var attempt = 0; attempt < 3; attempt++)
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/track", Json(body))).StatusCode);

        await using var db = server.Database.Database.Open();
        var stored = await db.Events.SingleAsync();
        Assert.Equal(("m-1", "track", "Demo Requested", "c-1"), (stored.MessageId, stored.Type, stored.Name, stored.UserId));
        Assert.Equal(new DateTime(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc), stored.Timestamp);
        Assert.Contains("エンタープライズ", stored.Payload);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_large_batch_with_retried_and_repeated_ids_stores_each_id_once_and_counts_only_new_ones(string engine)
    {
        var (server, client, _) = await StartAsync(engine);
        await using var _server = server;
        static string Batch(IEnumerable<int> ids) =>
            "{\"batch\":[" + string.Join(",", ids.Select(i => $$"""{"type":"track","event":"Page Scrolled","anonymousId":"a-{{i % 7}}","messageId":"big-{{i}}"}""")) + "]}";

        // 1,000 new ids (large enough for the bulk path): all stored.
        var first = await client.PostAsync("/v1/batch", Json(Batch(Enumerable.Range(0, 1000))));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1000, JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("stored").GetInt32());

        // 800 more: ids 900..1699, so 100 were stored before, and id 1500 appears twice -> 700 new.
        var second = await client.PostAsync("/v1/batch", Json(Batch(Enumerable.Range(900, 800).Append(1500))));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(700, JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement.GetProperty("stored").GetInt32());
        Assert.Equal(1700, await CountEvents(server));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_batch_keeps_the_valid_messages_and_reports_the_bad_ones_by_index(string engine)
    {
        var (server, client, _) = await StartAsync(engine);
        await using var _server = server;
        const string batch = """
            {"batch":[
              {"type":"page","anonymousId":"a-1","messageId":"b-0","properties":{"url":"https://example.com/?utm_medium=cpc"}},
              {"type":"track","userId":"c-1","messageId":"b-1"},
              {"type":"identify","userId":"c-1","messageId":"b-2","traits":{"email":"ana@example.es","name":"Ana Muñoz"}},
              {"type":"launch","userId":"c-1","messageId":"b-3"}
            ]}
            """;
        var response = await client.PostAsync("/v1/batch", Json(batch));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Equal("required for track", errors.GetProperty("batch[1].event")[0].GetString());
        Assert.True(errors.TryGetProperty("batch[3].type", out _));
        Assert.Equal(2, problem.RootElement.GetProperty("accepted").GetInt32());

        await using var db = server.Database.Database.Open();
        Assert.Equal(["b-0", "b-2"], await db.Events.OrderBy(e => e.MessageId).Select(e => e.MessageId).ToListAsync());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task What_real_clients_send_is_accepted_gzip_text_plain_key_in_body_and_original_timestamp(string engine)
    {
        var (server, client, key) = await StartAsync(engine);
        await using var _server = server;

        // RudderStack's node SDK: gzip body, originalTimestamp and sentAt instead of timestamp.
        var gzipped = new MemoryStream();
        await using (var gzip = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true))
            await gzip.WriteAsync(Encoding.UTF8.GetBytes("""{"batch":[{"type":"track","event":"Trial Started","userId":"c-9","messageId":"g-1","originalTimestamp":"2026-03-01T10:00:00Z"}],"sentAt":"2026-03-01T10:00:00Z"}"""));
        var content = new ByteArrayContent(gzipped.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/batch", content)).StatusCode);

        // The browser library: text/plain, write key in the body, no Authorization header.
        var browser = server.AnonymousClient();
        var response = await browser.PostAsync("/v1/p", Json($$$"""{"anonymousId":"anon-7","messageId":"p-1","writeKey":"{{{key}}}","properties":{"path":"/precios"}}""", "text/plain"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());

        await using var db = server.Database.Database.Open();
        var rudder = await db.Events.SingleAsync(e => e.MessageId == "g-1");
        // sentAt equals originalTimestamp: no skew, so the timestamp is the receive instant.
        Assert.Equal(rudder.ReceivedAt, rudder.Timestamp, TimeSpan.FromSeconds(1));
        var page = await db.Events.SingleAsync(e => e.MessageId == "p-1");
        Assert.Equal(("page", "Page Viewed", "anon-7"), (page.Type, page.Name, page.AnonymousId));
        Assert.DoesNotContain(key, page.Payload);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_missing_or_wrong_write_key_is_401_and_nothing_is_stored(string engine)
    {
        var (server, _, _) = await StartAsync(engine);
        await using var _server = server;
        var anonymous = server.AnonymousClient();
        const string body = """{"userId":"c-1","event":"X"}""";
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/v1/track", Json(body))).StatusCode);
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("lc_wk_wrong:")));
        var wrong = await anonymous.PostAsync("/v1/track", Json(body));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await CountEvents(server));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Segment_limits_answer_400_with_the_reason(string engine)
    {
        var (server, client, _) = await StartAsync(engine);
        await using var _server = server;
        var huge = new string('x', 33 * 1024);
        var tooBig = await client.PostAsync("/v1/track", Json($$$"""{"userId":"c","event":"X","properties":{"p":"{{{huge}}}"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
        Assert.Contains("32 KB", await tooBig.Content.ReadAsStringAsync());

        var many = "{\"batch\":[" + string.Join(",", Enumerable.Repeat("""{"type":"page","anonymousId":"a"}""", 2501)) + "]}";
        var tooMany = await client.PostAsync("/v1/batch", Json(many));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("2500", await tooMany.Content.ReadAsStringAsync());

        var oversized = await client.PostAsync("/v1/batch", Json("{\"batch\":[{\"type\":\"page\",\"anonymousId\":\"" + new string('a', 501 * 1024) + "\"}]}"));
        Assert.Equal(HttpStatusCode.BadRequest, oversized.StatusCode);
        Assert.Contains("500 KB", await oversized.Content.ReadAsStringAsync());

        var malformed = await client.PostAsync("/v1/track", Json("{\"userId\": \"c\", "));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(0, await CountEvents(server));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Events_of_a_known_contact_are_linked_to_it_by_id_or_email(string engine)
    {
        var (server, client, _) = await StartAsync(engine);
        await using var _server = server;
        await using (var db = server.Database.Database.Open())
        {
            db.Contacts.Add(new Lifecycle.Contacts.Contact { Id = "c-42", Email = "yuki@example.jp", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        const string batch = """{"batch":[{"type":"track","event":"Webinar Attended","userId":"c-42","messageId":"e-1"},{"type":"track","event":"Content Downloaded","userId":"Yuki@Example.jp","messageId":"e-2"},{"type":"track","event":"X","userId":"stranger","messageId":"e-3"}]}""";
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/batch", Json(batch))).StatusCode);
        await using var check = server.Database.Database.Open();
        var linked = await check.Events.OrderBy(e => e.MessageId).Select(e => e.ContactId).ToListAsync();
        Assert.Equal(["c-42", "c-42", null], linked);
    }
}

public class TrackingControlCharacterTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task A_NUL_character_in_an_id_is_refused_not_a_500(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        await using (var db = server.Database.Database.Open())
        {
            var key = await ApiKeys.CreateAsync(db, ApiKeyKind.Write, "w", TimeProvider.System);
            server.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key + ":")));
        }
        var response = await server.Client.PostAsync("/v1/track", new StringContent("""{"userId":"a\u0000b","event":"X\u0000","properties":{"note":"nul \u0000 inside"}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("userId", body);
        Assert.Contains("event", body);
    }
}
