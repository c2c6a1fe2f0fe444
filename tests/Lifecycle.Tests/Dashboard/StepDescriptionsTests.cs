using System.Globalization;
using Lifecycle.Dashboard.Localization;
using Lifecycle.Dashboard.Pages;
using Lifecycle.Dashboard.Views;
using Lifecycle.Programs;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Lifecycle.Tests.Dashboard;

public class StepDescriptionsTests
{
    private static readonly IStringLocalizer Text =
        new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance).Create(typeof(Text));

    private static readonly ProgramStep[] EveryKind =
    [
        new() { Id = "mail", Type = "send_email", TemplateId = "welcome", Next = "wait" },
        new() { Id = "wait", Type = "wait", Duration = "P3D", Next = "until" },
        new() { Id = "until", Type = "wait", Until = new DateTime(2026, 12, 24, 18, 30, 0, DateTimeKind.Utc), Next = "monday" },
        new() { Id = "monday", Type = "wait", Weekday = "monday", Hour = 9, Next = "hot" },
        new() { Id = "hot", Type = "branch", Condition = "score >= 50", Yes = "split", No = "clicked" },
        new() { Id = "clicked", Type = "branch", Event = "Email Clicked", Yes = "split", No = "test" },
        new() { Id = "split", Type = "ab_split", Variants = [new("A", 1, "title"), new("B", 3, "points")] },
        new() { Id = "test", Type = "ab_split", Sample = 0.2, DecideAfter = "PT12H", Metric = "open", Variants = [new("A", 1, "title"), new("B", 1, "title")] },
        new() { Id = "title", Type = "update_field", Field = "title", Value = "CTO", Next = "points" },
        new() { Id = "points", Type = "add_points", Points = 10, Next = "status" },
        new() { Id = "status", Type = "change_status", Status = "mql", Next = "owner" },
        new() { Id = "owner", Type = "notify_owner", Message = "call them", Next = "hook" },
        new() { Id = "hook", Type = "webhook", Event = "nurtured", Next = "goal" },
        new() { Id = "goal", Type = "goal", Condition = "status = 'mql'", Next = "end" },
        new() { Id = "end", Type = "exit" },
    ];

    private static string English(Phrase phrase)
    {
        var previous = CultureInfo.CurrentCulture;
        (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (CultureInfo.GetCultureInfo("en-US"), CultureInfo.GetCultureInfo("en-US"));
        try { return Text.Say(phrase); }
        finally { (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (previous, previous); }
    }

    [Fact]
    public void Each_kind_of_step_reads_as_a_sentence()
    {
        Assert.Equal(
        [
            "send e-mail 'welcome'", "wait 3 days", "wait until 2026-12-24 18:30 UTC", "wait until the next monday at 9:00 in the contact's time zone",
            "branch: score >= 50?", "branch: did 'Email Clicked' since the previous step?", "A/B test on click",
            "A/B test on open: 20% of contacts first, the winner for the rest after 12 hours", "set title to 'CTO'", "add 10 points", "change status to mql",
            "notify the owner: call them", "send the webhook 'nurtured'", "goal: leave when status = 'mql'", "exit",
        ], EveryKind.Select(s => English(StepDescriptions.Describe(s))).ToArray());
    }

    [Fact]
    public void Durations_read_in_their_largest_whole_unit()
    {
        // P1D is one day; PT36H is 1.5 days, so hours; PT90M is 1.5 hours, so minutes; P1DT1S has no whole minute, so it stays as written.
        Assert.Equal(["1 day", "36 hours", "1 hour", "90 minutes", "1 minute", "P1DT1S"],
            new[] { "P1D", "PT36H", "PT1H", "PT90M", "PT1M", "P1DT1S" }.Select(d => English(StepDescriptions.Duration(d))).ToArray());
    }

    [Fact]
    public void Arrows_name_branch_arms_and_each_variants_share_of_the_weights()
    {
        var branch = StepDescriptions.Arrows(EveryKind.Single(s => s.Id == "hot"));
        Assert.Equal([("yes", "split"), ("no", "clicked")], branch.Select(a => (English(a.Label), a.Target)).ToArray());
        // Weights 1 and 3 of 4: 25% and 75%.
        var split = StepDescriptions.Arrows(EveryKind.Single(s => s.Id == "split"));
        Assert.Equal([("variant A (25%)", "title"), ("variant B (75%)", "points")], split.Select(a => (English(a.Label), a.Target)).ToArray());
        Assert.Equal([("then", "hook")], StepDescriptions.Arrows(EveryKind.Single(s => s.Id == "owner")).Select(a => (English(a.Label), a.Target)).ToArray());
        Assert.Empty(StepDescriptions.Arrows(EveryKind.Single(s => s.Id == "end")));
    }

    /// <summary>The phrases are built in code, where the page scan of TranslationTests cannot see them.</summary>
    [Fact]
    public void Every_phrase_and_step_type_has_a_translation_in_each_language()
    {
        var phrases = EveryKind.SelectMany(s => StepDescriptions.Arrows(s).Select(a => a.Label).Prepend(StepDescriptions.Describe(s)))
            .Concat(new[] { "P1D", "P2D", "PT1H", "PT2H", "PT1M", "PT2M" }.Select(StepDescriptions.Duration));
        var keys = phrases.SelectMany(p => p.Args.OfType<Phrase>().Prepend(p)).Select(p => p.Format).Concat(ProgramStepTypes.All).ToHashSet();
        var missing = new List<string>();
        foreach (var language in DashboardCulture.Languages.Where(l => l != "en"))
        {
            var previous = CultureInfo.CurrentUICulture;
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(language);
            try { missing.AddRange(keys.Where(k => Text[k].ResourceNotFound).Select(k => $"{language}: {k}")); }
            finally { CultureInfo.CurrentUICulture = previous; }
        }
        Assert.Empty(missing);
    }
}
