using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Experiments;
using Lifecycle.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Lifecycle.Tests.Capture.CaptureApiTests;

namespace Lifecycle.Tests.Experiments;

/// <summary>A/B tests of offers (lifecycle.md §7): a form's landing page and embed in variants, counted from views and submissions.</summary>
public class OfferTestTests
{
    private static readonly OfferExperiment TwoVariants = new(
        [new OfferVariant("control", 1, null, null, null, null), new OfferVariant("short", 1, "Metrics in 30 minutes", null, null, "Save my seat")], 0.05, null);

    [Fact]
    public void A_visitor_counts_once_per_variant_and_as_a_submitter_when_any_of_their_events_is_a_submission()
    {
        var arms = OfferTests.Count(TwoVariants,
        [
            ("control", "a", false), ("control", "a", false), ("control", "a", true), // a: one visitor, submitted
            ("control", "b", false),                                                // b: viewed only
            ("short", "c", true),                                                   // c: submitted without a recorded view (still a visitor)
            ("short", "d", false), ("retired", "e", true),                          // a variant no longer defined is left out
        ]);
        Assert.Equal([new OfferArm("control", 2, 1), new OfferArm("short", 2, 1)], arms);
    }

    [Fact]
    public void The_decision_names_the_variant_that_beats_the_control_and_otherwise_keeps_the_control()
    {
        var now = new DateTime(2026, 11, 20, 0, 0, 0, DateTimeKind.Utc);
        // 1/20 against 12/20: pooled p = 13/40 = 0.325, SE = √(0.325·0.675·(1/20 + 1/20)) = 0.14811, z = 0.55 / 0.14811 = 3.713,
        // p ≈ 0.0002 < 0.05: "short" wins.
        var strong = OfferTests.Decide(TwoVariants, OfferTests.Analyze(TwoVariants, [new("control", 20, 1), new("short", 20, 12)]), now);
        Assert.Equal("short", strong.Winner);
        Assert.StartsWith("submission: short converts at 60% against the control's 5%", strong.Reason);
        // 2/10 against 6/10: z = 1.826 (worked in the API test below), p = 0.068 > 0.05: the control stays.
        var weak = OfferTests.Decide(TwoVariants, OfferTests.Analyze(TwoVariants, [new("control", 10, 2), new("short", 10, 6)]), now);
        Assert.Equal("control", weak.Winner);
        // A variant nobody saw cannot be compared.
        var empty = OfferTests.Decide(TwoVariants, OfferTests.Analyze(TwoVariants, [new("control", 10, 2), new("short", 0, 0)]), now);
        Assert.Equal(("control", "not every variant has visitors to compare; the control (control) stays"), (empty.Winner, empty.Reason));
    }

    private static object Form(DateTime decideAfter, params object[] variants) => new
    {
        id = "frm-webinar", slug = "webinar", name = "Webinar sign-up", campaign_id = "cmp-webinar",
        fields = new object[]
        {
            new { name = "email", label = "E-mail", type = "email", maps_to = "email" },
            new { name = "first_name", label = "First name", maps_to = "first_name", required = true },
        },
        submit_label = "Register",
        page = new { headline = "Lifecycle metrics webinar", text = "Join us." },
        experiment = new { variants, alpha = 0.05, decide_after = decideAfter },
    };

    [Theory, ClassData(typeof(Engines))]
    public async Task Visitors_see_their_variant_every_time_and_the_control_stays_when_the_test_ends_without_a_significant_winner(string engine)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-12T09:00:00Z"));
        var decideAfter = new DateTime(2026, 11, 19, 9, 0, 0, DateTimeKind.Utc);
        object control = new { name = "control" }, shortVariant = new { name = "short", headline = "Metrics in 30 minutes", submit_label = "Save my seat" };
        await using var server = await StartWithFormAsync(engine, Form(decideAfter, control, shortVariant),
            builder => builder.Services.AddSingleton<TimeProvider>(clock));
        var api = server.Client;

        // A bad experiment names its field and changes nothing.
        var bad = await Expect(await api.PutAsJsonAsync("/api/forms/frm-webinar", Form(decideAfter, control, new { name = "control", weight = -1 })), HttpStatusCode.BadRequest);
        var errors = bad.GetProperty("errors");
        Assert.Contains("names another variant", errors.GetProperty("experiment.variants[1].name")[0].GetString());
        Assert.Equal("must be a positive number", errors.GetProperty("experiment.variants[1].weight")[0].GetString());
        var single = await Expect(await api.PutAsJsonAsync("/api/forms/frm-webinar", Form(decideAfter, control)), HttpStatusCode.BadRequest);
        Assert.True(single.GetProperty("errors").TryGetProperty("experiment.variants", out _));

