using System.Text.Json;
using Lifecycle.Attribution;
using Lifecycle.Campaigns;
using Lifecycle.Contacts;
using Lifecycle.Pipeline;
using Lifecycle.Tests.Support;
using Lifecycle.Tracking;

namespace Lifecycle.Tests.Attribution;

/// <summary>
/// Attribution over stored data, March 2026, by hand:
/// d1 (won 03-10, 1000, contact c1): touches web 02-01 and mail 02-10 (the 02-11 Email Opened is not a touch, the
///   03-20 webinar is after the close, the 2024 page is outside the 365-day lookback); c1 became a lead on 02-05.
/// d2 (won 03-15, 600, no contact, account acc-2): its contacts' touches fair 02-15 (c2) and web 02-20 (c3).
/// d3 (won 03-20, 400, contact c4 without touches): (none). d4 is lost, d5 closes in April: not conversions.
/// Costs in March: web 310, mail 200, fair 100 (fair's February 280 is outside the period).
/// </summary>
public class StoredAttributionTests
{
    private static DateTime At(int month, int day, int year = 2026) => new(year, month, day, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTimeOffset March = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), April = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task SeedAsync(TestDatabase test)
    {
        await using var db = test.Database.Open();
        db.Accounts.AddRange(new Account { Id = "acc-1", Name = "One" }, new Account { Id = "acc-2", Name = "Two" }, new Account { Id = "acc-3", Name = "Three" });
        db.Contacts.AddRange(
            new Contact { Id = "c1", AccountId = "acc-1" }, new Contact { Id = "c2", AccountId = "acc-2" }, new Contact { Id = "c3", AccountId = "acc-2" },
            new Contact { Id = "c4", AccountId = "acc-3" }, new Contact { Id = "c5" });
        db.Campaigns.AddRange(
            new Campaign { Id = "web", Name = "Search", Channel = "paid_search" }, new Campaign { Id = "mail", Name = "Newsletter", Channel = "email" },
            new Campaign { Id = "fair", Name = "Trade fair", Channel = "events" });
        db.CostLines.AddRange(
            new CostLine { Month = new DateOnly(2026, 3, 1), CampaignId = "web", Channel = "paid_search", Amount = 310m },
            new CostLine { Month = new DateOnly(2026, 3, 1), CampaignId = "mail", Channel = "email", Amount = 200m },
            new CostLine { Month = new DateOnly(2026, 3, 1), CampaignId = "fair", Channel = "events", Amount = 100m },
            new CostLine { Month = new DateOnly(2026, 2, 1), CampaignId = "fair", Channel = "events", Amount = 280m });
        db.Transitions.Add(new Transition { ContactId = "c1", FromStatus = ContactStatus.Inquiry, ToStatus = ContactStatus.Lead, At = At(2, 5), Actor = "import" });
        db.Deals.AddRange(
            new Deal { Id = "d1", AccountId = "acc-1", ContactId = "c1", Amount = 1000m, CreatedAt = At(2, 20), ClosedAt = At(3, 10), Outcome = DealOutcome.Won },
            new Deal { Id = "d2", AccountId = "acc-2", Amount = 600m, CreatedAt = At(3, 1), ClosedAt = At(3, 15), Outcome = DealOutcome.Won },
            new Deal { Id = "d3", AccountId = "acc-3", ContactId = "c4", Amount = 400m, CreatedAt = At(3, 2), ClosedAt = At(3, 20), Outcome = DealOutcome.Won },
            new Deal { Id = "d4", AccountId = "acc-1", ContactId = "c1", Amount = 900m, CreatedAt = At(3, 2), ClosedAt = At(3, 25), Outcome = DealOutcome.Lost },
            new Deal { Id = "d5", AccountId = "acc-1", ContactId = "c1", Amount = 700m, CreatedAt = At(3, 3), ClosedAt = At(4, 2), Outcome = DealOutcome.Won });
        var n = 0;
        TrackedEvent Event(string contact, string type, string? name, string campaign, DateTime at) => new()
        {
            MessageId = $"m{++n}", Type = type, Name = name, ContactId = contact, Timestamp = at, ReceivedAt = at,
            Payload = JsonSerializer.Serialize(new { type, @event = name, properties = new { campaign_id = campaign } }),
        };
        db.Events.AddRange(
            Event("c1", "page", null, "web", At(2, 1)), Event("c1", "track", "Email Clicked", "mail", At(2, 10)),
            Event("c1", "track", "Email Opened", "mail", At(2, 11)), Event("c1", "track", "Webinar Attended", "fair", At(3, 20)),
            Event("c1", "page", null, "web", At(1, 5, 2024)),
            Event("c2", "track", "Form Submitted", "fair", At(2, 15)), Event("c3", "page", null, "web", At(2, 20)),
            Event("c5", "page", null, "mail", At(3, 5)));
        // A UTM campaign that is no campaign id is no touchpoint: d3 stays (none).
        db.Events.Add(new TrackedEvent
        {
            MessageId = "utm-unknown", Type = "page", ContactId = "c4", Timestamp = At(3, 1), ReceivedAt = At(3, 1),
            Payload = """{"type":"page","context":{"campaign":{"name":"spring-sale","medium":"cpc"}}}""",
        });
        await db.SaveChangesAsync();
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task Linear_credits_revenue_and_cost_per_channel_and_campaign(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await SeedAsync(test);
        await using var db = test.Database.Open();
        var report = await StoredAttribution.RunAsync(db, new AttributionQuery(AttributionModel.Linear, ConversionKind.WonDeal, March, April));

        // d1: web 0.5 (500), mail 0.5 (500); d2: fair 0.5 (300), web 0.5 (300); d3: (none) 1 (400).
        // Most credited first, ties by name: (none) 1.0, 400, no cost, no ROI;
        // paid_search 1.0, 800, cost 310, ROI (800 − 310)/310 = 1.5806; email 0.5, 500, 200, 1.5; events 0.5, 300, 100, 2.
        Assert.Equal(3, report.Conversions);
        Assert.Equal(2000m, report.Revenue);
        Assert.Equal(
            [(AttributionModels.NoTouch, 1.0, 400m, 0m, (decimal?)null), ("paid_search", 1.0, 800m, 310m, 1.5806m), ("email", 0.5, 500m, 200m, 1.5m), ("events", 0.5, 300m, 100m, 2m)],
            report.Channels.Select(c => (c.Channel, c.Conversions, c.Revenue, c.Cost, c.Roi)));
        Assert.Equal(
            [("web", "paid_search", 1.0, 800m, 310m), ("fair", "events", 0.5, 300m, 100m), ("mail", "email", 0.5, 500m, 200m)],
            report.Campaigns.Select(c => (c.CampaignId, c.Channel, c.Conversions, c.Revenue, c.Cost)));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task U_shaped_reads_the_lead_creation_touch_from_the_transitions(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await SeedAsync(test);
        await using var db = test.Database.Open();
        var report = await StoredAttribution.RunAsync(db, new AttributionQuery(AttributionModel.UShaped, ConversionKind.WonDeal, March, April));

        // d1: web 02-01 is first and the lead-creation touch (lead 02-05): 0.8 (800); mail the rest, 0.2 (200).
        // d2: no lead transition among c2, c3: first touch fair 0.4 (240), and 0.2 + 0.4 to web, 0.6 (360).
        // paid_search 1.4 (1160), events 0.4 (240), email 0.2 (200), (none) 1 (400).
        var channels = report.Channels.ToDictionary(c => c.Channel, c => (Math.Round(c.Conversions, 12), c.Revenue));
        Assert.Equal((1.4, 1160m), channels["paid_search"]);
        Assert.Equal((0.4, 240m), channels["events"]);
        Assert.Equal((0.2, 200m), channels["email"]);
        Assert.Equal((1.0, 400m), channels[AttributionModels.NoTouch]);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_attribution_command_reads_the_database(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await SeedAsync(test);
        var result = await CliProcess.RunAsync("attribution", "--model", "linear", "--conversion", "won_deal", "--from", "2026-03-01", "--to", "2026-04-01",
            "--json", "--db", test.Database.ConnectionString);

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var email = json.RootElement.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("channel").GetString() == "email");
        Assert.Equal(0.5, email.GetProperty("conversions").GetDouble());
        Assert.Equal(1.5m, email.GetProperty("roi").GetDecimal());

        var bad = await CliProcess.RunAsync("attribution", "--model", "linear", "--conversion", "signup", "--from", "2026-03-01", "--to", "2026-04-01", "--db", test.Database.ConnectionString);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--conversion: 'signup' is not one of won_deal, opportunity, mql", bad.Stderr);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_API_answers_the_report_and_names_bad_fields(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        await SeedAsync(server.Database);
        var response = await server.Client.GetAsync("/api/attribution?model=first_touch&conversion=won_deal&from=2026-03-01&to=2026-04-01");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        // first_touch: d1 → web (1000), d2 → fair (02-15, 600), d3 → (none) (400).
        var campaigns = json.RootElement.GetProperty("campaigns").EnumerateArray()
            .ToDictionary(c => c.GetProperty("campaign_id").GetString()!, c => c.GetProperty("revenue").GetDecimal());
        Assert.Equal(1000m, campaigns["web"]);
        Assert.Equal(600m, campaigns["fair"]);
        Assert.Equal(0m, campaigns["mail"]); // listed for its cost of 200
        Assert.Equal(2000m, json.RootElement.GetProperty("revenue").GetDecimal());

        var bad = await server.Client.GetAsync("/api/attribution?model=magic&conversion=won_deal&from=2026-03-01");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        using var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Contains("'magic' is not one of", errors.GetProperty("model")[0].GetString());
        Assert.Equal("required", errors.GetProperty("to")[0].GetString());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task A_UTM_campaign_that_names_a_campaign_is_a_touchpoint(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await SeedAsync(test);
        await using (var db = test.Database.Open())
        {
            db.Events.Add(new TrackedEvent
            {
                MessageId = "utm-fair", Type = "page", ContactId = "c4", Timestamp = At(3, 2), ReceivedAt = At(3, 2),
                Payload = """{"type":"page","context":{"page":{"url":"https://example.com/?utm_campaign=fair&utm_medium=event"}}}""",
            });
            await db.SaveChangesAsync();
        }
        await using var read = test.Database.Open();
        var report = await StoredAttribution.RunAsync(read, new AttributionQuery(AttributionModel.FirstTouch, ConversionKind.WonDeal, March, April));
        // first_touch: d1 → web (1000); d2 → fair (600); d3 now → fair by its utm_campaign (400): events 2 and 1000; no (none).
        var channels = report.Channels.ToDictionary(c => c.Channel, c => (c.Conversions, c.Revenue));
        Assert.Equal((2.0, 1000m), channels["events"]);
        Assert.Equal((1.0, 1000m), channels["paid_search"]);
        Assert.False(channels.ContainsKey(AttributionModels.NoTouch));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_command_prints_the_report_as_CSV_one_row_per_channel_and_campaign(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await SeedAsync(test);
        var result = await CliProcess.RunAsync("attribution", "--model", "linear", "--conversion", "won_deal", "--from", "2026-03-01", "--to", "2026-04-01",
            "--csv", "--db", test.Database.ConnectionString);

        // The linear figures derived by hand in Linear_credits_revenue_and_cost_per_channel_and_campaign, as rows.
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """
            model,conversion,level,id,channel,conversions,revenue,cost,roi
            linear,won_deal,channel,(none),(none),1,400,0,
            linear,won_deal,channel,paid_search,paid_search,1,800,310,1.5806
            linear,won_deal,channel,email,email,0.5,500,200,1.5
            linear,won_deal,channel,events,events,0.5,300,100,2
            linear,won_deal,campaign,web,paid_search,1,800,310,1.5806
            linear,won_deal,campaign,fair,events,0.5,300,100,2
            linear,won_deal,campaign,mail,email,0.5,500,200,1.5

            """.Replace("(none)", AttributionModels.NoTouch), result.Stdout.Replace("\r\n", "\n"));
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_API_gives_all_models_side_by_side_as_JSON_and_CSV(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        await SeedAsync(server.Database);
        var json = JsonDocument.Parse(await server.Client.GetStringAsync("/api/attribution?model=all&conversion=won_deal&from=2026-03-01&to=2026-04-01"));
        var models = json.RootElement.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(Enum.GetValues<AttributionModel>().Length, models.Count);
        // Every model credits the same 3 won deals worth 2000 (d1 1000, d2 600, d3 400).
        Assert.All(models, m => Assert.Equal(2000m, m.GetProperty("revenue").GetDecimal()));

        var csv = await server.Client.GetAsync("/api/attribution?model=all&conversion=won_deal&from=2026-03-01&to=2026-04-01&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // first_touch by hand: d1 → web (1000), d2 → fair (600); so its paid_search row reads 1 conversion, 1000, cost 310,
        // ROI (1000 − 310) / 310 = 2.2258.
        Assert.Contains("first_touch,won_deal,channel,paid_search,paid_search,1,1000,310,2.2258", lines);
        Assert.Contains("last_touch,won_deal,campaign,mail,email,1,1000,200,4", lines); // d1's last touch is mail 02-10: (1000 − 200) / 200 = 4

        var bad = await server.Client.GetAsync("/api/attribution?model=all&conversion=won_deal&from=2026-03-01&to=2026-04-01&format=xml");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("'xml' is not one of json, csv", await bad.Content.ReadAsStringAsync());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_account_based_view_joins_the_touches_of_every_contact_of_the_account(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await SeedAsync(test);
        await using (var db = test.Database.Open())
        {
            // c6, a colleague of c1 at acc-1, came to the fair on 03-01, before d1 closed (03-10).
            db.Contacts.Add(new Contact { Id = "c6", AccountId = "acc-1" });
            db.Events.Add(new TrackedEvent
            {
                MessageId = "c6-fair", Type = "track", Name = "Webinar Attended", ContactId = "c6", Timestamp = At(3, 1), ReceivedAt = At(3, 1),
                Payload = """{"type":"track","event":"Webinar Attended","properties":{"campaign_id":"fair"}}""",
            });
            await db.SaveChangesAsync();
        }
        await using var read = test.Database.Open();
        var byContact = await StoredAttribution.RunAsync(read, new AttributionQuery(AttributionModel.Linear, ConversionKind.WonDeal, March, April));
        var byAccount = await StoredAttribution.RunAsync(read, new AttributionQuery(AttributionModel.Linear, ConversionKind.WonDeal, March, April, AccountBased: true));

        // By contact, d1 stays c1's: web 0.5, mail 0.5 (the linear test's figures; c6's touch is a null journey).
        Assert.Equal(0.5, byContact.Channels.Single(c => c.Channel == "events").Conversions);
        // By account, d1's journey is acc-1's: web 02-01, mail 02-10, fair 03-01, a third each (333.3333).
        // d2 (already acc-2's): fair 0.5 (300), web 0.5 (300); d3: (none) 400.
        // paid_search 1/3 + 1/2 = 0.8333 (633.3333), events 0.8333 (633.3333), email 0.3333 (333.3333), (none) 1 (400).
        var channels = byAccount.Channels.ToDictionary(c => c.Channel, c => (Math.Round(c.Conversions, 4), c.Revenue));
        Assert.Equal((0.8333, 633.3333m), channels["paid_search"]);
        Assert.Equal((0.8333, 633.3333m), channels["events"]);
        Assert.Equal((0.3333, 333.3333m), channels["email"]);
        Assert.Equal((1.0, 400m), channels[AttributionModels.NoTouch]);
        Assert.Equal(2000m, byAccount.Revenue);
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_API_takes_the_lookback_window_and_the_view(string engine)
    {
        await using var server = await RunningServer.StartAsync(engine);
        await SeedAsync(server.Database);
        // A 30-day lookback: d1 (closed 03-10) keeps touches from 02-08 on, so mail 02-10 only (web 02-01 is out): email 1.0, 1000;
        // d2 (03-15, from 02-13): fair 02-15 and web 02-20, 0.5 each (300); d3: (none) 400.
        using var json = JsonDocument.Parse(await server.Client.GetStringAsync(
            "/api/attribution?model=linear&conversion=won_deal&from=2026-03-01&to=2026-04-01&lookback_days=30&view=account"));
        var channels = json.RootElement.GetProperty("channels").EnumerateArray()
            .ToDictionary(c => c.GetProperty("channel").GetString()!, c => (c.GetProperty("conversions").GetDouble(), c.GetProperty("revenue").GetDecimal()));
        Assert.Equal((1.0, 1000m), channels["email"]);
        Assert.Equal((0.5, 300m), channels["paid_search"]);
        Assert.Equal((0.5, 300m), channels["events"]);

        var bad = await server.Client.GetAsync("/api/attribution?model=linear&conversion=won_deal&from=2026-03-01&to=2026-04-01&lookback_days=0&view=team");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        using var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Equal("must be a number of days from 1 to 3650", errors.GetProperty("lookback_days")[0].GetString());
        Assert.Equal("'team' is not one of contact, account", errors.GetProperty("view")[0].GetString());
    }

    [Theory, ClassData(typeof(Engines))]
    public async Task The_dashboard_reads_a_snapshot_minutes_old_and_the_worker_refits_it(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await SeedAsync(test);
        var query = new AttributionQuery(AttributionModel.Linear, ConversionKind.WonDeal, March, April);
        AttributionModel[] models = [AttributionModel.Linear, AttributionModel.FirstTouch];
        var start = new DateTime(2026, 4, 2, 9, 0, 0, DateTimeKind.Utc);
        async Task<(double Conversions, decimal Revenue, DateTime ComputedAt)> ReadAsync(int minutes)
        {
            await using var db = test.Database.Open();
            var (reports, computedAt) = await AttributionSnapshots.GetAsync(db, query, models, start.AddMinutes(minutes));
            Assert.Equal(models, reports.Select(r => r.Query.Model));
            return (reports[0].Conversions, reports[0].Revenue, computedAt);
        }
        async Task<int> RefreshAsync(int minutes)
        {
            await using var db = test.Database.Open();
            return await AttributionSnapshots.RefreshAsync(db, start.AddMinutes(minutes), CancellationToken.None);
        }
        async Task WinAsync(string id, decimal amount, int day)
        {
            await using var db = test.Database.Open();
            db.Deals.Add(new Deal { Id = id, AccountId = "acc-3", ContactId = "c4", Amount = amount, CreatedAt = At(3, 1), ClosedAt = At(3, day), Outcome = DealOutcome.Won });
            await db.SaveChangesAsync();
        }

        // March as the first test derives it: d1, d2, d3 won, 2000.
        Assert.Equal((3d, 2000m, start), await ReadAsync(0));
        // d6 (500) is won in March; for the five minutes a snapshot lives the page still shows the one of 09:00.
        await WinAsync("d6", 500m, 26);
        Assert.Equal((3d, 2000m, start), await ReadAsync(1));
        // The worker refits a snapshot once it is two minutes old.
        Assert.Equal(0, await RefreshAsync(1));
        Assert.Equal(1, await RefreshAsync(3));
        Assert.Equal((4d, 2500m, start.AddMinutes(3)), await ReadAsync(4));
        // Without the worker, a snapshot past five minutes is computed afresh when read: d7 (100) counts.
        await WinAsync("d7", 100m, 27);
        Assert.Equal((5d, 2600m, start.AddMinutes(9)), await ReadAsync(9));
    }
}
