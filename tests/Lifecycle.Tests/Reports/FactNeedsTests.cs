using System.Collections;
using Lifecycle.Reports;

namespace Lifecycle.Tests.Reports;

/// <summary>
/// A report loads only the costly facts its metrics declare (MetricDefinition.Needs). Each metric is computed
/// on facts whose undeclared collections throw when read, so a metric that reads facts it does not declare fails
/// here instead of silently counting an empty list.
/// </summary>
public class FactNeedsTests
{
    public static TheoryData<string> MetricIds() => new(MetricCatalog.Available.Select(m => m.Id));

    [Theory, MemberData(nameof(MetricIds))]
    public void A_metric_reads_no_event_facts_beyond_those_it_declares(string id)
    {
        var metric = MetricCatalog.Find(id)!;
        IReadOnlyList<T> Facts<T>(FactNeeds kind) => metric.Needs.HasFlag(kind) ? [] : new Unloaded<T>(id, kind);
        var facts = new ReportFacts
        {
            Transitions = Facts<TransitionFact>(FactNeeds.Histories), Contacts = new Dictionary<string, ContactFact>(), Campaigns = new Dictionary<string, CampaignFact>(),
            WonDeals = [], Subscriptions = [], Nps = [], Costs = [],
            Visits = Facts<VisitFact>(FactNeeds.Traffic), PageViews = Facts<PageViewFact>(FactNeeds.Traffic),
            Emails = Facts<EmailFact>(FactNeeds.Emails), EmailTallies = Facts<EmailTally>(FactNeeds.Emails), FormEvents = Facts<Lifecycle.Capture.FormEventFact>(FactNeeds.Forms),
            ScoreChanges = Facts<Lifecycle.Scoring.ScoreChange>(FactNeeds.Scores), MqlThreshold = 50, // a threshold, so the profile goes on to read scores
            Programs = metric.Needs.HasFlag(FactNeeds.ProgramRuns) ? new Dictionary<string, Lifecycle.Programs.ProgramDefinition>() : new UnloadedPrograms(id),
        };
        var period = new ReportPeriod(new DateOnly(2026, 1, 1), new DateOnly(2026, 2, 1), TimeZoneInfo.Utc);

        MetricCatalog.Compute(new MetricScope(facts, period, ReportSettings.Default), [metric]);
    }

    [Fact]
    public void Stage_counts_need_histories_only_and_the_expand_page_needs_none()
    {
        string[] transitionsOnly = ["capture.inquiries", "nurture.new_leads", "nurture.mqls", "convert.sqls"];
        Assert.Equal(FactNeeds.Histories, MetricDefinition.NeedsOf(transitionsOnly.Select(id => MetricCatalog.Find(id)!)));
        Assert.Equal(FactNeeds.Traffic | FactNeeds.Histories,
            MetricDefinition.NeedsOf([MetricCatalog.Find("capture.inquiries")!, MetricCatalog.Find("capture.visitor_to_inquiry_rate")!]));
        // Accounts, deals, subscriptions and NPS: the expand page's twelve months read no contact history.
        string[] expand = ["expand.churn_rate", "expand.upsell_share", "expand.net_revenue_retention", "expand.nps", "convert.new_customers"];
        Assert.Equal(FactNeeds.None, MetricDefinition.NeedsOf(expand.Select(id => MetricCatalog.Find(id)!)));
    }

    private sealed class Unloaded<T>(string metric, FactNeeds kind) : IReadOnlyList<T>
    {
        public T this[int index] => throw Read();
        public int Count => throw Read();
        public IEnumerator<T> GetEnumerator() => throw Read();
        IEnumerator IEnumerable.GetEnumerator() => throw Read();
        private InvalidOperationException Read() => new($"{metric} reads {kind} facts but does not declare them in its Needs");
    }

    private sealed class UnloadedPrograms(string metric) : IReadOnlyDictionary<string, Lifecycle.Programs.ProgramDefinition>
    {
        public Lifecycle.Programs.ProgramDefinition this[string key] => throw Read();
        public IEnumerable<string> Keys => throw Read();
        public IEnumerable<Lifecycle.Programs.ProgramDefinition> Values => throw Read();
        public int Count => throw Read();
        public bool ContainsKey(string key) => throw Read();
        public bool TryGetValue(string key, out Lifecycle.Programs.ProgramDefinition value) => throw Read();
        public IEnumerator<KeyValuePair<string, Lifecycle.Programs.ProgramDefinition>> GetEnumerator() => throw Read();
        IEnumerator IEnumerable.GetEnumerator() => throw Read();
        private InvalidOperationException Read() => new($"{metric} reads program facts but does not declare ProgramRuns in its Needs");
    }
}
