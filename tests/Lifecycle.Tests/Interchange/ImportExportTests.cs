using Lifecycle.Contacts;
using Lifecycle.Interchange;
using Lifecycle.Pipeline;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Lifecycle.Tests.Interchange;

public class ImportExportTests
{
    private static DatasetImporter Importer(TestDatabase db) => new(db.Database, TimeProvider.System);

    [Theory, ClassData(typeof(Engines))]
    public async Task Import_then_export_gives_back_the_same_files(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var folder = SampleFolder.Write();
        await Importer(db).ImportFolderAsync(folder);
        var exported = Directory.CreateTempSubdirectory("lifecycle-export-").FullName;
        await new DatasetExporter(db.Database).ExportFolderAsync(exported);

        foreach (var file in SampleFolder.Files.Keys.Where(f => f.EndsWith(".csv")))
            Assert.Equal(File.ReadAllText(Path.Combine(folder, file)), File.ReadAllText(Path.Combine(exported, file)));
        Assert.Equal(File.ReadAllLines(Path.Combine(folder, "events.jsonl")).Where(l => l.Length > 0).Order(),
            File.ReadAllLines(Path.Combine(exported, "events.jsonl")).Order());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Importing_twice_changes_nothing_and_derives_statuses(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var folder = SampleFolder.Write();
        var first = await Importer(db).ImportFolderAsync(folder);
        var second = await Importer(db).ImportFolderAsync(folder);
        Assert.Equal([3, 2, 3, 4, 5, 3, 1, 2, 3], first.Select(f => f.New));
        Assert.All(second, f => Assert.Equal(0, f.New));

        await using var context = db.Database.Open();
        var c1 = await context.Contacts.SingleAsync(c => c.Id == "c1");
        Assert.Equal(ContactStatus.Mql, c1.Status);
        Assert.Equal("ja", c1.Custom["language"]);
        Assert.False(c1.Custom.ContainsKey("notes"));
        var chain = await context.Transitions.Where(t => t.ContactId == "c1").OrderBy(t => t.At).Select(t => new { t.FromStatus, t.ToStatus }).ToListAsync();
        Assert.Equal([(null, ContactStatus.Inquiry), (ContactStatus.Inquiry, ContactStatus.Lead), (ContactStatus.Lead, ContactStatus.Mql)],
            chain.Select(t => ((ContactStatus?)t.FromStatus, t.ToStatus)));
        Assert.Equal(ContactStatus.Customer, (await context.Contacts.SingleAsync(c => c.Id == "c2")).Status);
        // a2 won d1 and has an active subscription; a1 only an open deal.
        Assert.Equal(AccountStatus.Customer, (await context.Accounts.SingleAsync(a => a.Id == "a2")).Status);
        Assert.Equal(AccountStatus.Opportunity, (await context.Accounts.SingleAsync(a => a.Id == "a1")).Status);
        // Events: userId resolved by id and by e-mail (any case); originalTimestamp with an offset becomes UTC.
        var e3 = await context.Events.SingleAsync(e => e.MessageId == "e3");
        Assert.Equal(("c2", new DateTime(2026, 1, 11, 8, 0, 0, DateTimeKind.Utc)), (e3.ContactId, e3.Timestamp));
        Assert.Equal("c1", (await context.Events.SingleAsync(e => e.MessageId == "e2")).ContactId);
        Assert.Equal(2, (await context.Deals.SingleAsync(d => d.Id == "d2")).Amount switch { 50000.75m => 2, _ => 0 });
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_transition_added_later_in_between_re_derives_the_chain(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await Importer(db).ImportFolderAsync(SampleFolder.Write());
        var later = SampleFolder.Write(new()
        {
            ["transitions.csv"] = "contact_id,to_status,at,reason\nc1,recycled,2026-01-10T00:00:00Z,not ready\nc1,lead,2026-01-12T00:00:00Z,reopened\n",
        });
        await Importer(db).ImportFolderAsync(later);
        await using var context = db.Database.Open();
        var chain = await context.Transitions.Where(t => t.ContactId == "c1").OrderBy(t => t.At).ToListAsync();
        Assert.Equal(["inquiry", "lead", "recycled", "lead", "mql"], chain.Select(t => t.ToStatus.ToName()));
        Assert.Equal([null, "inquiry", "lead", "recycled", "lead"], chain.Select(t => t.FromStatus?.ToName()));
        Assert.Equal(("import", "cmp1"), (chain[2].Actor, chain[2].CampaignId));
        Assert.Equal(ContactStatus.Mql, (await context.Contacts.SingleAsync(c => c.Id == "c1")).Status);
    }

    public static TheoryData<string, string, string, string> BadRows => new()
    {
        // file, replaced text, replacement, expected message
        { "contacts.csv", "jose@acme.es", "jose@", "contacts.csv:3:2 (email): 'jose@' is not a valid email address" },
        { "contacts.csv", "2026-02-01T00:00:00Z", "2026-02-01", "contacts.csv:5:10 (created_at): '2026-02-01' is not an ISO 8601 instant with an offset or Z (e.g. 2026-03-01T09:30:00Z)" },
        { "contacts.csv", "c3,,민지,김,,a3", "c3,,민지,김,,a9", "contacts.csv:5:6 (account_id): no account 'a9' (in the database or earlier in this import)" },
        { "contacts.csv", "c3,,민지", "c1,,민지", "contacts.csv:5:1 (contact_id): 'c1' appears twice in the file" },
        { "costs.csv", "cmp1,webinar,media,3000", "cmp1,webinar,media,-3000", "costs.csv:4:5 (amount): -3000 is negative" },
        { "costs.csv", "2026-02,cmp2", "2026/02,cmp2", "costs.csv:5:1 (month): '2026/02' is not a month YYYY-MM" },
        { "costs.csv", "labor,1200.5", "salaries,1200.5", "costs.csv:3:4 (category): 'salaries' is not one of media, labor, technology, other" },
        { "transitions.csv", "c1,mql,", "c1,hot,", "transitions.csv:4:2 (to_status): 'hot' is not a lifecycle status (inquiry, lead, mql, sal, sql, opportunity, customer, churned, recycled, disqualified)" },
        { "deals.csv", "2026-02-28T00:00:00Z,lost", "2026-02-01T00:00:00Z,lost", "deals.csv:4:7 (closed_at): is before created_at" },
        { "deals.csv", "d1,a2,c2,new", "d1,a2,c2,resale", "deals.csv:2:4 (type): 'resale' is not one of new, upsell, cross_sell, renewal" },
        { "subscriptions.csv", "s1,a2,2000,2026-02-10,", "s1,a2,2000,2026-02-10,2026-01-01", "subscriptions.csv:2:5 (ends_on): is before starts_on" },
        { "nps.csv", "c1,3,", "c1,11,", "nps.csv:2:2 (score): 11 is outside 0–10" },
        { "events.jsonl", "\"messageId\":\"e2\",", "", "events.jsonl:2: messageId: required" },
        { "events.jsonl", "\"event\":\"Email Clicked\",", "", "events.jsonl:3: event: required for track" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public async Task A_bad_row_names_file_line_column_and_nothing_of_its_file_is_applied(string file, string find, string replace, string message)
    {
        foreach (var engine in new[] { "sqlite", "postgres" })
        {
            await using var db = await TestDatabase.CreateAsync(engine);
            var files = new Dictionary<string, string>(SampleFolder.Files);
            Assert.Contains(find, files[file]);
            files[file] = files[file].Replace(find, replace);
            var error = await Assert.ThrowsAsync<ImportException>(() => Importer(db).ImportFolderAsync(SampleFolder.Write(files)));
            Assert.Equal(message, error.Message);

            await using var context = db.Database.Open();
            var counts = new Dictionary<string, int>
            {
                ["accounts.csv"] = await context.Accounts.CountAsync(), ["campaigns.csv"] = await context.Campaigns.CountAsync(),
                ["contacts.csv"] = await context.Contacts.CountAsync(), ["costs.csv"] = await context.CostLines.CountAsync(),
                ["transitions.csv"] = await context.Transitions.CountAsync(), ["deals.csv"] = await context.Deals.CountAsync(),
                ["subscriptions.csv"] = await context.Subscriptions.CountAsync(), ["nps.csv"] = await context.NpsResponses.CountAsync(),
                ["events.jsonl"] = await context.Events.CountAsync(),
            };
            Assert.Equal(0, counts[file]);
            // Files before the bad one are applied; files after it were never reached.
            var order = DatasetFiles.InImportOrder.ToList();
            foreach (var other in order.Where(f => f != file))
                Assert.True(order.IndexOf(other) < order.IndexOf(file) ? counts[other] > 0 : counts[other] == 0, $"{engine}: {other} {counts[other]}");
        }
    }
}

public class DemoRoundTripTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task A_demo_dataset_imports_and_exports_to_the_same_bytes(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var folder = Directory.CreateTempSubdirectory("lifecycle-demo-").FullName;
        Lifecycle.Demo.DemoFolder.Write(folder, new Lifecycle.Demo.DemoOptions(400, 12, 3, new DateOnly(2026, 6, 1)));
        await new DatasetImporter(db.Database, TimeProvider.System).ImportFolderAsync(folder);
        var exported = Directory.CreateTempSubdirectory("lifecycle-export-").FullName;
        await new DatasetExporter(db.Database).ExportFolderAsync(exported);
        foreach (var file in Directory.GetFiles(folder, "*.csv"))
            Assert.True(File.ReadAllBytes(file).SequenceEqual(File.ReadAllBytes(Path.Combine(exported, Path.GetFileName(file)))), Path.GetFileName(file));
        Assert.Equal(File.ReadAllLines(Path.Combine(folder, "events.jsonl")).Order(StringComparer.Ordinal),
            File.ReadAllLines(Path.Combine(exported, "events.jsonl")).Order(StringComparer.Ordinal));
    }
}

public class LargeEventImportTests
{
    private static string EventsFolder(int from, int count, int repeatEvery = 0)
    {
        var folder = Directory.CreateTempSubdirectory("lifecycle-events-").FullName;
        using var writer = new StreamWriter(Path.Combine(folder, "events.jsonl"));
        for (var i = from; i < from + count; i++)
        {
            writer.Write($$"""{"type":"track","event":"Page Scrolled","userId":"u{{i % 50}}","messageId":"m{{i}}","timestamp":"2026-03-01T10:00:00Z"}""" + "\n");
            if (repeatEvery > 0 && i % repeatEvery == 0)
                writer.Write($$"""{"type":"track","event":"Page Scrolled","userId":"u{{i % 50}}","messageId":"m{{i}}","timestamp":"2026-03-01T10:00:00Z"}""" + "\n");
        }
        return folder;
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Batches_large_enough_for_COPY_stay_idempotent_when_they_overlap_stored_events(string engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var importer = new DatasetImporter(db.Database, TimeProvider.System);
        // 25,000 new events (two full batches go the direct COPY way), with every 1,000th line repeated in the file.
        var first = await importer.ImportFolderAsync(EventsFolder(0, 25_000, repeatEvery: 1000));
        Assert.Equal((25_025L, 25_000L), (first[0].Rows, first[0].New));
        // Overlapping: m20000…m44999, of which 20,000 are new; the first batch meets stored ids and falls back.
        var second = await importer.ImportFolderAsync(EventsFolder(20_000, 25_000));
        Assert.Equal((25_000L, 20_000L), (second[0].Rows, second[0].New));
        await using var context = db.Database.Open();
        Assert.Equal(45_000, await context.Events.CountAsync());
    }
}
