using System.Net;
using System.Net.Http.Json;
using Lifecycle.Access;
using Lifecycle.Pipeline.Webhooks;
using Lifecycle.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static Lifecycle.Tests.Pipeline.PipelineTestKit;

namespace Lifecycle.Tests.Pipeline;

public class PipelineApiTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task MQLs_go_to_the_account_owner_then_the_territory_and_a_lost_deal_recycles_its_contact(string engine)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T10:00:00Z"));
        await using var server = await StartAsync(engine, clock, allowPrivateTargets: false);
        var api = server.Client;
        var owner = await UserAsync(server, "olga@acme.test", UserRole.Marketing);
        var japan = await UserAsync(server, "kenji@acme.test", UserRole.Sales);
        Assert.Equal(["no active user 999"], (await Expect(await api.PostAsJsonAsync("/api/accounts", new { id = "x", name = "X", owner_id = 999 }), HttpStatusCode.BadRequest))
            .GetProperty("errors").GetProperty("owner_id").EnumerateArray().Select(e => e.GetString()));
        await Expect(await api.PostAsJsonAsync("/api/accounts", new { id = "owned", name = "Owned Ltd", owner_id = owner }), HttpStatusCode.Created);
        await Expect(await api.PutAsJsonAsync("/api/queue/settings", new { territories = new Dictionary<string, long> { ["jp"] = japan } }), HttpStatusCode.OK);
        var settings = await Expect(await api.GetAsync("/api/queue/settings"), HttpStatusCode.OK);
        Assert.Equal((2, "UTC", japan), (settings.GetProperty("sla_business_days").GetInt32(), settings.Text("time_zone"), settings.GetProperty("territories").GetProperty("JP").GetInt64()));
        Assert.Contains("'Mars/Olympus' is not a known time zone", (await Expect(await api.PutAsJsonAsync("/api/queue/settings", new { time_zone = "Mars/Olympus" }), HttpStatusCode.BadRequest))
            .GetProperty("errors").GetProperty("time_zone")[0].GetString());

        // Created straight into mql (a hand-raiser): the account owner wins over the JP territory.
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1", account_id = "owned", country = "JP", status = "mql" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c2", country = "JP", status = "lead" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts/c2/status", new { to = "mql" }), HttpStatusCode.Created);
        var queue = (await Expect(await api.GetAsync("/api/queue"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
            .Select(i => (i.Text("contact_id"), i.GetProperty("owner_id").GetInt64(), i.Text("assigned_by"), i.Text("due_at"))).ToList();
        // Wed 2026-11-25 10:00Z + 2 business days (UTC) = Fri 2026-11-27 10:00Z.
        Assert.Equal([("c1", owner, "account_owner", "2026-11-27T10:00:00Z"), ("c2", japan, "territory", "2026-11-27T10:00:00Z")], queue);

        Assert.Contains("'maybe later' is not one of", (await Expect(await api.PostAsJsonAsync("/api/queue/c2/reject", new { reason = "maybe later" }), HttpStatusCode.BadRequest))
            .GetProperty("errors").GetProperty("reason")[0].GetString());
        await Expect(await api.PostAsJsonAsync("/api/queue/nobody/accept", new { }), HttpStatusCode.NotFound);
        Assert.Equal("no active user 999", (await Expect(await api.PostAsJsonAsync("/api/queue/c2/accept", new { user_id = 999 }), HttpStatusCode.BadRequest))
            .GetProperty("errors").GetProperty("user_id")[0].GetString());
        var rejected = await Expect(await api.PostAsJsonAsync("/api/queue/c1/reject", new { reason = "Bad_Fit" }), HttpStatusCode.OK);
        Assert.Equal(("disqualified", "bad fit", $"user:{owner}"),
            (rejected.GetProperty("contact").Text("status"), rejected.GetProperty("transition").Text("reason"), rejected.GetProperty("transition").Text("actor")));
        var dealForMql = await Expect(await api.PostAsJsonAsync("/api/queue/c2/deal", new { amount = 10 }), HttpStatusCode.Conflict);
        Assert.Contains("a deal is created for an SQL", dealForMql.Text("detail"));

        await Expect(await api.PostAsJsonAsync("/api/accounts", new { id = "a2", name = "Tanaka KK" }), HttpStatusCode.Created);
        await Expect(await api.PutAsJsonAsync("/api/contacts/c2", new { country = "JP", account_id = "a2", owner_id = japan }), HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromHours(1));
        await Expect(await api.PostAsync("/api/queue/c2/accept", null), HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromHours(1));
        await Expect(await api.PostAsync("/api/queue/c2/qualify", null), HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromHours(1));
        var deal = await Expect(await api.PostAsJsonAsync("/api/queue/c2/deal", new { id = "d1", amount = 5000 }), HttpStatusCode.Created);
        Assert.Equal(("a2", "c2", "open"), (deal.GetProperty("deal").Text("account_id"), deal.GetProperty("deal").Text("contact_id"), deal.GetProperty("deal").Text("outcome")));
        clock.Advance(TimeSpan.FromDays(3));
        await Expect(await api.PutAsJsonAsync("/api/deals/d1", new
        {
            account_id = "a2", contact_id = "c2", amount = 5000, created_at = deal.GetProperty("deal").Text("created_at"), closed_at = clock.GetUtcNow(), outcome = "lost",
        }), HttpStatusCode.OK);
        var last = (await Expect(await api.GetAsync("/api/contacts/c2/transitions"), HttpStatusCode.OK)).EnumerateArray().Last();
        Assert.Equal(("opportunity", "recycled", "deal d1 lost"), (last.Text("from_status"), last.Text("to_status"), last.Text("reason")));
        Assert.Equal("prospect", (await Expect(await api.GetAsync("/api/accounts/a2"), HttpStatusCode.OK)).Text("status"));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Webhooks_to_private_addresses_are_refused_at_creation_and_at_connect_time(string engine)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T10:00:00Z"));
        await using var server = await StartAsync(engine, clock, allowPrivateTargets: false);
        await using var crm = await WebhookReceiver.StartAsync("whsec_never_reached_123");
        var api = server.Client;
        foreach (var url in new[] { "http://10.0.0.5/hook", "http://127.0.0.1:8080/hook", "http://[::1]/hook", "http://169.254.169.254/latest/meta-data", "http://localhost/hook" })
        {
            var problem = await Expect(await api.PostAsJsonAsync("/api/webhooks", new { url, events = new[] { "deal.won" } }), HttpStatusCode.BadRequest);
            Assert.Contains("may not target", problem.GetProperty("errors").GetProperty("url")[0].GetString());
        }
        Assert.Contains("'deal.maybe' is not one of", (await Expect(await api.PostAsJsonAsync("/api/webhooks", new { url = "https://crm.example.com/hook", events = new[] { "deal.maybe" } }), HttpStatusCode.BadRequest))
            .GetProperty("errors").GetProperty("events")[0].GetString());

        // A name that resolves to loopback passes the early check only if written into the table; the connect-time
        // guard still refuses it, and the attempt is logged with the reason.
        await using (var db = server.Database.Database.Open())
        {
            db.Set<Webhook>().Add(new Webhook { Url = $"http://localhost:{crm.Port}/hook", Secret = "whsec_never_reached_123", Events = ["contact.status_changed"], CreatedAt = clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync();
        }
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1" }), HttpStatusCode.Created);
        var hookId = (await Expect(await api.GetAsync("/api/webhooks"), HttpStatusCode.OK))[0].GetProperty("id").GetInt64();
        await Until(async () => (await Expect(await api.GetAsync($"/api/webhooks/{hookId}/deliveries"), HttpStatusCode.OK)).GetProperty("total").GetInt32() == 1, "the refused attempt");
        var attempt = (await Expect(await api.GetAsync($"/api/webhooks/{hookId}/deliveries"), HttpStatusCode.OK)).GetProperty("items")[0];
        Assert.Contains("refused: localhost resolves to no allowed address", attempt.Text("error"));
        Assert.Equal(JsonValueKindNull, attempt.GetProperty("status_code").ValueKind);
        Assert.Empty(crm.Requests);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Theory, ClassData(typeof(Engines))]
    public async Task CRM_sync_upserts_by_external_id_and_a_repeated_push_changes_nothing(string engine)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T10:00:00Z"));
        await using var server = await StartAsync(engine, clock, allowPrivateTargets: false);
        var api = server.Client;
        await Expect(await api.PostAsJsonAsync("/api/accounts", new { id = "a1", name = "Acme" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "known", email = "eva@acme.test" }), HttpStatusCode.Created);

        var created = await Expect(await api.PutAsJsonAsync("/api/sync/contacts/hs-1", new { email = "Lee@Acme.test", first_name = "Lee", account_id = "a1", status = "lead" }), HttpStatusCode.Created);
        var leeId = created.GetProperty("contact").Text("id");
        clock.Advance(TimeSpan.FromMinutes(1));
        var again = await Expect(await api.PutAsJsonAsync("/api/sync/contacts/hs-1", new { email = "Lee@Acme.test", first_name = "Lee", account_id = "a1", status = "lead" }), HttpStatusCode.OK);
        Assert.Equal(leeId, again.GetProperty("contact").Text("id"));
        Assert.Equal(1, (await Expect(await api.GetAsync($"/api/contacts/{leeId}/transitions"), HttpStatusCode.OK)).GetArrayLength());

        // A CRM record with the e-mail of an existing contact links to it; a partial push keeps the other fields.
        var linked = await Expect(await api.PutAsJsonAsync("/api/sync/contacts/hs-2", new { email = "eva@acme.test", title = "CTO" }), HttpStatusCode.OK);
        Assert.Equal(("known", "CTO", "eva@acme.test"), (linked.GetProperty("contact").Text("id"), linked.GetProperty("contact").Text("title"), linked.GetProperty("contact").Text("email")));
        await Expect(await api.PutAsJsonAsync("/api/sync/contacts/hs-2", new { status = "mql" }), HttpStatusCode.OK);
        Assert.Equal("mql", (await Expect(await api.GetAsync("/api/contacts/known"), HttpStatusCode.OK)).Text("status"));
        // A status the rules refuse: 409, and the title sent with it is not applied either.
        var refused = await Expect(await api.PutAsJsonAsync("/api/sync/contacts/hs-2", new { title = "CEO", status = "inquiry" }), HttpStatusCode.Conflict);
        Assert.Contains("mql -> inquiry is not a lifecycle transition", refused.Text("detail"));
        Assert.Equal("CTO", (await Expect(await api.GetAsync("/api/contacts/known"), HttpStatusCode.OK)).Text("title"));

        var deal = new { account_id = "a1", contact_external_id = "hs-1", type = "new", amount = 900, created_at = "2026-11-20T00:00:00Z" };
        var dealCreated = await Expect(await api.PutAsJsonAsync("/api/sync/deals/sf-9", deal), HttpStatusCode.Created);
        Assert.Equal(leeId, dealCreated.GetProperty("deal").Text("contact_id"));
        await Expect(await api.PutAsJsonAsync("/api/sync/deals/sf-9", deal), HttpStatusCode.OK);
        Assert.Equal(1, (await Expect(await api.GetAsync("/api/deals"), HttpStatusCode.OK)).GetProperty("total").GetInt32());
        var won = await Expect(await api.PutAsJsonAsync("/api/sync/deals/sf-9", new
        {
            account_id = "a1", contact_external_id = "hs-1", type = "new", amount = 900, created_at = "2026-11-20T00:00:00Z", closed_at = "2026-11-25T10:00:00Z", outcome = "won",
        }), HttpStatusCode.OK);
        Assert.Equal("customer", (await Expect(await api.GetAsync($"/api/contacts/{leeId}"), HttpStatusCode.OK)).Text("status"));
        Assert.Equal("customer", (await Expect(await api.GetAsync("/api/accounts/a1"), HttpStatusCode.OK)).Text("status"));
        Assert.Equal("no contact synced as 'hs-404'", (await Expect(await api.PutAsJsonAsync("/api/sync/deals/sf-10", new { account_id = "a1", contact_external_id = "hs-404", amount = 1 }), HttpStatusCode.BadRequest))
            .GetProperty("errors").GetProperty("contact_external_id")[0].GetString());
    }
}
