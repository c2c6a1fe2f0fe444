using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Contacts;
using Lifecycle.Tests.Support;

namespace Lifecycle.Tests.Segments;

public class SegmentApiTests
{
    private static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Segments_are_checked_saved_counted_listed_and_exported(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        var api = server.Client;
        await Expect(await api.PostAsJsonAsync("/api/accounts", new { id = "a1", name = "Acme", industry = "software", employees = 300 }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c1", email = "ana@acme.test", first_name = "Ana", title = "VP Marketing", account_id = "a1", status = "lead" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c2", email = "bo@acme.test", first_name = "Bo, \"Jr\"", title = "Analyst", account_id = "a1", status = "lead" }), HttpStatusCode.Created);
        await Expect(await api.PostAsJsonAsync("/api/contacts", new { id = "c3", email = "cy@else.test", title = "VP Sales", status = "mql" }), HttpStatusCode.Created);

        // Unknown field: 400 naming the position and reason; nothing is saved.
        var bad = await Expect(await api.PostAsJsonAsync("/api/segments", new { name = "vps", definition = "status = lead and titel contains 'vp'" }), HttpStatusCode.BadRequest);
        Assert.Equal(19, bad.GetProperty("position").GetInt32()); // "status = lead and " is 18 characters
        Assert.StartsWith("position 19: unknown field 'titel'", bad.GetProperty("errors").GetProperty("definition")[0].GetString());
        Assert.Equal(0, (await Expect(await api.GetAsync("/api/segments"), HttpStatusCode.OK)).GetProperty("total").GetInt32());
        var badPreview = await Expect(await api.PostAsJsonAsync("/api/segments/preview", new { definition = "account.employees > 'x'" }), HttpStatusCode.BadRequest);
        Assert.Equal(21, badPreview.GetProperty("position").GetInt32());

        const string definition = "account.industry = 'software' and status = lead";
        Assert.Equal(2, (await Expect(await api.PostAsJsonAsync("/api/segments/preview", new { definition }), HttpStatusCode.OK)).GetProperty("count").GetInt64());
        var created = await Expect(await api.PostAsJsonAsync("/api/segments", new { name = "acme leads", definition }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        await Expect(await api.PostAsJsonAsync("/api/segments", new { name = "acme leads", definition = "status = mql" }), HttpStatusCode.Conflict);
        Assert.Equal(2, (await Expect(await api.GetAsync($"/api/segments/{id}/count"), HttpStatusCode.OK)).GetProperty("count").GetInt64());

        // Dynamic: c1 moves on to mql and leaves the segment.
        await Expect(await api.PostAsJsonAsync("/api/contacts/c1/status", new { to = "mql" }), HttpStatusCode.Created);
        var members = await Expect(await api.GetAsync($"/api/segments/{id}/members?limit=10"), HttpStatusCode.OK);
        Assert.Equal(1, members.GetProperty("total").GetInt32());
        Assert.Equal("c2", members.GetProperty("items")[0].GetProperty("id").GetString());

        var csv = await api.GetAsync($"/api/segments/{id}/members.csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("contact_id,email,first_name,last_name,title,status,account_id\nc2,bo@acme.test,\"Bo, \"\"Jr\"\"\",,Analyst,lead,a1\n", await csv.Content.ReadAsStringAsync());
        await Expect(await api.GetAsync("/api/segments/999/members"), HttpStatusCode.NotFound);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_cli_creates_lists_counts_and_exports_segments(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await using (var db = test.Database.Open())
        {
            db.Contacts.AddRange(
                new Contact { Id = "c1", Email = "ana@acme.test", Title = "CMO", Status = ContactStatus.Lead },
                new Contact { Id = "c2", Email = "bo@acme.test", Title = "Analyst", Status = ContactStatus.Lead });
            await db.SaveChangesAsync();
        }
        var connection = test.Database.ConnectionString;
        var dbArg = test.Database.Engine == Lifecycle.Storage.DatabaseEngine.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connection).DataSource
            : connection;

        var bad = await CliProcess.RunAsync("--db", dbArg, "segments", "create", "--name", "x", "--definition", "title = 'CMO' or");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--definition: position 17:", bad.Stderr);

        var created = await CliProcess.RunAsync("--db", dbArg, "segments", "create", "--name", "executives", "--definition", "title in ('CMO', 'CEO')");
        Assert.True(created.ExitCode == 0, created.Stderr);
        var id = created.Stdout.Trim();
        var list = await CliProcess.RunAsync("--db", dbArg, "segments", "list");
        Assert.Equal($"{id}\texecutives\ttitle in ('CMO', 'CEO')\n", list.Stdout.ReplaceLineEndings("\n"));
        Assert.Equal("1", (await CliProcess.RunAsync("--db", dbArg, "segments", "count", "executives")).Stdout.Trim());
        Assert.Equal("2", (await CliProcess.RunAsync("--db", dbArg, "segments", "count", "--definition", "status = lead")).Stdout.Trim());
        var members = await CliProcess.RunAsync("--db", dbArg, "segments", "members", id);
        Assert.Equal("contact_id,email,first_name,last_name,title,status,account_id\nc1,ana@acme.test,,,CMO,lead,\n", members.Stdout);
        var missing = await CliProcess.RunAsync("--db", dbArg, "segments", "count", "nobody");
        Assert.Equal((1, "segment: no segment 'nobody'"), (missing.ExitCode, missing.Stderr.Trim()));
    }
}
