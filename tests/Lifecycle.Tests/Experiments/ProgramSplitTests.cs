using System.Net;
using System.Net.Http.Json;
using Lifecycle.Contacts;
using Lifecycle.Experiments;
using Lifecycle.Programs;
using Lifecycle.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Lifecycle.Tests.Programs.ProgramApiTests;

namespace Lifecycle.Tests.Experiments;

public class ProgramSplitTests
{
    private static readonly ProgramStep Split = new()
    {
        Id = "split", Type = "ab_split", Metric = "conversion", Variants = [new("control", 1, "a"), new("short subject", 1, "b")],
    };

    private static SplitReport Report(long controlConverted, long variantConverted) => new("p", "split", "conversion", "mql",
        [new ArmCounts("control", 100, 0, 0, 0, controlConverted), new ArmCounts("short subject", 100, 0, 0, 0, variantConverted)],
        AbTest.Analyze(new Arm(controlConverted, 100), [new Arm(variantConverted, 100)], 0.05, ["short subject"]), null);

    [Fact]
    public void The_rest_takes_a_variant_only_when_it_is_significantly_better()
    {
        // 10/100 against 30/100: pooled p = 0.2, se = sqrt(0.2 × 0.8 × (1/100 + 1/100)) = 0.05657, z = 0.2 / 0.05657 = 3.54,
        // two-sided p = 0.0004 < 0.05: the variant wins, by its name in the program.
        var wins = ProgramSplits.Decide("p", Split, Report(10, 30), DateTime.UnixEpoch);
        Assert.Equal("short subject", wins.Winner);
        Assert.StartsWith("conversion: short subject converts at 30% against the control's 10%", wins.Reason);

        // 10/100 against 12/100: z = 0.02 / sqrt(0.11 × 0.89 × 0.02) = 0.452, p = 0.65: the control.
        var holds = ProgramSplits.Decide("p", Split, Report(10, 12), DateTime.UnixEpoch);
        Assert.Equal("control", holds.Winner);
        Assert.Contains("no variant differs significantly", holds.Reason);

        // Nothing to compare yet (no contact in a variant): the control, saying why.
        var empty = new SplitReport("p", "split", "conversion", "mql", [new ArmCounts("control", 0, 0, 0, 0, 0), new ArmCounts("short subject", 0, 0, 0, 0, 0)], null, null);
        Assert.Equal("control", ProgramSplits.Decide("p", Split, empty, DateTime.UnixEpoch).Winner);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_test_first_split_sends_the_rest_down_the_winning_variant_and_reports_real_counts(string engine)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-02T09:00:00Z"));
        await using var server = await StartAsync(engine, clock);
        var api = server.Client;
        var ids = Enumerable.Range(0, 60).Select(i => $"s{i:00}").ToList();
        foreach (var id in ids)
            await Expect(await api.PostAsJsonAsync("/api/contacts", new { id, email = $"{id}@split.example", status = "lead" }), HttpStatusCode.Created);
        var bad = await Expect(await api.PostAsJsonAsync("/api/programs", new
        {
            id = "bad", name = "Bad", steps = new object[]
            {
                new { id = "split", type = "ab_split", sample = 1.5, metric = "revenue", variants = new[] { new { name = "a", weight = 1, next = "end" }, new { name = "b", weight = 1, next = "end" } } },
                new { id = "end", type = "exit" },
            },
        }), HttpStatusCode.BadRequest);
        Assert.Equal(["steps.split.decide_after", "steps.split.metric", "steps.split.sample"], bad.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());

        await Expect(await api.PostAsJsonAsync("/api/programs", new
        {
            id = "offer", name = "Offer test", status = "active",
            steps = new object[]
            {
                new { id = "split", type = "ab_split", sample = 0.5, decide_after = "P7D", metric = "conversion", status = "mql",
                      variants = new[] { new { name = "control", weight = 1, next = "a" }, new { name = "short subject", weight = 1, next = "b" } } },
                new { id = "a", type = "update_field", field = "custom.arm", value = "control", next = "end" },
                new { id = "b", type = "update_field", field = "custom.arm", value = "short subject", next = "end" },
                new { id = "end", type = "exit" },
            },
        }), HttpStatusCode.Created);
        foreach (var id in ids) await Expect(await api.PostAsJsonAsync("/api/programs/offer/enrolments", new { contact_id = id }), HttpStatusCode.Created);
        var runner = server.Services.GetRequiredService<ProgramRunner>();
        await runner.RunOnceAsync(1000, default);

        // Who is in the sample and which variant each takes is the hash of lifecycle.md §7 (VariantAssignment).
        var sample = ids.Where(id => VariantAssignment.InSample("offer:split", id, 0.5)).ToList();
        var variantB = sample.Where(id => VariantAssignment.Assign("offer:split", id, [1, 1]) == 1).ToList();
        var rest = ids.Except(sample).ToList();
        Assert.NotEmpty(variantB);
        Assert.NotEmpty(rest);
        Assert.NotEqual(variantB.Count, sample.Count);

        // Every contact of the variant becomes an MQL, none of the control: B converts at 100%, the control at 0%.
        foreach (var id in variantB) await Expect(await api.PostAsJsonAsync($"/api/contacts/{id}/status", new { to = "mql" }), HttpStatusCode.Created);
        var report = await Expect(await api.GetAsync("/api/experiments/offer/split"), HttpStatusCode.OK);
        var counts = report.GetProperty("variants").EnumerateArray().Select(v => (v.GetProperty("variant").GetString(), v.GetProperty("contacts").GetInt32(), v.GetProperty("converted").GetInt32())).ToList();
        Assert.Equal([("control", sample.Count - variantB.Count, 0), ("short subject", variantB.Count, variantB.Count)], counts);
        Assert.Equal(JsonValueKindNull, report.GetProperty("decision").ValueKind);

        // The rest waits for the decision: a week after the first entry it is taken, and they all get the winner.
        await using (var db = server.Database.Database.Open())
            Assert.All(await db.Set<Enrolment>().Where(e => rest.Contains(e.ContactId)).ToListAsync(), e => Assert.True(e.Waiting && e.State == EnrolmentState.Active));
        clock.Advance(TimeSpan.FromDays(7));
        await runner.RunOnceAsync(1000, default);
        await using (var db = server.Database.Database.Open())
        {
            var arms = await db.Contacts.AsNoTracking().Where(c => rest.Contains(c.Id)).ToListAsync();
            Assert.All(arms, c => Assert.Equal("short subject", c.Custom["arm"]));
            var decision = await db.Set<SplitDecision>().SingleAsync();
            Assert.Equal("short subject", decision.Winner);
            Assert.Contains("significant at α = 0.05", decision.Reason);
        }
        var after = await Expect(await api.GetAsync("/api/experiments/offer/split"), HttpStatusCode.OK);
        Assert.Equal("short subject", after.GetProperty("decision").GetProperty("winner").GetString());
        // The rest is no sample: the variants' counts stay those of the test.
        Assert.Equal(sample.Count, after.GetProperty("variants").EnumerateArray().Sum(v => v.GetProperty("contacts").GetInt32()));
        await Expect(await api.GetAsync("/api/experiments/offer/nowhere"), HttpStatusCode.NotFound);

        // The command form of interchange.md, `lifecycle experiment <test id>`, reads the same report.
        var cli = await CliProcess.RunAsync("experiment", "offer:split", "--json", "--db", server.Database.Database.ConnectionString);
        Assert.Equal(0, cli.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(cli.Stdout);
        Assert.Equal("short subject", json.RootElement.GetProperty("decision").GetProperty("winner").GetString());
        var missing = await CliProcess.RunAsync("experiment", "offer", "--db", server.Database.Database.ConnectionString);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("'offer' is not <program id>:<step id>", missing.Stderr);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
