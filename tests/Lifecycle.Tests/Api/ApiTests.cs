using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lifecycle.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.Api;

public class ApiTests
{
    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<string[]> FieldErrors(HttpResponseMessage response, string field)
    {
        var problem = await Expect(response, HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Contacts_round_trip_with_unicode_custom_fields_paging_and_their_first_transition(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        var api = server.Client;
        await Expect(await api.PostAsJsonAsync("/api/accounts", new { id = "a1", name = "株式会社サンプル", country = "JP", employees = 1200 }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/campaigns", new { id = "cmp1", name = "웨비나", channel = "webinar" }), HttpStatusCode.Created);
        var created = await Expect(await api.PostAsJsonAsync("/api/contacts", new
        {
            id = "c1", email = " Hanako@Sample.co.jp ", first_name = "花子", last_name = "佐藤", account_id = "a1", campaign_id = "cmp1",
            created_at = "2026-03-01T09:00:00+09:00", custom = new Dictionary<string, string> { ["idioma"] = "español", ["言語"] = "日本語" },
        }), HttpStatusCode.Created);
        Assert.Equal("hanako@sample.co.jp", created.GetProperty("email").GetString());
        Assert.Equal("inquiry", created.GetProperty("status").GetString());
        Assert.Equal("日本語", created.GetProperty("custom").GetProperty("言語").GetString());
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c2", email = "jose@acme.es", first_name = "José", status = "lead" }), HttpStatusCode.Created);

        var fetched = await Expect(await api.GetAsync("/api/contacts/c1"), HttpStatusCode.OK);
        Assert.Equal("2026-03-01T00:00:00Z", fetched.GetProperty("created_at").GetString());
        var transitions = await Expect(await api.GetAsync("/api/contacts/c1/transitions"), HttpStatusCode.OK);
        var first = Assert.Single(transitions.EnumerateArray());
        Assert.Equal(("inquiry", "api", "cmp1"), (first.GetProperty("to_status").GetString(), first.GetProperty("actor").GetString(), first.GetProperty("campaign_id").GetString()));

        var page = await Expect(await api.GetAsync("/api/contacts?limit=1&offset=1"), HttpStatusCode.OK);
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        Assert.Equal("c2", Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        var leads = await Expect(await api.GetAsync("/api/contacts?status=lead"), HttpStatusCode.OK);
        Assert.Equal("c2", Assert.Single(leads.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        var search = await Expect(await api.GetAsync("/api/contacts?q=" + Uri.EscapeDataString("josé")), HttpStatusCode.OK);
        Assert.Equal(1, search.GetProperty("total").GetInt32());

        var updated = await Expect(await api.PutAsJsonAsync("/api/contacts/c1", new { email = "hanako@sample.co.jp", title = "部長", account_id = "a1" }), HttpStatusCode.OK);
        Assert.Equal(("部長", "inquiry"), (updated.GetProperty("title").GetString(), updated.GetProperty("status").GetString()));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Status_changes_follow_the_rules_and_a_forbidden_one_changes_nothing(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        var api = server.Client;
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1", created_at = "2026-01-01T00:00:00Z" }), HttpStatusCode.Created);
        var moved = await Expect(await api.PostAsJsonAsync("/api/contacts/c1/status", new { to = "mql", reason = "Demo Requested", at = "2026-01-05T00:00:00Z" }), HttpStatusCode.Created);
        Assert.Equal("qualified_by_marketing", moved.GetProperty("rule").GetString());

        // mql -> customer jumps ahead along the flow: allowed.
        await Expect(await api.PostAsJsonAsync("/api/contacts/c1/status", new { to = "customer", reason = "signed" }), HttpStatusCode.Created);
        var backwards = await Expect(await api.PostAsJsonAsync("/api/contacts/c1/status", new { to = "lead" }), HttpStatusCode.Conflict);
        Assert.Contains("customer -> lead is not a lifecycle transition", backwards.GetProperty("detail").GetString());
        var noReason = await Expect(await api.PostAsJsonAsync("/api/contacts/c1/status", new { to = "churned", at = "2026-01-02T00:00:00Z" }), (HttpStatusCode)422);
        Assert.Contains("history is never rewritten", noReason.GetProperty("detail").GetString());
        Assert.Contains("'hot' is not a lifecycle status", (await FieldErrors(await api.PostAsJsonAsync("/api/contacts/c1/status", new { to = "hot" }), "to"))[0]);
        await Expect(await api.PostAsJsonAsync("/api/contacts/nobody/status", new { to = "lead" }), HttpStatusCode.NotFound);

        var history = await Expect(await api.GetAsync("/api/contacts/c1/transitions"), HttpStatusCode.OK);
        Assert.Equal(["inquiry", "mql", "customer"], history.EnumerateArray().Select(t => t.GetProperty("to_status").GetString()));
        Assert.Equal([null, "inquiry", "mql"], history.EnumerateArray().Select(t => t.GetProperty("from_status").GetString()));
        Assert.Equal("customer", (await Expect(await api.GetAsync("/api/contacts/c1"), HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Bad_input_is_a_problem_naming_the_field(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        var api = server.Client;
        Assert.Contains("not a valid email", (await FieldErrors(await api.PostAsJsonAsync("/api/contacts", new { email = "bob@" }), "email"))[0]);
        Assert.Equal(["no account 'nope'"], await FieldErrors(await api.PostAsJsonAsync("/api/contacts", new { account_id = "nope" }), "account_id"));
        Assert.Equal(["required"], await FieldErrors(await api.PostAsJsonAsync("/api/accounts", new { country = "ES" }), "name"));
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1", email = "ana@x.es" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c2", email = "ANA@x.es" }), HttpStatusCode.Conflict);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1" }), HttpStatusCode.Conflict);
        await Expect(await api.GetAsync("/api/contacts/nobody"), HttpStatusCode.NotFound);

        var malformed = await api.PostAsync("/api/contacts", new StringContent("{\"id\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        var wrongType = await api.PostAsync("/api/contacts", new StringContent("{\"consent\": \"yes\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);

        await Expect(await api.PostAsJsonAsync("/api/accounts", new { id = "a1", name = "Acme" }), HttpStatusCode.Created);
        Assert.Equal(["must not be negative"], await FieldErrors(await api.PostAsJsonAsync("/api/deals", new { account_id = "a1", amount = -5 }), "amount"));
        Assert.Equal(["is before created_at"], await FieldErrors(await api.PostAsJsonAsync("/api/deals", new { account_id = "a1", amount = 5, created_at = "2026-02-01T00:00:00Z", closed_at = "2026-01-01T00:00:00Z", outcome = "won" }), "closed_at"));
        Assert.Contains("'resale' is not one of", (await FieldErrors(await api.PostAsJsonAsync("/api/deals", new { account_id = "a1", amount = 5, type = "resale" }), "type"))[0]);
        Assert.Equal(["11 is outside 0–10"], await FieldErrors(await api.PostAsJsonAsync("/api/nps", new { contact_id = "c1", score = 11 }), "score"));
        Assert.Equal(["'2026/01' is not a month YYYY-MM"], await FieldErrors(await api.PostAsJsonAsync("/api/costs", new { month = "2026/01", channel = "email", category = "media", amount = 1 }), "month"));
        Assert.Equal(["is before starts_on"], await FieldErrors(await api.PostAsJsonAsync("/api/subscriptions", new { account_id = "a1", mrr = 10, starts_on = "2026-02-01", ends_on = "2026-01-01" }), "ends_on"));
        await Expect(await api.PostAsJsonAsync("/api/costs", new { month = "2026-01", channel = "email", category = "media", amount = 1 }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/costs", new { month = "2026-01", channel = "email", category = "media", amount = 2 }), HttpStatusCode.Conflict);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Deals_and_subscriptions_keep_the_account_status_current(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        var api = server.Client;
        await Expect(await api.PostAsJsonAsync("/api/accounts", new { id = "a1", name = "Grupo Ejemplo" }), HttpStatusCode.Created);
        async Task<string?> Status() => (await Expect(await api.GetAsync("/api/accounts/a1"), HttpStatusCode.OK)).GetProperty("status").GetString();
        Assert.Equal("prospect", await Status());
        await Expect(await api.PostAsJsonAsync("/api/deals", new { id = "d1", account_id = "a1", amount = 24000.5, type = "new", created_at = "2026-01-01T00:00:00Z" }), HttpStatusCode.Created);
        Assert.Equal("opportunity", await Status());
        var won = await Expect(await api.PutAsJsonAsync("/api/deals/d1", new { account_id = "a1", amount = 24000.5, type = "new", created_at = "2026-01-01T00:00:00Z", closed_at = "2026-02-01T00:00:00Z", outcome = "won" }), HttpStatusCode.OK);
        Assert.Equal(24000.5m, won.GetProperty("amount").GetDecimal());
        Assert.Equal("customer", await Status());
        await Expect(await api.PostAsJsonAsync("/api/subscriptions", new { id = "s1", account_id = "a1", mrr = 2000, starts_on = "2026-02-01", ends_on = "2026-03-01" }), HttpStatusCode.Created);
        Assert.Equal("churned", await Status());
        var deals = await Expect(await api.GetAsync("/api/deals?account_id=a1&outcome=won"), HttpStatusCode.OK);
        Assert.Equal(1, deals.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task The_openapi_document_lists_every_mapped_endpoint()
    {
        await using var server = await RunningServer.StartAsync("sqlite");
        using var document = JsonDocument.Parse(await server.AnonymousClient().GetStringAsync("/openapi/v1.json"));
        var documented = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {p.Name}")).ToHashSet();
        var mapped = server.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api") || e.RoutePattern.RawText!.StartsWith("/v1/") || e.RoutePattern.RawText == "/lifecycle.js")
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Where(m => m != "OPTIONS")
                .Select(m => $"{m} {System.Text.RegularExpressions.Regex.Replace(e.RoutePattern.RawText!.TrimEnd('/'), @"\{(\w+)(:[^}]*)?\}", "{$1}")}"))
            .ToHashSet();
        Assert.True(mapped.Count > 30, string.Join(", ", mapped));
        Assert.Empty(mapped.Except(documented));
    }
}
