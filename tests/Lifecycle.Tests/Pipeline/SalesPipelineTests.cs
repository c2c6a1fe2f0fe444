using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Access;
using Lifecycle.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static Lifecycle.Tests.Pipeline.PipelineTestKit;

namespace Lifecycle.Tests.Pipeline;

public class SalesPipelineTests
{
    private const string Secret = "whsec_end_to_end_secret_1";

    /// <summary>
    /// The story through the API: an MQL is assigned, breaches its SLA, is rejected as not ready, is
    /// recycled, becomes a lead and an MQL again (reopened by the API: the engagement rule comes with Scoring),
    /// is accepted, qualified, wins a deal, buys an upsell and churns. A CRM receiver checks every signature and
    /// sees the first delivery retried after it answered 500.
    /// </summary>
    [Theory, ClassData(typeof(Engines))]
    public async Task An_MQL_goes_from_assignment_to_churn_with_every_transition_recorded_and_sent(string engine)
    {
        // Fri 2026-11-27 13:59Z = 14:59 in Berlin.
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T13:59:00Z"));
        await using var server = await StartAsync(engine, clock, allowPrivateTargets: true);
        await using var crm = await WebhookReceiver.StartAsync(Secret, failFirst: 1);
        var api = server.Client;
        var sales1 = await UserAsync(server, "ana@acme.test", UserRole.Sales);
        var marketing = await UserAsync(server, "mia@acme.test", UserRole.Marketing);
        var sales2 = await UserAsync(server, "ben@acme.test", UserRole.Sales);
        Assert.True(sales1 < marketing && marketing < sales2);

        await Expect(await api.PutAsJsonAsync("/api/queue/settings", new { sla_business_days = 2, time_zone = "Europe/Berlin" }), HttpStatusCode.OK);
        var hook = await Expect(await api.PostAsJsonAsync("/api/webhooks", new
        {
            url = crm.Url, secret = Secret, events = new[] { "contact.status_changed", "sla.breached", "deal.created", "deal.won" },
        }), HttpStatusCode.Created);
        var hookId = hook.GetProperty("id").GetInt64();
        await Expect(await api.PostAsJsonAsync("/api/accounts", new { id = "a1", name = "Müller GmbH", country = "DE" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1", email = "jonas@mueller.test", account_id = "a1", country = "DE", status = "lead" }), HttpStatusCode.Created);

        // The first delivery answers 500; the retry waits 60 s (the backoff base) on the server's clock.
        async Task<JsonElement> Deliveries() => (await Expect(await api.GetAsync($"/api/webhooks/{hookId}/deliveries"), HttpStatusCode.OK)).GetProperty("items");
        await Until(async () => (await Deliveries()).GetArrayLength() == 1, "the first delivery attempt");
        var failed = (await Deliveries())[0];
        Assert.Equal((500, "answered 500", 1), (failed.GetProperty("status_code").GetInt32(), failed.Text("error"), failed.GetProperty("attempt").GetInt32()));
        Assert.Equal("2026-11-27T14:00:00Z", failed.Text("next_attempt_at"));
        await Task.Delay(300);
        Assert.Single(crm.Requests); // nothing is retried before its time
        clock.Advance(TimeSpan.FromSeconds(60));
        await Until(async () => (await Deliveries()).GetArrayLength() == 2, "the retry");
        var retried = (await Deliveries())[0];
        Assert.Equal((200, 2), (retried.GetProperty("status_code").GetInt32(), retried.GetProperty("attempt").GetInt32()));
        Assert.Equal(failed.Text("event_id"), retried.Text("event_id"));

        // Fri 14:00Z = 15:00 Berlin: the MQL is due Tue 2026-12-01 15:00 Berlin = 14:00Z, and goes to the first sales user in rotation.
        await Expect(await api.PostAsJsonAsync("/api/contacts/c1/status", new { to = "mql", reason = "Demo Requested" }), HttpStatusCode.Created);
        var queued = Assert.Single((await Expect(await api.GetAsync("/api/queue"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Equal((sales1, "round_robin", "2026-12-01T14:00:00Z", false),
            (queued.GetProperty("owner_id").GetInt64(), queued.Text("assigned_by"), queued.Text("due_at"), queued.GetProperty("overdue").GetBoolean()));
        Assert.Equal(sales1, (await Expect(await api.GetAsync("/api/contacts/c1"), HttpStatusCode.OK)).GetProperty("owner_id").GetInt64());
        Assert.Equal(0, (await Expect(await api.GetAsync("/api/queue?overdue=true"), HttpStatusCode.OK)).GetProperty("total").GetInt32());

        // Tuesday 14:00Z: the SLA is breached; the owner is notified once, by an sla.breached event.
        clock.SetUtcNow(DateTimeOffset.Parse("2026-12-01T14:00:00Z"));
        await Until(() => Task.FromResult(crm.Requests.Any(r => r.EventType == "sla.breached")), "the sla.breached event");
        var breach = crm.Requests.Single(r => r.EventType == "sla.breached").Body.GetProperty("data");
        Assert.Equal((sales1, "ana@acme.test", "2026-12-01T14:00:00Z"), (breach.GetProperty("owner_id").GetInt64(), breach.Text("owner_email"), breach.Text("due_at")));
        var overdue = Assert.Single((await Expect(await api.GetAsync($"/api/queue?overdue=true&owner_id={sales1}"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.True(overdue.GetProperty("overdue").GetBoolean());
        Assert.Equal("2026-12-01T14:00:00Z", overdue.Text("breached_at"));
        Assert.Equal(0, (await Expect(await api.GetAsync($"/api/queue?owner_id={sales2}"), HttpStatusCode.OK)).GetProperty("total").GetInt32());

        // Qualifying an MQL is refused and changes nothing.
        var notSal = await Expect(await api.PostAsJsonAsync("/api/queue/c1/qualify", new { }), HttpStatusCode.Conflict);
        Assert.Contains("only a contact in sal can be qualified", notSal.Text("detail"));

        clock.Advance(TimeSpan.FromMinutes(10));
        await Expect(await api.PostAsJsonAsync("/api/queue/c1/reject", new { reason = "not ready", note = "budget next year", user_id = sales1 }), HttpStatusCode.OK);
        Assert.Equal(0, (await Expect(await api.GetAsync("/api/queue"), HttpStatusCode.OK)).GetProperty("total").GetInt32());
        clock.Advance(TimeSpan.FromDays(1));
        await Expect(await api.PostAsJsonAsync("/api/contacts/c1/status", new { to = "lead", reason = "renewed engagement" }), HttpStatusCode.Created);
        clock.Advance(TimeSpan.FromHours(1));
        await Expect(await api.PostAsJsonAsync("/api/contacts/c1/status", new { to = "mql", reason = "Demo Requested" }), HttpStatusCode.Created);
        // The rotation moves on past the marketing user to the next sales user.
        var requeued = Assert.Single((await Expect(await api.GetAsync("/api/queue"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Equal((sales2, "round_robin"), (requeued.GetProperty("owner_id").GetInt64(), requeued.Text("assigned_by")));

        clock.Advance(TimeSpan.FromHours(1));
        var accepted = await Expect(await api.PostAsync("/api/queue/c1/accept", null), HttpStatusCode.OK);
        Assert.Equal("sal", accepted.GetProperty("contact").Text("status"));
        var transitionsBefore = (await Expect(await api.GetAsync("/api/contacts/c1/transitions"), HttpStatusCode.OK)).GetArrayLength();
        var twice = await Expect(await api.PostAsync("/api/queue/c1/accept", null), HttpStatusCode.Conflict);
        Assert.Contains("contact 'c1' is sal; only a contact in mql can be accepted", twice.Text("detail"));
        Assert.Equal(transitionsBefore, (await Expect(await api.GetAsync("/api/contacts/c1/transitions"), HttpStatusCode.OK)).GetArrayLength());

        clock.Advance(TimeSpan.FromHours(1));
        await Expect(await api.PostAsJsonAsync("/api/queue/c1/qualify", new { user_id = sales2 }), HttpStatusCode.OK);

        // A deal with a negative amount, or closing before it was created: 422 naming the field, and nothing changes.
        var negative = await Expect(await api.PostAsJsonAsync("/api/queue/c1/deal", new { id = "d1", amount = -1 }), (HttpStatusCode)422);
        Assert.Equal("must not be negative", negative.GetProperty("errors").GetProperty("amount")[0].GetString());
        var backwards = await Expect(await api.PostAsJsonAsync("/api/queue/c1/deal", new
        {
            id = "d1", amount = 100, created_at = "2026-12-03T00:00:00Z", closed_at = "2026-12-02T00:00:00Z", outcome = "won",
        }), (HttpStatusCode)422);
        Assert.Equal("is before created_at", backwards.GetProperty("errors").GetProperty("closed_at")[0].GetString());
        Assert.Equal("sql", (await Expect(await api.GetAsync("/api/contacts/c1"), HttpStatusCode.OK)).Text("status"));
        Assert.Equal(0, (await Expect(await api.GetAsync("/api/deals"), HttpStatusCode.OK)).GetProperty("total").GetInt32());

        clock.Advance(TimeSpan.FromHours(1));
        var created = await Expect(await api.PostAsJsonAsync("/api/queue/c1/deal", new { id = "d1", amount = 12000, type = "new" }), HttpStatusCode.Created);
        var dealCreatedAt = created.GetProperty("deal").Text("created_at");
        Assert.Equal("opportunity", (await Expect(await api.GetAsync("/api/accounts/a1"), HttpStatusCode.OK)).Text("status"));

        clock.Advance(TimeSpan.FromDays(1));
        var wonAt = clock.GetUtcNow().UtcDateTime;
        await Expect(await api.PutAsJsonAsync("/api/deals/d1", new
        {
            account_id = "a1", contact_id = "c1", type = "new", amount = 12000, created_at = dealCreatedAt, closed_at = wonAt, outcome = "won",
        }), HttpStatusCode.OK);
        Assert.Equal("customer", (await Expect(await api.GetAsync("/api/contacts/c1"), HttpStatusCode.OK)).Text("status"));
        Assert.Equal("customer", (await Expect(await api.GetAsync("/api/accounts/a1"), HttpStatusCode.OK)).Text("status"));
        await Expect(await api.PostAsJsonAsync("/api/subscriptions", new { id = "s1", account_id = "a1", mrr = 1000, starts_on = DateOnly.FromDateTime(wonAt) }), HttpStatusCode.Created);

        // An upsell a month later: the contact is already a customer, so no transition.
        clock.Advance(TimeSpan.FromDays(30));
        var upsellAt = clock.GetUtcNow().UtcDateTime;
        await Expect(await api.PostAsJsonAsync("/api/deals", new
        {
            id = "d2", account_id = "a1", contact_id = "c1", type = "upsell", amount = 3000, created_at = upsellAt, closed_at = upsellAt, outcome = "won",
        }), HttpStatusCode.Created);
        await Expect(await api.PutAsJsonAsync("/api/subscriptions/s1", new { account_id = "a1", mrr = 1250, starts_on = DateOnly.FromDateTime(wonAt) }), HttpStatusCode.OK);
        Assert.Equal("customer", (await Expect(await api.GetAsync("/api/contacts/c1"), HttpStatusCode.OK)).Text("status"));

        // The last subscription ends: account and contact churn.
        clock.Advance(TimeSpan.FromDays(60));
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        await Expect(await api.PutAsJsonAsync("/api/subscriptions/s1", new { account_id = "a1", mrr = 1250, starts_on = DateOnly.FromDateTime(wonAt), ends_on = today }), HttpStatusCode.OK);
        Assert.Equal("churned", (await Expect(await api.GetAsync("/api/accounts/a1"), HttpStatusCode.OK)).Text("status"));

        var history = (await Expect(await api.GetAsync("/api/contacts/c1/transitions"), HttpStatusCode.OK)).EnumerateArray()
            .Select(t => (t.Text("from_status"), t.Text("to_status"), t.Text("reason"), t.Text("actor"))).ToList();
        (string?, string?, string?, string?)[] expected =
        [
            (null, "lead", "created through the API", "api"),
            ("lead", "mql", "Demo Requested", "api"),
            ("mql", "recycled", "not ready: budget next year", $"user:{sales1}"),
            ("recycled", "lead", "renewed engagement", "api"),
            ("lead", "mql", "Demo Requested", "api"),
            ("mql", "sal", "accepted by sales", $"user:{sales2}"),
            ("sal", "sql", "qualified by sales", $"user:{sales2}"),
            ("sql", "opportunity", "deal d1 created", $"user:{sales2}"),
            ("opportunity", "customer", "deal d1 won", "api"),
            ("customer", "churned", "the account's last active subscription ended", "api"),
        ];
        Assert.Equal(expected, history);

        // The CRM got every status change once (the first one twice: its retry), each signed with the secret.
        await Until(() => Task.FromResult(crm.Requests.Count(r => r.EventType == "contact.status_changed" && r.Answer == 200) == expected.Length), "all status events");
        Assert.All(crm.Requests, r => Assert.True(r.SignatureValid, $"{r.EventType} carries a bad signature"));
        Assert.All(crm.Requests, r => Assert.InRange(r.SignedAt, DateTimeOffset.Parse("2026-11-27T13:59:00Z").ToUnixTimeSeconds(), clock.GetUtcNow().ToUnixTimeSeconds()));
        var statusEvents = crm.Requests.Where(r => r.EventType == "contact.status_changed" && r.Answer == 200).Select(r => r.Body.GetProperty("data"))
            .OrderBy(d => d.Text("at")).Select(d => (d.Text("from_status"), d.Text("to_status"), d.Text("reason"), d.Text("actor"))).ToList();
        Assert.Equal(expected, statusEvents);
        var first = crm.Requests.Where(r => r.EventType == "contact.status_changed").Take(2).ToList();
        Assert.Equal((500, 200), (first[0].Answer, first[1].Answer));
        Assert.Equal(first[0].DeliveryId, first[1].DeliveryId);
        Assert.Equal(["d1", "d2"], crm.Requests.Where(r => r.EventType == "deal.created").Select(r => r.Body.GetProperty("data").Text("deal_id")).Order());
        Assert.Equal(["d1", "d2"], crm.Requests.Where(r => r.EventType == "deal.won").Select(r => r.Body.GetProperty("data").Text("deal_id")).Order());
    }
}