        // Ten visitors of each variant, chosen by the assignment rule itself (SHA-256 of "form:frm-webinar" and the visitor id).
        var visitors = Enumerable.Range(0, 200).Select(i => $"visitor-{i:000}")
            .GroupBy(v => VariantAssignment.Assign("form:frm-webinar", v, [1, 1]))
            .ToDictionary(g => g.Key, g => g.Take(10).ToList());
        using var browser = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.Address };
        async Task<string> Visit(string visitor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/f/webinar");
            request.Headers.Add("Cookie", $"lc_aid={visitor}");
            var response = await browser.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }
        foreach (var visitor in visitors[0])
        {
            var page = await Visit(visitor);
            Assert.Contains("<h1>Lifecycle metrics webinar</h1>", page);
            Assert.Contains(">Register</button>", page);
        }
        foreach (var visitor in visitors[1])
        {
            var page = await Visit(visitor);
            Assert.Contains("<h1>Metrics in 30 minutes</h1>", page);
            Assert.Contains(">Save my seat</button>", page);
            Assert.Contains("<p>Join us.</p>", page); // what a variant leaves out stays the form's own
        }
        await Visit(visitors[1][0]); // a second visit by the same person is not a second visitor
        // The embed script asks with the visitor's id and gets the same variant.
        var embed = await Expect(await server.AnonymousClient().GetAsync($"/f/webinar/definition?anonymous_id={visitors[1][0]}"), HttpStatusCode.OK);
        Assert.Equal(("short", "Save my seat"), (embed.GetProperty("variant").GetString(), embed.GetProperty("submit_label").GetString()));

        // 2 of the control's visitors submit, 6 of the variant's.
        foreach (var visitor in visitors[0].Take(2).Concat(visitors[1].Take(6)))
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/f/webinar")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = $"{visitor}@example.com", ["first_name"] = "Ana", ["anonymous_id"] = visitor }),
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            await Expect(await server.AnonymousClient().SendAsync(request), HttpStatusCode.OK);
        }

        var report = await Expect(await api.GetAsync("/api/experiments/forms/frm-webinar"), HttpStatusCode.OK);
        Assert.Equal(("form:frm-webinar", "submission", "control"),
            (report.GetProperty("test_id").GetString(), report.GetProperty("metric").GetString(), report.GetProperty("control").GetString()));
        var arms = report.GetProperty("variants").EnumerateArray().Select(v => (v.GetProperty("variant").GetString(), v.GetProperty("visitors").GetInt32(), v.GetProperty("submitted").GetInt32())).ToList();
        Assert.Equal([("control", 10, 2), ("short", 10, 6)], arms);
        // 2/10 against 6/10. Pooled p = 8/20 = 0.4; SE = √(0.4·0.6·(1/10 + 1/10)) = √0.048 = 0.219089; z = 0.4 / 0.219089 = 1.82574;
        // p = 2·(1 − Φ(1.82574)) = 2·(1 − 0.966056) = 0.067889. Wald SE = √(0.2·0.8/10 + 0.6·0.4/10) = √0.04 = 0.2, so the 95%
        // interval of the difference is 0.4 ± 1.959964·0.2 = [0.008007, 0.791993]. Not significant at 0.05.
        var variant = report.GetProperty("analysis").GetProperty("variants")[0];
        Assert.Equal(1.82574, variant.GetProperty("z").GetDouble(), 4);
        Assert.Equal(0.067889, variant.GetProperty("p_value").GetDouble(), 4);
        Assert.Equal(0.008007, variant.GetProperty("difference_ci")[0].GetDouble(), 4);
        Assert.Equal(0.791993, variant.GetProperty("difference_ci")[1].GetDouble(), 4);
        Assert.False(variant.GetProperty("significant").GetBoolean());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("decision").ValueKind);
        // The list of every experiment carries it too.
        var list = await Expect(await api.GetAsync("/api/experiments"), HttpStatusCode.OK);
        Assert.Equal(["form:frm-webinar"], list.GetProperty("offers").EnumerateArray().Select(o => o.GetProperty("test_id").GetString()));

        // Past decide_after, the next visit decides once: no significant winner, so everyone sees the control from now on.
        clock.Advance(TimeSpan.FromDays(8));
        Assert.Contains("<h1>Lifecycle metrics webinar</h1>", await Visit(visitors[1][3]));
        var decided = await Expect(await api.GetAsync("/api/experiments/forms/frm-webinar"), HttpStatusCode.OK);
        var decision = decided.GetProperty("decision");
        Assert.Equal("control", decision.GetProperty("winner").GetString());
        Assert.Contains("no variant differs significantly from the control at α = 0.05", decision.GetProperty("reason").GetString());
        Assert.Equal(new DateTime(2026, 11, 20, 9, 0, 0, DateTimeKind.Utc), decision.GetProperty("decided_at").GetDateTime().ToUniversalTime());
        var late = await Expect(await server.AnonymousClient().GetAsync($"/f/webinar/definition?anonymous_id={visitors[1][0]}"), HttpStatusCode.OK);
        Assert.Equal(("control", "Register"), (late.GetProperty("variant").GetString(), late.GetProperty("submit_label").GetString()));

        await Expect(await api.GetAsync("/api/experiments/forms/nowhere"), HttpStatusCode.NotFound);
        // The command form `lifecycle experiment <test id>` reads the same report.
        var cli = await CliProcess.RunAsync("experiment", "form:frm-webinar", "--json", "--db", server.Database.Database.ConnectionString);
        Assert.Equal(0, cli.ExitCode);
        using var json = JsonDocument.Parse(cli.Stdout);
        Assert.Equal("control", json.RootElement.GetProperty("decision").GetProperty("winner").GetString());
        Assert.Equal(6, json.RootElement.GetProperty("variants")[1].GetProperty("submitted").GetInt32());
    }
}
