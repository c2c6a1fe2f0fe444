using System.Text.Json;
using Lifecycle.Contacts;
using Lifecycle.Demo;
using Lifecycle.Pipeline;

namespace Lifecycle.Tests.Demo;

public class DemoGeneratorTests
{
    private static readonly DemoOptions Options = new(Contacts: 2000, Months: 24, Seed: 7, Until: new DateOnly(2026, 10, 1));
    private static readonly Lazy<(DemoDataset Data, List<string> Events)> Generated = new(() =>
    {
        var events = new List<string>();
        var data = DemoGenerator.Generate(Options, line => events.Add(System.Text.Encoding.UTF8.GetString(line)));
        return (data, events);
    });

    private static DemoDataset Data => Generated.Value.Data;

    [Fact]
    public void The_same_options_write_the_same_bytes_and_another_seed_does_not()
    {
        string Folder(DemoOptions options)
        {
            var folder = Directory.CreateTempSubdirectory("lifecycle-demo-").FullName;
            DemoFolder.Write(folder, options);
            return folder;
        }
        var small = Options with { Contacts = 300 };
        var (a, b, c) = (Folder(small), Folder(small), Folder(small with { Seed = 8 }));
        var files = Directory.GetFiles(a).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(9, files.Count);
        foreach (var file in files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, file!)), File.ReadAllBytes(Path.Combine(b, file!)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, "contacts.csv")), File.ReadAllBytes(Path.Combine(c, "contacts.csv")));
    }

    [Fact]
    public void Every_contact_history_follows_the_status_rules_and_stays_inside_the_period()
    {
        var end = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (var history in Data.Transitions.GroupBy(t => t.ContactId))
        {
            ContactStatus? previous = null;
            var at = DateTime.MinValue;
            foreach (var transition in history.OrderBy(t => t.At))
            {
                var decision = StatusRules.Decide(previous, transition.ToStatus, transition.Reason);
                Assert.True(decision.Allowed, $"{history.Key}: {decision.Refusal}");
                Assert.True(transition.At > at && transition.At < end, $"{history.Key} at {transition.At:O}");
                (previous, at) = (transition.ToStatus, transition.At);
            }
        }
        Assert.All(Data.Deals, d => Assert.True(d.CreatedAt < end && (d.ClosedAt is null || d.ClosedAt < end && d.ClosedAt >= d.CreatedAt)));
    }

    [Fact]
    public void References_point_at_rows_that_exist()
    {
        var accounts = Data.Accounts.Select(a => a.Id).ToHashSet();
        var campaigns = Data.Campaigns.Select(c => c.Id).ToHashSet();
        var contacts = Data.Contacts.Select(c => c.Id).ToHashSet();
        Assert.All(Data.Contacts, c => Assert.Contains(c.AccountId!, accounts));
        Assert.All(Data.Contacts.Where(c => c.CampaignId is not null), c => Assert.Contains(c.CampaignId!, campaigns));
        Assert.All(Data.Deals, d => Assert.Contains(d.AccountId, accounts));
        Assert.All(Data.Deals.Where(d => d.ContactId is not null), d => Assert.Contains(d.ContactId!, contacts));
        Assert.All(Data.Costs.Where(c => c.CampaignId is not null), c => Assert.Contains(c.CampaignId!, campaigns));
        Assert.All(Data.Nps, n => Assert.Contains(n.ContactId, contacts));
        Assert.Equal(Data.Contacts.Count, Data.Contacts.Select(c => c.Email).Distinct().Count());
    }

    [Fact]
    public void Conversion_rates_land_in_believable_ranges()
    {
        var reached = Data.Transitions.GroupBy(t => t.ContactId).ToDictionary(g => g.Key, g => g.Select(t => t.ToStatus).ToHashSet());
        double Share(ContactStatus from, ContactStatus to) =>
            (double)reached.Values.Count(s => s.Contains(from) && s.Contains(to)) / reached.Values.Count(s => s.Contains(from));
        Assert.InRange(Share(ContactStatus.Inquiry, ContactStatus.Lead), 0.85, 0.95);
        Assert.InRange(Share(ContactStatus.Lead, ContactStatus.Mql), 0.15, 0.45);
        Assert.InRange(Share(ContactStatus.Mql, ContactStatus.Sal), 0.55, 0.85);
        Assert.InRange(Share(ContactStatus.Sal, ContactStatus.Sql), 0.40, 0.70);
        Assert.InRange(Share(ContactStatus.Sql, ContactStatus.Opportunity), 0.55, 0.85);
        Assert.InRange(Share(ContactStatus.Opportunity, ContactStatus.Customer), 0.10, 0.45);
    }

    [Fact]
    public void Recycling_reopening_disqualification_churn_and_every_deal_type_occur()
    {
        Assert.Contains(Data.Transitions, t => t.FromStatus == ContactStatus.Recycled && t.ToStatus == ContactStatus.Lead && t.Actor == "rule:reopened");
        Assert.Contains(Data.Transitions, t => t.ToStatus == ContactStatus.Recycled && t.Reason == "not ready");
        Assert.Contains(Data.Transitions, t => t.ToStatus == ContactStatus.Recycled && t.Reason == "deal lost");
        Assert.Contains(Data.Transitions, t => t.ToStatus == ContactStatus.Disqualified);
        Assert.Contains(Data.Transitions, t => t.ToStatus == ContactStatus.Churned);
        Assert.Contains(Data.Subscriptions, s => s.EndsOn is not null);
        Assert.Contains(Data.Subscriptions, s => s.EndsOn is null);
        Assert.Equal(Enum.GetValues<DealType>(), Data.Deals.Select(d => d.Type).Distinct().Order());
        Assert.Equal(Enum.GetValues<DealOutcome>(), Data.Deals.Select(d => d.Outcome).Distinct().Order());
        // Mid-funnel seasonality: August (0.7) has fewer new contacts than October (1.2) in the same year.
        int Created(int month) => Data.Contacts.Count(c => c.CreatedAt.Year == 2026 && c.CreatedAt.Month == month);
        Assert.True(Created(8) < Created(10), $"{Created(8)} vs {Created(10)}");
    }

    [Fact]
    public void Nps_comments_speak_the_contacts_languages()
    {
        var comments = string.Concat(Data.Nps.Select(n => n.Comment));
        Assert.Matches("[\u3040-\u30ff]", comments); // Japanese kana
        Assert.Matches("[\uac00-\ud7af]", comments); // Hangul
        Assert.Matches("[áéíóúñ]", comments); // Spanish
        Assert.All(Data.Nps, n => Assert.InRange(n.Score, 0, 10));
    }

    [Fact]
    public void Events_are_segment_messages_about_20_per_contact()
    {
        var events = Generated.Value.Events;
        Assert.InRange(events.Count / (double)Options.Contacts, 12, 30);
        var ids = new HashSet<string>();
        foreach (var line in events.Take(5000))
        {
            using var message = JsonDocument.Parse(line);
            var root = message.RootElement;
            Assert.True(ids.Add(root.GetProperty("messageId").GetString()!));
            Assert.Contains(root.GetProperty("type").GetString(), new[] { "page", "track", "identify" });
            Assert.True(root.TryGetProperty("userId", out _) || root.TryGetProperty("anonymousId", out _));
            Assert.EndsWith("Z", root.GetProperty("timestamp").GetString());
        }
        Assert.Contains(events, e => e.Contains("\"Demo Requested\""));
        Assert.Contains(events, e => e.Contains("\"Email Clicked\""));
    }
}
