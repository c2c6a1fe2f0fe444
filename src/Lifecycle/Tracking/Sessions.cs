namespace Lifecycle.Tracking;

/// <summary>
/// Visits (lifecycle.md §3, attract.visits): a visitor's hits split wherever 30 minutes pass without one.
/// A session belongs to the period its first hit falls in. Pure.
/// </summary>
public static class Sessions
{
    public static readonly TimeSpan Inactivity = TimeSpan.FromMinutes(30);

    /// <summary>The start instants of the sessions in one visitor's hits (in any order).</summary>
    public static List<DateTime> Starts(IEnumerable<DateTime> hits)
    {
        var starts = new List<DateTime>();
        DateTime? previous = null;
        foreach (var hit in hits.Order())
        {
            if (previous is null || hit - previous.Value >= Inactivity) starts.Add(hit);
            previous = hit;
        }
        return starts;
    }
}
