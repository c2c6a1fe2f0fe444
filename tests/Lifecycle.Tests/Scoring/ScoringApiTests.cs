using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Lifecycle.Access;
using Lifecycle.Scoring;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Lifecycle.Tests.Scoring;

public class ScoringApiTests
{
    private static readonly DateTime T = new(2026, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    private static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<HttpClient> TrackingClient(RunningServer server)
    {
        await using var db = server.Database.Database.Open();
        var key = await ApiKeys.CreateAsync(db, ApiKeyKind.Write, "website", TimeProvider.System);
        var client = server.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key + ":")));
        return client;
    }

    private static string Instant(DateTime at) => at.ToString("yyyy-MM-ddTHH:mm:ssZ");

    private static async Task Track(HttpClient tracking, params object[] messages) =>
        Assert.Equal(HttpStatusCode.OK, (await tracking.PostAsJsonAsync("/v1/batch", new { batch = messages })).StatusCode);

    /// <summary>Waits (at most 60 s) for the worker: it scores asynchronously, after the tracking commit.</summary>
    private static async Task<T> Eventually<T>(Func<Task<T?>> probe) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (await probe() is { } found) return found;
            Assert.True(DateTime.UtcNow < deadline, "the scoring worker did not get there within 60 s");
            await Task.Delay(100);
        }
    }

    private static readonly object Model = new
    {
        mql_threshold = 50,
        hand_raisers = new[] { "Demo Requested" },
        half_life_days = (double?)null,
        fit = new[] { new { id = "vp", field = "seniority", op = "equals", values = new[] { "vp" }, points = 20 } },
        engagement = new object[]
        {
            new { id = "pages", @event = "Page Viewed", points = 5, cap = new { points = 10, days = 7 } },
            new { id = "webinar", @event = "Webinar Attended", points = 20 },
        },
    };

    [Theory, ClassData(typeof(Engines))]
    public async Task Tracked_events_are_scored_and_a_lead_at_the_threshold_becomes_mql_citing_the_rule(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine, RunningServer.WithScoringWorker);
        var api = server.Client;
        var tracking = await TrackingClient(server);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1", email = "vp@acme.test", title = "VP Marketing", status = "lead", created_at = Instant(T.AddDays(-1)) }), HttpStatusCode.Created);

        // A bad model names each bad field; nothing is stored.
        var bad = await Expect(await api.PostAsJsonAsync("/api/scoring/models", new { fit = new[] { new { id = "x", field = "titel", op = "equals", values = new[] { "a" }, points = 5 } } }), HttpStatusCode.BadRequest);
        Assert.StartsWith("unknown field 'titel'", bad.GetProperty("errors").GetProperty("fit[0].field")[0].GetString());
        var created = await Expect(await api.PostAsJsonAsync("/api/scoring/models", Model), HttpStatusCode.Created);
        Assert.Equal((2, false), (created.GetProperty("version").GetInt32(), created.GetProperty("current").GetBoolean()));
        var rescored = await Expect(await api.PostAsync("/api/scoring/models/2/rescore", null), HttpStatusCode.OK);
        Assert.Equal(1, rescored.GetProperty("contacts").GetInt32()); // c1's fit: vp 20 at its creation
        Assert.Equal(2, (await Expect(await api.GetAsync("/api/scoring/models/current"), HttpStatusCode.OK)).GetProperty("version").GetInt32());

        // Page views: 5 + 5, the third is capped (10 per 7 days); the webinar a day later: 20 + 10 + 20 = 50 = the threshold.
        await Track(tracking,
            new { type = "page", userId = "c1", messageId = "p1", timestamp = Instant(T), properties = new { path = "/" } },
            new { type = "page", userId = "c1", messageId = "p2", timestamp = Instant(T.AddHours(1)), properties = new { path = "/pricing" } },
            new { type = "page", userId = "c1", messageId = "p3", timestamp = Instant(T.AddHours(2)), properties = new { path = "/docs" } },
            new { type = "track", userId = "c1", @event = "Webinar Attended", messageId = "w1", timestamp = Instant(T.AddDays(1)) });

        var mql = await Eventually(async () =>
        {
            var transitions = await Expect(await api.GetAsync("/api/contacts/c1/transitions"), HttpStatusCode.OK);
            return transitions.EnumerateArray().Where(t => t.GetProperty("to_status").GetString() == "mql").Select(t => (JsonElement?)t).FirstOrDefault() is { } t ? (object)t : null;
        });
        var transition = (JsonElement)mql;
        Assert.Equal(("lead", "rule:mql_threshold", Instant(T.AddDays(1))),
            (transition.GetProperty("from_status").GetString(), transition.GetProperty("actor").GetString(), transition.GetProperty("at").GetString()));
        Assert.Contains("score 50 (fit 20 + engagement 30) reached the MQL threshold 50 with 'Webinar Attended' (w1)", transition.GetProperty("reason").GetString());

        // The score between the second page view and the webinar: fit 20 + 10 = 30; at the end 50.
        var past = await Expect(await api.GetAsync("/api/contacts/c1/score?at=" + Instant(T.AddHours(1.5))), HttpStatusCode.OK);
        Assert.Equal((20.0, 10.0, 30.0, 2), (past.GetProperty("fit").GetDouble(), past.GetProperty("engagement").GetDouble(), past.GetProperty("total").GetDouble(), past.GetProperty("model_version").GetInt32()));
        var explanation = await Expect(await api.GetAsync("/api/contacts/c1/score/explanation"), HttpStatusCode.OK);
        Assert.Equal(50, explanation.GetProperty("total").GetDouble());
        var rules = explanation.GetProperty("rules").EnumerateArray().Select(r => $"{r.GetProperty("rule_id").GetString()}:{r.GetProperty("kind").GetString()}:{r.GetProperty("points").GetInt32()}:{r.GetProperty("changes").GetInt32()}").ToArray();
        Assert.Equal(["vp:fit:20:1", "webinar:engagement:20:1", "pages:engagement:10:2"], rules);

        // Score drivers for June: pages 10 points, webinar 20, vp's fit change was at creation (May 31) and is outside.
        var drivers = await Expect(await api.GetAsync("/api/scoring/drivers?from=2026-06-01&to=2026-07-01"), HttpStatusCode.OK);
        var byRule = drivers.GetProperty("metrics").GetProperty("nurture.score_drivers");
        Assert.Equal(20, byRule.GetProperty("webinar").GetProperty("points").GetInt64());
        Assert.Equal(1.0, byRule.GetProperty("webinar").GetProperty("mql_rate_with").GetDouble());
        Assert.Equal(JsonValueKind.Null, byRule.GetProperty("webinar").GetProperty("mql_rate_without").ValueKind);
        Assert.False(byRule.TryGetProperty("vp", out _));
        var badPeriod = await Expect(await api.GetAsync("/api/scoring/drivers?from=June&to=2026-07-01"), HttpStatusCode.BadRequest);
        Assert.Contains("from", badPeriod.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        await Expect(await api.GetAsync("/api/contacts/nobody/score"), HttpStatusCode.NotFound);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Anonymous_history_is_scored_when_the_visitor_identifies_and_a_hand_raiser_makes_an_mql(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine, RunningServer.WithScoringWorker);
        var tracking = await TrackingClient(server);
        // A visitor requests a demo before anyone knows who they are; the worker reads it (no contact to score yet).
        await Track(tracking, new { type = "track", anonymousId = "anon-1", @event = "Demo Requested", messageId = "d1", timestamp = Instant(T) });
        await Eventually(async () =>
        {
            await using var db = server.Database.Database.Open();
            return await db.Set<ScoringCursor>().AnyAsync(c => c.MessageId == "d1") ? "read" : null;
        });
        await Track(tracking, new { type = "identify", anonymousId = "anon-1", userId = "new@acme.test", messageId = "i1", timestamp = Instant(T.AddMinutes(5)), traits = new { email = "new@acme.test" } });

        var transitions = await Eventually(async () =>
        {
            await using var db = server.Database.Database.Open();
            var rows = await db.Transitions.Where(t => t.ContactId == db.Contacts.Where(c => c.Email == "new@acme.test").Select(c => c.Id).First()).OrderBy(t => t.At).ToListAsync();
            return rows.Count == 2 ? rows : null;
        });
        // inquiry on identify, then mql by the hand-raiser (at the identify, as no transition goes before the latest).
        Assert.Equal(("inquiry", "mql", "rule:hand_raiser"), (transitions[0].ToStatus.ToString().ToLowerInvariant(), transitions[1].ToStatus.ToString().ToLowerInvariant(), transitions[1].Actor));
        Assert.Contains("'Demo Requested' (d1)", transitions[1].Reason);
    }

    [Fact]
    public async Task A_rescore_runs_to_the_end_when_its_caller_goes_away()
    {
        await using var server = await RunningServer.StartAsync("postgres");
        var api = server.Client;
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1", email = "vp@acme.test", title = "VP Marketing", status = "lead", created_at = Instant(T) }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/scoring/models", Model), HttpStatusCode.Created);

        // A worker batch of another process holds the scoring lock, so the rescore waits; meanwhile its caller goes away.
        await using var worker = new NpgsqlConnection(server.Database.Database.ConnectionString);
        await worker.OpenAsync();
        await worker.ExecuteAsync("SELECT pg_advisory_lock(@lock)", new { @lock = ScoringWorker.ScoringLock });
        using var gone = new CancellationTokenSource();
        var call = api.PostAsync("/api/scoring/models/2/rescore", null, gone.Token);
        await Eventually(async () => await worker.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%pg_advisory_lock%' AND pid <> pg_backend_pid()") > 0 ? "waiting" : null);
        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await worker.ExecuteAsync("SELECT pg_advisory_unlock(@lock)", new { @lock = ScoringWorker.ScoringLock });

        // The rescore goes on and makes version 2 current.
        await Eventually(async () => (await Expect(await api.GetAsync("/api/scoring/models/current"), HttpStatusCode.OK))
            .GetProperty("version").GetInt32() == 2 ? "current" : null);
    }
}
