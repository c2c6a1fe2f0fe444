namespace Lifecycle.Scoring;

/// <summary>One scored change inside the period, as score drivers read it.</summary>
public sealed record DriverChange(string ContactId, string RuleId, ScoreKind Kind, int Points);

/// <summary>
/// One row of nurture.score_drivers: the points a rule awarded in the period, and the MQL rate of the contacts
/// the rule scored in the period against the other scored contacts. Rates are null when their group is empty.
/// </summary>
public sealed record ScoreDriver(string RuleId, ScoreKind Kind, long Points, int ContactsWith, int MqlsWith, int ContactsWithout, int MqlsWithout)
{
    public double? MqlRateWith => ContactsWith == 0 ? null : (double)MqlsWith / ContactsWith;
    public double? MqlRateWithout => ContactsWithout == 0 ? null : (double)MqlsWithout / ContactsWithout;
}

/// <summary>
/// nurture.score_drivers (lifecycle.md §3), pure. Where the spec is silent:
/// - the population is every contact with at least one score change in the period (the contacts scoring saw);
/// - "with the activity" = the rule changed the contact's score in the period; "without" = the rest of the population;
/// - an MQL is a contact with a transition into mql in the period (re-entries count the contact once).
/// </summary>
public static class ScoreDrivers
{
    public static IReadOnlyList<ScoreDriver> Compute(IReadOnlyCollection<DriverChange> changes, IReadOnlySet<string> mqlContacts)
    {
        var population = changes.Select(c => c.ContactId).ToHashSet();
        var mqlsInPopulation = population.Count(mqlContacts.Contains);
        return changes.GroupBy(c => (c.RuleId, c.Kind))
            .Select(rule =>
            {
                var with = rule.Select(c => c.ContactId).ToHashSet();
                var mqlsWith = with.Count(mqlContacts.Contains);
                return new ScoreDriver(rule.Key.RuleId, rule.Key.Kind, rule.Sum(c => (long)c.Points), with.Count, mqlsWith,
                    population.Count - with.Count, mqlsInPopulation - mqlsWith);
            })
            .OrderByDescending(d => d.Points).ThenBy(d => d.RuleId, StringComparer.Ordinal)
            .ToList();
    }
}
