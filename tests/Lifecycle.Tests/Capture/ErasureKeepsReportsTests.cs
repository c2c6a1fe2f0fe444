using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lifecycle.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Lifecycle.Tests.Capture;

/// <summary>Erasing a person removes who they were, not what happened: past reports keep their numbers.</summary>
public class ErasureKeepsReportsTests
{
    [Theory, ClassData(typeof(Engines))]
    public async Task After_an_erasure_the_lifecycle_report_and_the_funnel_of_the_month_are_unchanged(string engine)
    {
        // A fixed clock: the cohort funnel counts contacts stalled longer than the historical p90 as of now, so two
        // reports of the same data taken a moment apart may rightly differ; both reports are taken at one instant.
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-12T09:00:00Z"));
        await using var server = await CaptureApiTests.StartWithFormAsync(engine, CaptureApiTests.WebinarForm(),
            builder => builder.Services.AddSingleton<TimeProvider>(clock));
        var api = server.Client;
        foreach (var (email, name) in new[] { ("erin@example.ie", "Erin"), ("yuki@example.jp", "雪") })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/f/webinar")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["email"] = email, ["first_name"] = name, ["consent"] = "on", ["anonymous_id"] = "aid-" + name, ["page"] = "https://site.example/webinar",
                }),
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            await CaptureApiTests.Expect(await server.AnonymousClient().SendAsync(request), HttpStatusCode.OK);
            clock.Advance(TimeSpan.FromMinutes(5));
        }
        var contacts = await CaptureApiTests.Expect(await api.GetAsync("/api/contacts?limit=10"), HttpStatusCode.OK);
        var erin = contacts.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("email").GetString() == "erin@example.ie").GetProperty("id").GetString()!;
        await CaptureApiTests.Expect(await api.PostAsJsonAsync($"/api/contacts/{erin}/status", new { to = "mql", reason = "Demo Requested" }), HttpStatusCode.Created);
        clock.Advance(TimeSpan.FromMinutes(5));
        await CaptureApiTests.Expect(await api.PostAsJsonAsync("/api/nps", new { contact_id = erin, score = 10, responded_at = clock.GetUtcNow().AddMinutes(-1) }), HttpStatusCode.Created);
        clock.Advance(TimeSpan.FromHours(1));

        var month = new DateOnly(2026, 11, 1);
        var range = $"from={month:yyyy-MM-dd}&to={month.AddMonths(1):yyyy-MM-dd}";
        async Task<string> Reports() =>
            (await api.GetStringAsync($"/api/reports/lifecycle?{range}")) + "\n" + await api.GetStringAsync($"/api/reports/funnel?mode=cohort&{range}");
        var before = await Reports();
        // The numbers the erasure must keep: 2 inquiries, 2 new leads, 1 MQL, an NPS of 100 from one promoter.
        var metrics = JsonNode.Parse(before.Split('\n')[0])!["metrics"]!;
        Assert.Equal((2, 2, 1), ((int)metrics["capture.inquiries"]!, (int)metrics["nurture.new_leads"]!, (int)metrics["nurture.mqls"]!));
        Assert.Equal(100.0, (double)metrics["expand.nps"]!["score"]!);

        await CaptureApiTests.Expect(await api.PostAsync($"/api/contacts/{erin}/erase", null), HttpStatusCode.OK);
        Assert.Equal(before, await Reports());
    }
}
